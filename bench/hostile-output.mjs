// Hostile output: the CPU time each adapter's parse takes on malformed replies of 100 KB and 1 MB
// (the worst of several shapes that used to be super-linear: unquoted lines after a bracket,
// unescaped quotes, missing commas, '</' runs, deep nesting), raw and inside a field. Baseline:
// the same adapter parsing a well-formed reply of the same size in the same run. Target: 100 KB of
// any malformed reply under 100 ms in every adapter, and 1 MB about 10x that (linear).
// A fast-check probe then feeds generated hostile replies of up to 1 MB to every adapter with a
// time budget linear in the input's size.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { pkg } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { fmtMs, median } from './lib/stats.mjs';

const KB = 1024;
const SIZES = [100 * KB, 1024 * KB];
const TARGET_100KB_MS = 100;
// The probe's budget per input: linear in its size, at the target's rate (1 ms per KB) plus 20 ms.
const budgetMs = (bytes) => 20 + bytes / KB;
const PROBE_RUNS = 30;

const fill = (unit, bytes, prefix = '') => prefix + unit.repeat(Math.max(1, Math.floor(bytes / unit.length)));

/** Malformed replies that were slow or overflowed the stack before issue 18. */
const SHAPES = {
  'unquoted lines': (n) => fill('x\n', n, '['),
  'unquoted keys': (n) => fill('x\n', n, '{'),
  'unescaped quotes': (n) => fill('x\n"', n, '["'),
  'missing commas': (n) => fill('1 ', n, '{"a": ['),
  'single quotes': (n) => fill("x' ", n, "['"),
  'close tags': (n) => fill('</', n),
  'open tags': (n) => fill('<a>', n),
  'open braces': (n) => fill('{', n),
  'deep python': (n) => fill("{'a': ", n),
  'deep json': (n) => `${fill('{"a": ', n / 2)}1${'}'.repeat(n / 12)}`,
};

/** How each adapter's reply carries a field: the shape alone, or inside the adapter's field syntax. */
const WRAPS = {
  ChatAdapter: [(s) => s, (s) => `[[ ## answer ## ]]\n${s}`],
  JSONAdapter: [(s) => s, (s) => `{"answer": ${s}`],
  XMLAdapter: [(s) => s, (s) => `<answer>${s}</answer>`],
  TemplateAdapter: [(s) => s, (s) => `{"answer": ${s}`],
};

/** A well-formed reply of about `bytes`, in each adapter's format (the same-run baseline). */
const WELL_FORMED = {
  ChatAdapter: (n) => `[[ ## answer ## ]]\n${JSON.stringify({ items: fill('word ', n).split(' ') })}`,
  JSONAdapter: (n) => JSON.stringify({ answer: { items: fill('word ', n).split(' ') } }),
  XMLAdapter: (n) => `<answer>${fill('<item>word</item>', n)}</answer>`,
  TemplateAdapter: (n) => JSON.stringify({ answer: { items: fill('word ', n).split(' ') } }),
};

/** Median CPU time (user + system) of one parse: on this shared machine wall time mostly measures waiting. */
function timeParse(adapter, sig, text, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    try {
      adapter.parse(sig, text);
    } catch (error) {
      if (error?.name !== 'AdapterParseError') throw error;
    }
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000);
  }
  return median(samples);
}

// The fragments of the fuzz tests (packages/adapters/test/hostile-output.test.ts), at up to 1 MB.
const FRAGMENTS = JSON.parse(
  readFileSync(new URL('../packages/adapters/test/fixtures/hostile-fragments.json', import.meta.url), 'utf8'),
);
const hostile = fc
  .tuple(
    fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 1, max: 1024 * KB }),
  )
  .map(([pattern, bytes]) => fill(pattern.join(''), bytes));

export async function run() {
  const core = await pkg('core', 'signature');
  const adapters = await pkg('adapters', 'ChatAdapter', 'JSONAdapter', 'XMLAdapter', 'TemplateAdapter');
  const sig = core.signature('question -> answer: dict[str, Any]');
  const instances = {
    ChatAdapter: new adapters.ChatAdapter(),
    JSONAdapter: new adapters.JSONAdapter(),
    XMLAdapter: new adapters.XMLAdapter(),
    TemplateAdapter: new adapters.TemplateAdapter({ messages: [{ role: 'user', content: '{question}' }] }),
  };
  const rows = [];
  for (const [name, adapter] of Object.entries(instances)) {
    const worst = {};
    const baseline = {};
    for (const size of SIZES) {
      const runs = size > 100 * KB ? 3 : 7;
      baseline[size] = timeParse(adapter, sig, WELL_FORMED[name](size), runs);
      worst[size] = { ms: 0, shape: '' };
      for (const [shape, make] of Object.entries(SHAPES)) {
        for (const wrap of WRAPS[name]) {
          const ms = timeParse(adapter, sig, wrap(make(size)), runs);
          if (ms > worst[size].ms) worst[size] = { ms, shape };
        }
      }
    }
    const [small, large] = SIZES.map((size) => worst[size]);
    rows.push(
      row({
        bench: 'hostile',
        figure: `${name}: worst malformed reply, 100 KB (${small.shape})`,
        value: fmtMs(small.ms),
        baseline: `well-formed 100 KB ${fmtMs(baseline[SIZES[0]])}`,
        ratio: small.ms / baseline[SIZES[0]],
        target: `< ${TARGET_100KB_MS} ms`,
        pass: small.ms < TARGET_100KB_MS,
        data: { worst, baseline },
      }),
      row({
        bench: 'hostile',
        figure: `${name}: worst malformed reply, 1 MB (${large.shape})`,
        value: `${fmtMs(large.ms)} (${(large.ms / small.ms).toFixed(1)}x the 100 KB worst)`,
        baseline: `well-formed 1 MB ${fmtMs(baseline[SIZES[1]])}`,
        ratio: large.ms / baseline[SIZES[1]],
        target: `< ${TARGET_100KB_MS * 10} ms (linear)`,
        pass: large.ms < TARGET_100KB_MS * 10,
        data: { worst, baseline },
      }),
    );
  }

  // The probe: generated hostile replies up to 1 MB, each within a budget linear in its size.
  const samples = fc.sample(hostile, { numRuns: PROBE_RUNS, seed: 18 });
  for (const [name, adapter] of Object.entries(instances)) {
    let worst = { ratio: 0, bytes: 0, ms: 0 };
    for (const text of samples) {
      const ms = timeParse(adapter, sig, text, 1);
      const ratio = ms / budgetMs(text.length);
      if (ratio > worst.ratio) worst = { ratio, bytes: text.length, ms };
    }
    rows.push(
      row({
        bench: 'hostile',
        figure: `${name}: fuzz probe, ${PROBE_RUNS} generated replies up to 1 MB, worst time / budget`,
        value: `${fmtMs(worst.ms)} for ${(worst.bytes / KB).toFixed(0)} KB`,
        baseline: `budget ${fmtMs(budgetMs(worst.bytes))} (20 ms + 1 ms per KB)`,
        ratio: worst.ratio,
        target: '< 1.00x',
        pass: worst.ratio < 1,
        data: worst,
      }),
    );
  }
  return rows;
}

main(
  import.meta.url,
  run,
  ['ChatAdapter', 'JSONAdapter', 'XMLAdapter', 'TemplateAdapter'].map((name) => [
    'hostile',
    `${name}: worst malformed reply, 100 KB`,
    `< ${TARGET_100KB_MS} ms`,
  ]),
);
