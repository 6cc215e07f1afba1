import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/stores/file-store.js';
import { SessionManager } from '../../src/stores/session-manager.js';
import { QA } from './manager-contract.js';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(`./process/${file}`, import.meta.url));

/** Runs `count` concurrent calls for `user` in a child process; resolves to its report. */
async function contender(dir: string, user: string, count: number, prefix: string) {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=@dspy-ts/source',
      '--import',
      here('ts-register.mjs'),
      here('contender.mjs'),
      dir,
      user,
      String(count),
      prefix,
    ],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    ok: number;
    errors: string[];
    lmCalls: number;
  };
}

describe('SessionManager across processes', () => {
  it('stores every turn of two processes writing one user on one FileStore', {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-processes-'));
    try {
      const reports = await Promise.all([contender(dir, 'alice', 25, 'a'), contender(dir, 'alice', 25, 'b')]);
      expect(reports).toEqual([
        { ok: 25, errors: [], lmCalls: 25 },
        { ok: 25, errors: [], lmCalls: 25 },
      ]);
      const alice = (await new SessionManager(QA(), { store: new FileStore({ dir }) }).get('alice'))!;
      const questions = alice.turns.map((turn) => String(turn.inputs.question));
      const expected = ['a', 'b'].flatMap((prefix) => Array.from({ length: 25 }, (_, n) => `${prefix}${n}`));
      expect([...questions].sort()).toEqual(expected.sort());
      expect(alice.turns.map((turn) => turn.index)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
