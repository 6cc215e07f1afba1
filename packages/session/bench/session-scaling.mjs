// Session scaling: heap growth and toExamples() time at 1,000 and 10,000 recorded turns (no
// maxTurns), through real session calls answered by DummyLM. History snapshots are views over one
// shared message array, so both figures must grow linearly (ratio ~10x); Python copies every
// snapshot, which is quadratic (~100x).
//
//   cd /work/main && npx tsc -b packages/session && node --expose-gc packages/session/bench/session-scaling.mjs
//   (add --rendered to also time a Predict root whose prompt renders the whole history)
//
// The measured program keeps its predictor under a Symbol key, so the session does not give it a
// History field: otherwise each call renders the entire conversation into its prompt, which is
// O(n) per call by nature (that is the LM's context, not the session's storage) and would make the
// run quadratic in time. The session still builds, publishes and snapshots the history per call.
import { performance } from 'node:perf_hooks';
import { context, DummyLM, Module, Predict } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';

if (typeof globalThis.gc !== 'function') {
  console.error('Run with node --expose-gc to measure heap growth.');
  process.exit(1);
}

const SIZES = [1_000, 10_000];

const GEN = Symbol('gen');
class Assistant extends Module {
  // Symbol-keyed: copied by deepCopy but not found by namedPredictors, so it gets no History field.
  [GEN] = new Predict('question -> answer');
  async forward({ question }) {
    return this[GEN].call({ question });
  }
}

// Distinct strings per turn: a real conversation shares no text to intern.
const question = (i) => `Turn ${i}: what should I do next about item ${i * 7919}?`;
const answerFor = (request) => {
  const text = request.messages.at(-1).content;
  return { answer: `For ${text.slice(20, 60)}, check the log, then retry step ${text.length % 13}.` };
};

async function settledHeap() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function record(turns, makeModule) {
  const lm = new DummyLM(answerFor);
  const before = await settledHeap();
  const session = sessionify(makeModule());
  const start = performance.now();
  // No LM history and no global trace: both retain per-call data that is not the session's.
  await context({ lm, disableHistory: true, trace: null }, async () => {
    for (let i = 0; i < turns; i++) await session.call({ question: question(i) });
  });
  const callMs = performance.now() - start;
  // Count what the session keeps, not DummyLM's own request log.
  lm.requests.length = 0;
  const heap = (await settledHeap()) - before;
  if (session.length !== turns) throw new Error(`expected ${turns} turns, got ${session.length}`);
  return { session, heap, callMs };
}

async function timeToExamples(session, repeats) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const examples = await session.toExamples();
    times.push(performance.now() - start);
    if (examples.length !== session.length) throw new Error('example count mismatch');
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value) => `${value.toFixed(2)} ms`;

async function measure(label, sizes, makeModule) {
  // Warm up the code paths so the first size does not pay for JIT compilation.
  await timeToExamples((await record(500, makeModule)).session, 3);
  const results = [];
  for (const turns of sizes) {
    const heaps = [];
    const times = [];
    let callMs = 0;
    for (let rep = 0; rep < 3; rep++) {
      const run = await record(turns, makeModule);
      heaps.push(run.heap);
      callMs = run.callMs;
      times.push(await timeToExamples(run.session, turns <= 1_000 ? 11 : 5));
    }
    heaps.sort((a, b) => a - b);
    times.sort((a, b) => a - b);
    results.push({ turns, heap: heaps[1], toExamplesMs: times[1], callMs });
  }
  const [small, large] = results;
  console.log(`\n${label}`);
  for (const r of results) {
    console.log(
      `  ${String(r.turns).padStart(6)} turns: heap growth ${kb(r.heap).padStart(10)} ` +
        `(${Math.round(r.heap / r.turns)} B/turn), toExamples() ${ms(r.toExamplesMs).padStart(10)}, ` +
        `calls ${ms(r.callMs)}`,
    );
  }
  const factor = large.turns / small.turns;
  console.log(
    `  ratio ${large.turns}/${small.turns}: heap ${(large.heap / small.heap).toFixed(2)}x, ` +
      `toExamples ${(large.toExamplesMs / small.toExamplesMs).toFixed(2)}x ` +
      `(linear = ${factor}x, quadratic = ${factor * factor}x)`,
  );
  const pythonMessages = (n) => (n * (n - 1)) / 2;
  console.log(
    `  (Python's copied snapshots would hold ${pythonMessages(small.turns).toLocaleString('en')} and ` +
      `${pythonMessages(large.turns).toLocaleString('en')} messages; these share ${small.turns.toLocaleString('en')} ` +
      `and ${large.turns.toLocaleString('en')})`,
  );
}

await measure(
  'Session calls with DummyLM (program root, history injected, no maxTurns)',
  SIZES,
  () => new Assistant(),
);

if (process.argv.includes('--rendered')) {
  // Every call renders the full history into the prompt (O(n) per call), so use smaller sizes.
  await measure(
    'Predict root through ChatAdapter (history rendered into each prompt)',
    [500, 2_000],
    () => new Predict('question -> answer'),
  );
}
