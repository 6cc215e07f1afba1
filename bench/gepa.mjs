// GEPA: one compile of a Predict over 24 training and 24 validation examples against the server at
// 50 ms latency with `concurrency: 8` (minibatches of 8, so every evaluation can fill the pool).
// Wall time versus the ideal bound: task requests x latency / concurrency, plus each reflection
// request at full latency (it waits for its minibatch and the child waits for it). Then the same
// compile with a fresh LM on the same cache folder must make zero requests.
import { rmSync } from 'node:fs';
import { coldCompiles, rawReplay } from './lib/compile-runs.mjs';
import { framework } from './lib/fixtures.mjs';
import { pkg } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmtMs, fmtX, median, now } from './lib/stats.mjs';

const EXAMPLES = 24;
const LATENCY_MS = 50;
const CONCURRENCY = 8;
const REPEATS = 3;
const BUDGET = 120;

export async function run() {
  const { core, QA } = await framework();
  const { GEPA } = await pkg('optimizers', 'GEPA');
  core.configure({ logger: { info() {}, warn() {} } });
  const examples = (start) =>
    Array.from({ length: EXAMPLES }, (_, k) => {
      const i = start + k;
      return new core.Example({
        question: `q${i}: which code belongs to item ${i}?`,
        answer: `A${i}`,
      }).withInputs('question');
    });
  const trainset = examples(0);
  const valset = examples(EXAMPLES);
  const metric = (gold, pred, _trace, _predName, _predTrace) =>
    gold.answer === pred.answer
      ? { score: 1, feedback: 'Correct.' }
      : {
          score: 0,
          feedback: `Expected ${gold.answer}, got ${pred.answer}: codes are written in UPPERCASE.`,
        };

  const server = await startServerProcess({ reply: 'gepa', latencyMs: LATENCY_MS });
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
      const gepa = new GEPA({
        metric,
        reflectionLm: lm,
        maxMetricCalls: BUDGET,
        reflectionMinibatchSize: CONCURRENCY,
        concurrency: CONCURRENCY,
        displayProgress: false,
        trackStats: true,
      });
      const compiled = await gepa.compile(new core.Predict(QA), { trainset, valset });
      const wall = now() - start;
      const requests = (await server.requests()).map((r) => r.body);
      const reflections = requests.filter((body) => body.messages[0].content.startsWith('I provided')).length;
      const { requestCount, peakInFlight } = await server.stats();
      const details = compiled.detailedResults;
      return {
        wall,
        requests: requestCount,
        reflections,
        peakInFlight,
        candidates: details.candidates.length,
        metricCalls: details.totalMetricCalls,
        best: details.valAggregateScores[details.bestIdx],
      };
    };
    const cold = await coldCompiles(compileOnce, { name: 'gepa', repeats: REPEATS, dirs });
    // Same-run baseline: the raw SDK replaying the last cold run's requests, 8 at a time (a flat
    // pool, so it is faster than any GEPA run can be: GEPA waits for each minibatch).
    const bodies = (await server.requests()).map((r) => r.body);
    const replay = await rawReplay(server.url, bodies, CONCURRENCY);
    await replay();
    const rawWall = median([await replay(), await replay(), await replay()]);
    const warm = await compileOnce(dirs.at(-1));
    const last = cold.at(-1);
    const wall = median(cold.map((r) => r.wall));
    // Task calls overlap up to `concurrency`; a reflection call waits for its minibatch and blocks the next.
    const bound =
      ((last.requests - last.reflections) * LATENCY_MS) / CONCURRENCY + last.reflections * LATENCY_MS;
    const ratio = wall / bound;
    return [
      row({
        bench: 'gepa',
        figure: `GEPA compile, ${EXAMPLES}+${EXAMPLES} examples, budget ${BUDGET}, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}: wall vs ideal bound`,
        value: `${fmtMs(wall)} (${last.requests} requests incl. ${last.reflections} reflections, peak in flight ${last.peakInFlight}, ${last.candidates} candidates, best ${last.best})`,
        baseline: `bound ${fmtMs(bound)} = ${last.requests - last.reflections} x ${LATENCY_MS} ms / ${CONCURRENCY} + ${last.reflections} x ${LATENCY_MS} ms; raw SDK replay of the same requests ${fmtMs(rawWall)} = ${fmtX(rawWall / bound)}`,
        ratio,
        target: '< 1.50x',
        pass: ratio < 1.5,
        data: {
          wallMs: wall,
          boundMs: bound,
          runs: cold,
          rawReplayMs: rawWall,
          rawReplayRatio: rawWall / bound,
        },
      }),
      row({
        bench: 'gepa',
        figure: 'same GEPA compile again, fresh LM on the same cache folder: requests at the server',
        value: `${warm.requests} (${fmtMs(warm.wall)})`,
        baseline: `cold run: ${last.requests}`,
        target: '0 requests',
        pass: warm.requests === 0,
        data: { warm },
      }),
    ];
  } finally {
    await server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main(import.meta.url, run, [
  ['gepa', `GEPA compile: wall vs ideal bound`, '< 1.50x'],
  ['gepa', 'same GEPA compile again from the cache: requests at the server', '0 requests'],
]);
