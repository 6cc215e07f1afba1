// The same-run baseline of the compile benchmarks: the raw openai SDK replaying the request bodies a
// compile sent, `concurrency` at a time (a flat pool: no optimizer waits between batches).
import { dep } from './load.mjs';
import { now } from './stats.mjs';

/** Returns a function that replays `bodies` against `url` once and resolves to its wall time (ms). */
export async function rawReplay(url, bodies, concurrency) {
  const { default: OpenAI } = await dep('core', 'openai');
  const { default: PQueue } = await dep('core', 'p-queue');
  const client = new OpenAI({ baseURL: url, apiKey: 'bench', maxRetries: 0 });
  return async () => {
    const queue = new PQueue({ concurrency });
    const start = now();
    await Promise.all(bodies.map((body) => queue.add(() => client.chat.completions.create(body))));
    return now() - start;
  };
}
