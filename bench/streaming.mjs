// Streaming (slot for the streaming issue): time to first delta and overhead per chunk of
// streamify(Predict) + ChatAdapter streaming versus the raw openai SDK stream of the same request.
// Reports n/a until the adapter streams (ChatAdapter.stream) and core exports streamify.
import { framework } from './lib/fixtures.mjs';
import { dep, NotBuilt } from './lib/load.mjs';
import { main, row } from './lib/report.mjs';
import { LONG_ANSWER, startServerProcess } from './lib/server-process.mjs';
import { fmtMs, fmtUs, median, now } from './lib/stats.mjs';

const CHUNK = 8;
const ROUNDS = 60;

export async function run() {
  const { core, ChatAdapter, QA } = await framework();
  if (typeof core.streamify !== 'function') throw new NotBuilt('streamify from @dspy-ts/core');
  if (typeof ChatAdapter.prototype.stream !== 'function')
    throw new NotBuilt('ChatAdapter streaming (adapter.stream)');
  const { default: OpenAI } = await dep('core', 'openai');
  const server = await startServerProcess({ reply: 'long', chunkSize: CHUNK });
  try {
    const lm = new core.LM('openai/bench-model', { baseURL: server.url, apiKey: 'bench', cache: false });
    core.configure({ lm });
    const predict = new core.Predict(QA);
    const stream = core.streamify(predict);
    await predict.call({ question: 'Tell me a long story.' });
    const body = (await server.requests()).at(-1).body;
    const client = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });

    const fwOnce = async () => {
      const start = now();
      let first;
      let deltas = 0;
      let text = '';
      for await (const event of stream({ question: 'Tell me a long story.' })) {
        if (event.type === 'delta') {
          first ??= now() - start;
          deltas += 1;
          text += event.text;
        }
      }
      if (text.trim() !== LONG_ANSWER) throw new Error('streamed text differs from the answer');
      return { first, total: now() - start, deltas };
    };
    const rawOnce = async () => {
      const start = now();
      let first;
      let chunks = 0;
      const sdkStream = await client.chat.completions.create({ ...body, stream: true });
      for await (const chunk of sdkStream) {
        if (chunk.choices[0]?.delta?.content) {
          first ??= now() - start;
          chunks += 1;
        }
      }
      return { first, total: now() - start, deltas: chunks };
    };
    for (let i = 0; i < 20; i++) {
      await fwOnce();
      await rawOnce();
    }
    const fw = [];
    const raw = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        fw.push(await fwOnce());
        raw.push(await rawOnce());
      } else {
        raw.push(await rawOnce());
        fw.push(await fwOnce());
      }
    }
    const pick = (runs, key) => median(runs.map((r) => r[key]));
    const chunks = raw[0].deltas;
    const perChunkUs = ((pick(fw, 'total') - pick(raw, 'total')) * 1000) / chunks;
    const ttfdRatio = pick(fw, 'first') / pick(raw, 'first');
    return [
      row({
        bench: 'streaming',
        figure: 'time to first delta: streamify(Predict) + ChatAdapter vs raw openai SDK stream',
        value: fmtMs(pick(fw, 'first')),
        baseline: `raw SDK ${fmtMs(pick(raw, 'first'))}`,
        ratio: ttfdRatio,
        target: '',
        pass: null,
        data: {
          firstDeltaMs: pick(fw, 'first'),
          rawFirstDeltaMs: pick(raw, 'first'),
          totalMs: pick(fw, 'total'),
          rawTotalMs: pick(raw, 'total'),
          frameworkDeltas: fw[0].deltas,
          rawChunks: chunks,
          runs: ROUNDS,
        },
      }),
      row({
        bench: 'streaming',
        figure: `overhead per chunk (${chunks} chunks of ${CHUNK} chars)`,
        value: `${fmtUs(perChunkUs)} per chunk (total ${fmtMs(pick(fw, 'total'))})`,
        baseline: `raw SDK total ${fmtMs(pick(raw, 'total'))}`,
        ratio: pick(fw, 'total') / pick(raw, 'total'),
        target: '',
        pass: null,
        data: { perChunkUs },
      }),
    ];
  } finally {
    await server.close();
  }
}

main(import.meta.url, run, [
  ['streaming', 'time to first delta and overhead per chunk vs raw SDK stream', ''],
]);
