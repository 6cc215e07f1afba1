// Throughput: 200 concurrent Predict calls through one LM with `concurrency: 16` against the local
// server at 50 ms latency. Wall time versus the ideal bound calls x latency / concurrency, with the
// raw openai SDK behind a p-queue of the same size as the same-run baseline.
import { framework } from './lib/fixtures.mjs';
import { dep } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmtMs, fmtX, median, now } from './lib/stats.mjs';

const CALLS = 200;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const REPEATS = 5;

export async function run() {
  const { core, QA } = await framework();
  const { default: OpenAI } = await dep('core', 'openai');
  const { default: PQueue } = await dep('core', 'p-queue');
  const server = await startServerProcess({ reply: 'short', latencyMs: LATENCY_MS });
  try {
    const lm = new core.LM('openai/bench-model', {
      baseURL: server.url,
      apiKey: 'bench',
      cache: false,
      concurrency: CONCURRENCY,
    });
    const predict = new core.Predict(QA);
    predict.lm = lm;
    await predict.call({ question: 'warm up' });
    const body = (await server.requests()).at(-1).body;
    const client = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });
    const queue = new PQueue({ concurrency: CONCURRENCY });

    const framework = async () => {
      await Promise.all(
        Array.from({ length: CALLS }, (_, i) => predict.call({ question: `Question number ${i}?` })),
      );
    };
    const raw = async () => {
      await Promise.all(
        Array.from({ length: CALLS }, () => queue.add(() => client.chat.completions.create(body))),
      );
    };
    const timed = async (fn) => {
      await server.reset();
      const start = now();
      await fn();
      const wall = now() - start;
      const { requestCount, peakInFlight } = await server.stats();
      if (requestCount !== CALLS) throw new Error(`expected ${CALLS} requests, saw ${requestCount}`);
      return { wall, peak: peakInFlight };
    };
    // Warm both paths (JIT, keep-alive sockets), then alternate.
    await timed(framework);
    await timed(raw);
    const fw = [];
    const rw = [];
    for (let i = 0; i < REPEATS; i++) {
      if (i % 2 === 0) {
        fw.push(await timed(framework));
        rw.push(await timed(raw));
      } else {
        rw.push(await timed(raw));
        fw.push(await timed(framework));
      }
    }
    const bound = (CALLS * LATENCY_MS) / CONCURRENCY;
    const fwWall = median(fw.map((r) => r.wall));
    const rawWall = median(rw.map((r) => r.wall));
    const ratio = fwWall / bound;
    return [
      row({
        bench: 'throughput',
        figure: `${CALLS} concurrent Predict calls, ${LATENCY_MS} ms latency, LM concurrency ${CONCURRENCY}: wall vs ideal bound`,
        value: `${fmtMs(fwWall)} (peak in flight ${Math.max(...fw.map((r) => r.peak))})`,
        baseline: `bound ${fmtMs(bound)}; raw SDK + p-queue ${fmtMs(rawWall)} = ${fmtX(rawWall / bound)}`,
        ratio,
        target: '< 1.20x',
        pass: ratio < 1.2,
        data: {
          frameworkWallMs: fwWall,
          rawWallMs: rawWall,
          boundMs: bound,
          rawRatio: rawWall / bound,
          frameworkVsRaw: fwWall / rawWall,
          frameworkRuns: fw,
          rawRuns: rw,
        },
      }),
    ];
  } finally {
    await server.close();
  }
}

main(import.meta.url, run, [
  [
    'throughput',
    `${CALLS} concurrent calls, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}: wall vs bound`,
    '< 1.20x',
  ],
]);
