// The row shape every benchmark returns, and the child-process protocol of bench/run.mjs: each
// benchmark runs in its own `node --expose-gc` process (a fresh heap and JIT, and a crash or a
// missing build costs only its own lines) and prints its rows as one marked JSON line.
import { pathToFileURL } from 'node:url';
import { NotBuilt } from './load.mjs';

const MARK = '@@bench-rows@@';

/**
 * One line of the table.
 * @param {object} row
 * @param {string} row.bench     section, e.g. 'overhead'
 * @param {string} row.figure    what was measured
 * @param {string} row.value     the figure, formatted
 * @param {string} [row.baseline] the same-run baseline it is compared with, formatted
 * @param {number|null} [row.ratio] value / baseline (or value / bound)
 * @param {string} [row.target]  e.g. '< 1.10x'
 * @param {boolean|null} [row.pass] null = informational
 * @param {object} [row.data]    raw numbers for latest.json
 */
export const row = ({
  bench,
  figure,
  value,
  baseline = '',
  ratio = null,
  target = '',
  pass = null,
  data = {},
}) => ({
  bench,
  figure,
  value,
  baseline,
  ratio,
  target,
  pass,
  data,
});

export const naRow = (bench, figure, reason, target = '') =>
  row({ bench, figure, value: reason, target, pass: null, data: { na: reason } });

/** Runs `run()` when the module is the entry point and prints its rows for bench/run.mjs. */
export function main(moduleUrl, run, naFigures) {
  if (moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  run()
    .catch((error) => {
      if (!(error instanceof NotBuilt)) throw error;
      return naFigures.map(([bench, figure, target]) => naRow(bench, figure, error.message, target));
    })
    .then(
      (rows) => {
        process.stdout.write(`\n${MARK}${JSON.stringify(rows)}\n`);
        // Keep-alive sockets or a stray timer must not keep the child alive.
        setImmediate(() => process.exit(0));
      },
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
}

export const parseRows = (stdout) => {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  return line ? JSON.parse(line.slice(MARK.length)) : undefined;
};
