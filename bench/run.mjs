// `pnpm bench`: runs every benchmark in its own `node --expose-gc` process, prints one table and
// writes bench/results/latest.json. This machine is noisy (2 shared cores), so every figure is a
// ratio against a baseline measured in the same run (raw openai SDK, ideal bound, the 1k-turn
// run), or an absolute in-process figure with its target.
//   node --expose-gc bench/run.mjs [--only overhead,throughput] [--quick]
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/load.mjs';
import { parseRows } from './lib/report.mjs';
import { fmtX } from './lib/stats.mjs';

const BENCHES = [
  'overhead',
  'throughput',
  'compile',
  'gepa',
  'session-scaling',
  'prompt-size',
  'stores',
  'streaming',
  'long-uptime',
  'tracing',
  'hostile-output',
];

const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.split('=')[1] ?? args[args.indexOf(onlyArg) + 1]).split(',') : undefined;
const selected = only ? BENCHES.filter((name) => only.includes(name)) : BENCHES;

function runBench(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    execFile(
      process.execPath,
      ['--expose-gc', join(ROOT, 'bench', `${name}.mjs`)],
      {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60 * 1000,
        env: { ...process.env, DSPY_TS_BENCH: '1' },
      },
      (error, stdout, stderr) => {
        const rows = parseRows(stdout);
        const seconds = (Date.now() - started) / 1000;
        if (rows) return resolve({ rows, seconds, stderr });
        const reason = (stderr || error?.message || 'no output').trim().split('\n').slice(-3).join(' | ');
        resolve({
          rows: [
            {
              bench: name,
              figure: '(benchmark failed)',
              value: `error: ${reason.slice(0, 300)}`,
              pass: false,
              target: '',
              baseline: '',
              ratio: null,
              data: {},
            },
          ],
          seconds,
          stderr,
        });
      },
    );
  });
}

const verdict = (pass) => (pass === true ? 'PASS' : pass === false ? 'FAIL' : '-');

function table(rows) {
  const header = ['benchmark', 'figure', 'value', 'baseline (same run)', 'ratio', 'target', 'result'];
  const lines = rows.map((r) => [
    r.bench,
    r.figure,
    r.value,
    r.baseline ?? '',
    typeof r.ratio === 'number' ? fmtX(r.ratio) : '',
    r.target ?? '',
    verdict(r.pass),
  ]);
  // Long cells wrap inside their column so the table stays readable in a terminal.
  const widths = [12, 58, 42, 40, 7, 16, 6];
  const wrap = (text, width) => {
    const out = [];
    let rest = String(text);
    while (rest.length > width) {
      let cut = rest.lastIndexOf(' ', width);
      if (cut <= 0) cut = width;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut).trimStart();
    }
    out.push(rest);
    return out;
  };
  const sep = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const render = (cells) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out = [];
    for (let line = 0; line < height; line++) {
      out.push(`| ${wrapped.map((w, i) => (w[line] ?? '').padEnd(widths[i])).join(' | ')} |`);
    }
    return out.join('\n');
  };
  return [sep, render(header), sep, ...lines.map((l) => `${render(l)}\n${sep}`)].join('\n');
}

const environment = {
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
  loadavgAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  date: new Date().toISOString(),
};
console.log(
  `dspy-ts benchmarks  (node ${environment.node}, ${environment.cpus}, load ${environment.loadavgAtStart.join(' ')})`,
);
const results = [];
for (const name of selected) {
  process.stdout.write(`  running ${name} ... `);
  const { rows, seconds, stderr } = await runBench(name);
  console.log(`${seconds.toFixed(1)} s`);
  if (stderr.trim() && rows.some((r) => r.figure === '(benchmark failed)')) console.error(stderr.trim());
  results.push(...rows);
}
environment.loadavgAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
console.log(table(results));
const failed = results.filter((r) => r.pass === false).length;
const passed = results.filter((r) => r.pass === true).length;
const na = results.filter((r) => r.data?.na).length;
console.log(
  `${passed} pass, ${failed} fail, ${na} n/a; load average at end ${environment.loadavgAtEnd.join(' ')}`,
);

const dir = join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ environment, results }, null, 2)}\n`);
console.log('wrote bench/results/latest.json');
