// The compile benchmarks' shared steps: cold runs with fresh caches, and the same-run baseline: the raw openai SDK replaying the request bodies a
// compile sent, `concurrency` at a time (a flat pool: no optimizer waits between batches).
import { tempDir } from './fixtures.mjs';
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

/**
 * One untimed compile (it warms the JIT and the keep-alive sockets), then `repeats` cold ones, each
 * with a fresh cache directory named after `name`. Every directory is pushed onto `dirs` for cleanup.
 * Resolves to the cold runs' results, in order.
 */
export async function coldCompiles(compileOnce, { name, repeats, dirs }) {
  const warmupDir = tempDir(`${name}-warmup`);
  dirs.push(warmupDir);
  await compileOnce(warmupDir);
  const cold = [];
  for (let i = 0; i < repeats; i++) {
    const dir = tempDir(`${name}-cache`);
    dirs.push(dir);
    cold.push(await compileOnce(dir));
  }
  return cold;
}
