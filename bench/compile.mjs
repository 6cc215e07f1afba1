// Compile: BootstrapFewShot over 100 training examples against the server at 50 ms latency with
// `concurrency: 8`. Wall time versus the ideal bound (requests x latency / concurrency); then the
// same compile again with a fresh LM on the same cache folder must make zero requests (counted at
// the server), once from the memory LRU and once from disk only.
import { rmSync } from 'node:fs';
import { coldCompiles, rawReplay } from './lib/compile-runs.mjs';
import { framework } from './lib/fixtures.mjs';
import { pkg } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmtMs, fmtX, median, now } from './lib/stats.mjs';

const EXAMPLES = 100;
const LATENCY_MS = 50;
const CONCURRENCY = 8;
const REPEATS = 3;

export async function run() {
  const { core, QA } = await framework();
  const { BootstrapFewShot } = await pkg('optimizers', 'BootstrapFewShot');
  core.configure({ logger: { info() {}, warn() {} } });
  const trainset = Array.from({ length: EXAMPLES }, (_, i) =>
    new core.Example({ question: `q${i}: which code belongs to item ${i}?`, answer: `a${i}` }).withInputs(
      'question',
    ),
  );
  const metric = (example, prediction) => example.answer === prediction.answer;
  // Every example is attempted: the demo cap is not reached before the trainset ends.
  const optimizerOptions = { metric, maxBootstrappedDemos: EXAMPLES, concurrency: CONCURRENCY };

  const server = await startServerProcess({ reply: 'numbered', latencyMs: LATENCY_MS });
  const dirs = [];
  try {
    const compileOnce = async (cacheDir) => {
      const lm = new core.LM('openai/bench-model', {
        baseURL: server.url,
        apiKey: 'bench',
        cache: { dir: cacheDir },
      });
      core.configure({ lm });
      await server.reset();
      const start = now();
      const compiled = await new BootstrapFewShot(optimizerOptions).compile(new core.Predict(QA), {
        trainset,
      });
      const wall = now() - start;
      const { requestCount, peakInFlight } = await server.stats();
      const demos = compiled.predictors()[0].demos.length;
      return { wall, requests: requestCount, peakInFlight, demos };
    };
    const cold = await coldCompiles(compileOnce, { name: 'compile', repeats: REPEATS, dirs });
    // Same-run baseline: the raw SDK replaying the last cold run's 100 request bodies, 8 at a time.
    const bodies = (await server.requests()).map((r) => r.body);
    const replay = await rawReplay(server.url, bodies, CONCURRENCY);
    await replay();
    const rawWalls = [];
    for (let i = 0; i < REPEATS; i++) rawWalls.push(await replay());
    const rawWall = median(rawWalls);
    const lastDir = dirs.at(-1);
    const warmMemory = await compileOnce(lastDir);
    core.LMCache.clearMemory();
    const warmDisk = await compileOnce(lastDir);

    const wall = median(cold.map((r) => r.wall));
    const requests = cold.at(-1).requests;
    const bound = (requests * LATENCY_MS) / CONCURRENCY;
    const ratio = wall / bound;
    const zero = warmMemory.requests === 0 && warmDisk.requests === 0;
    return [
      row({
        bench: 'compile',
        figure: `BootstrapFewShot, ${EXAMPLES} examples, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}: wall vs ideal bound`,
        value: `${fmtMs(wall)} (${requests} requests, peak in flight ${cold.at(-1).peakInFlight}, ${cold.at(-1).demos} demos)`,
        baseline: `bound ${fmtMs(bound)} = ${requests} x ${LATENCY_MS} ms / ${CONCURRENCY}; raw SDK replay of the same requests ${fmtMs(rawWall)} = ${fmtX(rawWall / bound)}`,
        ratio,
        target: '< 1.30x',
        pass: ratio < 1.3,
        data: {
          wallMs: wall,
          boundMs: bound,
          runs: cold,
          rawReplayMs: rawWall,
          rawReplayRatio: rawWall / bound,
        },
      }),
      row({
        bench: 'compile',
        figure: 'same compile again, fresh LM on the same cache folder: requests at the server',
        value: `${warmMemory.requests} (memory LRU, ${fmtMs(warmMemory.wall)}); ${warmDisk.requests} (disk only, ${fmtMs(warmDisk.wall)})`,
        baseline: `cold run: ${requests}`,
        target: '0 requests',
        pass: zero,
        data: { warmMemory, warmDisk },
      }),
    ];
  } finally {
    await server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main(import.meta.url, run, [
  [
    'compile',
    `BootstrapFewShot, ${EXAMPLES} examples, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}: wall vs ideal bound`,
    '< 1.30x',
  ],
  ['compile', 'same compile again from the cache: requests at the server', '0 requests'],
]);
