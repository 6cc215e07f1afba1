// Stores: the stores engineer's SessionManager benchmark (packages/session/bench/stores.mjs, turns/s
// per store for 100 users), run as is; its summary line is merged into the table, each store as a
// ratio to the memory store of the same run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotBuilt, ROOT } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';

const SCRIPT = join(ROOT, 'packages/session/bench/stores.mjs');

export async function run() {
  if (!existsSync(SCRIPT)) throw new NotBuilt('packages/session/bench/stores.mjs');
  if (!existsSync(join(ROOT, 'packages/session/dist/stores/session-manager.js'))) {
    throw new NotBuilt('@dspy-ts/session stores (SessionManager)');
  }
  const stdout = await new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SCRIPT],
      { cwd: join(ROOT, 'packages/session'), maxBuffer: 16 << 20, timeout: 8 * 60_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const summary = stdout.split('\n').find((line) => line.startsWith('bench stores:'));
  const header = stdout.split('\n').find((line) => line.startsWith('session stores:')) ?? '';
  if (!summary) throw new Error(`no summary line in stores.mjs output:\n${stdout}`);
  const values = Object.fromEntries(
    [...summary.matchAll(/(\w+)=(\w+)/g)].map(([, name, value]) => [
      name,
      value === 'skipped' ? null : Number(value),
    ]),
  );
  const skipped = Object.fromEntries(
    [...stdout.matchAll(/^\s+(\w+)\s+skipped: (.*)$/gm)].map(([, name, reason]) => [name, reason]),
  );
  const memory = values.memory;
  return Object.entries(values).map(([name, turnsPerSecond]) =>
    row({
      bench: 'stores',
      figure: `SessionManager turns/s, ${name} store (${header.replace(/^session stores: SessionManager turns\/s, /, '')})`,
      value:
        turnsPerSecond === null
          ? `skipped: ${skipped[name] ?? 'not available'}`
          : `${turnsPerSecond.toLocaleString('en-US')} turns/s`,
      baseline:
        name === 'memory' || turnsPerSecond === null
          ? ''
          : `memory store ${memory?.toLocaleString('en-US')} turns/s`,
      ratio: name === 'memory' || turnsPerSecond === null || !memory ? null : turnsPerSecond / memory,
      target: '',
      pass: null,
      data: { turnsPerSecond, skipped: skipped[name], summary },
    }),
  );
}

main(import.meta.url, run, [['stores', 'SessionManager turns/s per store', '']]);
