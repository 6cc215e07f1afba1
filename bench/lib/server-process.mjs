// The local OpenAI-compatible server (@dspy-ts/core/testing) in its own process, so its CPU work
// is not serialized on the event loop of the client being measured (a real provider is remote).
// The parent talks to it over IPC: counters, captured request bodies and sizes, reset, close.
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chatCompletion, lastUser } from './fixtures.mjs';
import { pkg } from './load.mjs';

export const LONG_ANSWER = Array.from(
  { length: 16 },
  (_, i) => `Sentence ${i + 1} of a long streamed answer, written a few characters at a time.`,
).join(' ');

/** Named reply functions (functions cannot cross the process boundary). */
const REPLIES = {
  paris: () => chatCompletion('Paris'),
  // Answers `q<N>`-style questions with `a<N>` (what the compile benchmark's metric expects).
  numbered: (body) => chatCompletion(`a${/q(\d+)\b/.exec(lastUser(body))?.[1] ?? 'x'}`),
  // A long answer (streams as many chunks).
  long: () => chatCompletion(LONG_ANSWER),
  // GEPA: `a<N>` for `q<N>`, capitalized once the instructions say UPPERCASE; a reflection prompt
  // gets that instruction back in a ``` block.
  gepa: (body) => {
    const first = body.messages[0]?.content ?? '';
    if (first.startsWith('I provided an assistant')) {
      return '```\nAnswer with the code of the item, written in UPPERCASE.\n```';
    }
    const code = `a${/q(\d+)\b/.exec(lastUser(body))?.[1] ?? 'x'}`;
    return chatCompletion(first.includes('UPPERCASE') ? code.toUpperCase() : code);
  },
  // A reply of roughly a one-line answer's size that depends on the question.
  short: (body) => chatCompletion(`The answer to that is ${lastUser(body).length % 97}.`),
};

/**
 * Starts the server in a child process.
 * @param {{ reply: keyof typeof REPLIES | 'scripted', answers?: string[], latencyMs?: number, chunkSize?: number }} options
 *   `scripted` answers the i-th request with `answers[i]` (in ChatAdapter's format).
 */
export async function startServerProcess(options) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let nextId = 0;
  const pending = new Map();
  child.on('message', (message) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ask = (op, arg) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, arg });
    });
  const { url } = await ask('start', options);
  return {
    url,
    /** { requestCount, peakInFlight, inFlight } */
    stats: () => ask('stats'),
    reset: () => ask('reset'),
    /** Captured requests since the last reset: { bytes (content-length), body } each. */
    requests: () => ask('requests'),
    close: async () => {
      await ask('close').catch(() => undefined);
      child.disconnect();
      await exited;
    },
  };
}

async function serve() {
  const { startOpenAIServer } = await pkg('testing', 'startOpenAIServer');
  let server;
  let captured = [];
  const ops = {
    start: async (options) => {
      server = await startOpenAIServer({
        latencyMs: options.latencyMs ?? 0,
        chunkSize: options.chunkSize,
        chunkDelayMs: options.chunkDelayMs,
        maxCapturedRequests: 1,
        reply:
          options.reply === 'scripted'
            ? () => chatCompletion(options.answers[server.requestCount - 1] ?? 'No more scripted answers.')
            : (body) => REPLIES[options.reply](body),
      });
      return { url: server.url };
    },
    stats: () => {
      // Read the last captured request here, before the server drops it (bound 1).
      return {
        requestCount: server.requestCount,
        peakInFlight: server.peakInFlight,
        inFlight: server.inFlight,
      };
    },
    reset: () => {
      server.reset();
      captured = [];
      return true;
    },
    requests: () => captured,
    close: async () => {
      await server.close();
      return true;
    },
  };
  process.on('message', async ({ id, op, arg }) => {
    try {
      const result = await ops[op](arg);
      if (op === 'start') {
        // Record every request's size as sent (content-length) and body, in arrival order.
        const original = server.requests;
        const push = original.push.bind(original);
        original.push = (...items) => {
          for (const item of items) {
            const length = Number(item.headers['content-length']);
            captured.push({
              bytes: Number.isFinite(length) ? length : Buffer.byteLength(JSON.stringify(item.body)),
              body: item.body,
            });
          }
          return push(...items);
        };
      }
      process.send({ id, result });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
    if (op === 'close') process.disconnect();
  });
}

if (process.argv.includes('--serve') && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve();
}
