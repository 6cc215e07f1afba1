// Session scaling: heap growth and toExamples() time at 1,000 and 10,000 turns (no maxTurns).
// History snapshots share structure, so both must grow linearly: the 10k / 1k ratio stays under
// 12x (10x is linear). Turns are appended with session.addTurn (the bookkeeping a call does after
// its LM round trip) so the measurement is the session's, not the prompt formatting's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { framework } from './lib/fixtures.mjs';
import { NotBuilt, pkg, ROOT } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { fmtBytes, fmtMs, gc, median, now, settledHeap } from './lib/stats.mjs';

const SIZES = [1_000, 10_000];

// Distinct strings per turn (a real conversation has no shared text to intern).
const turnOf = (i) => ({
  inputs: { question: `Turn ${i}: what should I do next about item ${i * 7919}?` },
  outputs: { answer: `For item ${i * 7919}, check the log, then retry step ${i % 13}.` },
});

async function build(sessionify, core, QA, turns) {
  const session = sessionify(new core.Predict(QA));
  // Timed per 1,000 turns: the median chunk filters out the collections a growing heap triggers.
  const chunks = [];
  for (let from = 0; from < turns; from += 1_000) {
    const start = now();
    for (let i = from; i < from + 1_000; i++) session.addTurn(turnOf(i));
    chunks.push(now() - start);
  }
  return { session, chunks };
}

export async function run() {
  // The session engineer's own measurement wins when it exists (see the report line below).
  const theirs = join(ROOT, 'packages/session/bench/session-scaling.mjs');
  const { core, QA } = await framework();
  const sessionPkg = await pkg('session', 'sessionify').catch(() => {
    throw new NotBuilt('@dspy-ts/session (sessionify)');
  });
  const { sessionify } = sessionPkg;
  // Warm the code paths once so the 1k run is not the one paying for JIT compilation.
  for (let i = 0; i < 3; i++) {
    const { session } = await build(sessionify, core, QA, 2_000);
    await session.toExamples();
  }

  const results = {};
  for (const turns of SIZES) {
    const heaps = [];
    const chunks = [];
    const times = [];
    for (let rep = 0; rep < 3; rep++) {
      const before = await settledHeap();
      const built = await build(sessionify, core, QA, turns);
      chunks.push(...built.chunks);
      const after = await settledHeap();
      heaps.push(after - before);
      for (let i = 0; i < (turns <= 1_000 ? 20 : 8); i++) {
        // A full collection first: each run pays for its own garbage, not for the previous run's.
        gc();
        const start = now();
        const examples = await built.session.toExamples();
        times.push(now() - start);
        if (examples.length !== turns) throw new Error(`expected ${turns} examples, got ${examples.length}`);
      }
      if (built.session.length !== turns) throw new Error('turn count mismatch');
    }
    results[turns] = {
      heapBytes: median(heaps),
      toExamplesMs: median(times),
      toExamplesMinMs: Math.min(...times),
      appendUsPerTurn: median(chunks),
      lastChunkUsPerTurn: median(chunks.slice(-3)),
    };
  }
  const [small, large] = SIZES.map((n) => results[n]);
  const heapRatio = large.heapBytes / small.heapBytes;
  const timeRatio = large.toExamplesMs / small.toExamplesMs;
  const source = existsSync(theirs) ? ' (dspy-ts bench; session engineer also has one)' : '';
  return [
    row({
      bench: 'session',
      figure: `heap growth, 10,000 vs 1,000 turns (no maxTurns)${source}`,
      value: `${fmtBytes(large.heapBytes)} (${Math.round(large.heapBytes / 10_000)} B/turn)`,
      baseline: `1k turns: ${fmtBytes(small.heapBytes)} (${Math.round(small.heapBytes / 1_000)} B/turn)`,
      ratio: heapRatio,
      target: '< 12x (10x = linear)',
      pass: heapRatio < 12,
      data: results,
    }),
    row({
      bench: 'session',
      figure: 'toExamples() time, 10,000 vs 1,000 turns',
      value: fmtMs(large.toExamplesMs),
      baseline: `1k turns: ${fmtMs(small.toExamplesMs)}`,
      ratio: timeRatio,
      target: '< 12x (10x = linear)',
      pass: timeRatio < 12,
      data: results,
    }),
    row({
      bench: 'session',
      figure: 'addTurn cost per turn, median over 1,000-turn chunks (10k build vs 1k build)',
      value: `${large.appendUsPerTurn.toFixed(1)} µs/turn`,
      baseline: `1k build: ${small.appendUsPerTurn.toFixed(1)} µs/turn`,
      ratio: large.appendUsPerTurn / small.appendUsPerTurn,
      target: '',
      pass: null,
      data: results,
    }),
  ];
}

main(import.meta.url, run, [
  ['session', 'heap growth, 10,000 vs 1,000 turns', '< 12x'],
  ['session', 'toExamples() time, 10,000 vs 1,000 turns', '< 12x'],
]);
