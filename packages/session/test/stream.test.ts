import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatAdapter } from '@dspy-ts/adapters';
import {
  context,
  LM,
  LMAbortError,
  LMError,
  Module,
  Predict,
  type Prediction,
  Prediction as PredictionClass,
  type StreamEvent,
} from '@dspy-ts/core';
import { type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import { type Session, sessionify } from '@dspy-ts/session';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deferred, setForward } from './support.js';

const adapter = new ChatAdapter();
const chat = (answer: string) => `[[ ## answer ## ]]\n${answer}\n\n[[ ## completed ## ]]`;

let server: OpenAIServer;
let slow: OpenAIServer;
let cacheDir: string;
beforeAll(async () => {
  server = await startOpenAIServer({ chunkSize: 3 });
  slow = await startOpenAIServer({ chunkSize: 4, chunkDelayMs: 10 });
  cacheDir = await mkdtemp(join(tmpdir(), 'dspy-ts-session-stream-'));
});
afterAll(async () => {
  await Promise.all([server.close(), slow.close()]);
  await rm(cacheDir, { recursive: true, force: true });
});
beforeEach(() => {
  server.reset();
  slow.reset();
});

const lmFor = (target: OpenAIServer, cache = false) =>
  new LM('openai/test-model', {
    baseURL: target.url,
    apiKey: 'test-key',
    cache: cache ? { dir: cacheDir } : false,
    numRetries: 0,
  });

/** Runs `fn` with a streaming LM against `target` and the ChatAdapter. */
const withLm = <T>(target: OpenAIServer, fn: () => T, cache = false) =>
  context({ lm: lmFor(target, cache), adapter }, fn);

const lastUserMessage = (index: number, target = server) => {
  const messages = target.requests[index]!.body!.messages as { role: string; content: string }[];
  return messages.map((m) => m.content).join('\n');
};

async function collect(events: AsyncIterable<StreamEvent>) {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const deltaText = (events: StreamEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('');

class Agent extends Module {
  gen = new Predict('question -> answer');
  async forward(inputs: { question: string }) {
    return this.gen.call(inputs);
  }
}

describe('session.stream', () => {
  it('streams deltas named by the session paths, then the prediction, and records the turn', async () => {
    server.script(chat('Paris is the capital of France.'));
    const session = sessionify(new Predict('question -> answer'));
    const events = await withLm(server, () => collect(session.stream({ question: 'Capital of France?' })));
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(new Set(deltas.map((e) => e.type === 'delta' && `${e.predictor}/${e.field}`))).toEqual(
      new Set(['module/answer']),
    );
    expect(deltaText(events)).toBe('Paris is the capital of France.');
    const last = events.at(-1)!;
    expect(last.type === 'prediction' && last.prediction.answer).toBe('Paris is the capital of France.');
    expect(session.turns.map((t) => [t.inputs, t.outputs])).toEqual([
      [{ question: 'Capital of France?' }, { answer: 'Paris is the capital of France.' }],
    ]);
  });

  it('names nested predictors module.<path>, and the next call sees the streamed turn', async () => {
    server.script(chat('Paris'), chat('About 2 million'));
    const session = sessionify(new Agent());
    const events = await withLm(server, () => collect(session.stream({ question: 'Capital of France?' })));
    expect(events.find((e) => e.type === 'delta')).toMatchObject({
      predictor: 'module.gen',
      field: 'answer',
    });
    await withLm(server, () => session.call({ question: 'Population?' }));
    expect(lastUserMessage(1)).toContain('Capital of France?');
    expect(lastUserMessage(1)).toContain('Paris');
    expect(session.length).toBe(2);
  });

  it('records the turn when the prediction event is handed out, even if the consumer stops there', async () => {
    server.script(chat('Paris'));
    const session = sessionify(new Predict('question -> answer'));
    await withLm(server, async () => {
      for await (const event of session.stream({ question: 'Q' })) {
        if (event.type === 'prediction') {
          expect(session.length).toBe(1);
          break;
        }
      }
    });
    expect(session.turns.map((t) => t.outputs)).toEqual([{ answer: 'Paris' }]);
  });

  it('records nothing when the consumer breaks before the prediction, and releases the lock', async () => {
    server.script(chat('Paris'), chat('Rome'));
    const session = sessionify(new Predict('question -> answer'), { lock: 'async' });
    await withLm(server, async () => {
      let text = '';
      for await (const event of session.stream({ question: 'France?' })) {
        if (event.type === 'delta') text += event.text;
        // All of the answer is out; leave before taking the prediction.
        if (text === 'Paris') break;
      }
      await session.call({ question: 'Italy?' });
    });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Italy?']);
  });

  it('records nothing when the signal aborts mid-stream, surfaces LMAbortError, and releases the lock', async () => {
    slow.script(chat('word '.repeat(100)), chat('Rome'));
    const session = sessionify(new Predict('question -> answer'), { lock: 'async' });
    const controller = new AbortController();
    await withLm(slow, async () => {
      const run = (async () => {
        for await (const event of session.stream({ question: 'France?' }, { signal: controller.signal }))
          if (event.type === 'delta') controller.abort();
      })();
      await expect(run).rejects.toBeInstanceOf(LMAbortError);
      await session.call({ question: 'Italy?' });
    });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Italy?']);
    await expect.poll(() => slow.inFlight).toBe(0);
  });

  it('records nothing when the signal aborts after the last delta but before the prediction is taken', async () => {
    server.script(chat('Paris'));
    const session = sessionify(new Predict('question -> answer'));
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    const run = withLm(server, async () => {
      for await (const event of session.stream({ question: 'Q' }, { signal: controller.signal })) {
        events.push(event);
        if (deltaText(events) === 'Paris') controller.abort();
      }
    });
    await expect(run).rejects.toBeInstanceOf(LMAbortError);
    expect(events.every((e) => e.type === 'delta')).toBe(true);
    expect(session.length).toBe(0);
  });

  it('records nothing when the stream fails after the first chunk (an LMError), and releases the lock', async () => {
    server.script(chat('Paris is a lovely city on the Seine'), chat('Rome'));
    server.fail({ midStreamError: true, afterChunks: 10 });
    const session = sessionify(new Predict('question -> answer'), { lock: 'async' });
    await withLm(server, async () => {
      await expect(collect(session.stream({ question: 'France?' }))).rejects.toBeInstanceOf(LMError);
      await session.call({ question: 'Italy?' });
    });
    expect(server.requestCount).toBe(2);
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Italy?']);
  });

  it('holds the lock for the whole stream: a queued call runs after the streamed turn and sees it', async () => {
    slow.script(chat('Paris'), chat('Rome'));
    const session = sessionify(new Predict('question -> answer'), { lock: 'async' });
    await withLm(slow, async () => {
      const stream = collect(session.stream({ question: 'France?' }));
      const call = session.call({ question: 'Italy?' });
      await Promise.all([stream, call]);
    });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['France?', 'Italy?']);
    expect(lastUserMessage(1, slow)).toContain('France?');
  });

  it('calls onTurn once for a streamed turn, and never for an aborted one', async () => {
    server.script(chat('Paris'), chat('Rome'));
    const seen: string[] = [];
    const session = sessionify(new Predict('question -> answer'), {
      onTurn: (turn) => {
        seen.push(String(turn.inputs.question));
      },
    });
    await withLm(server, async () => {
      await collect(session.stream({ question: 'France?' }));
      for await (const _event of session.stream({ question: 'Italy?' })) break;
    });
    expect(seen).toEqual(['France?']);
  });

  it('streams a cached completion as one delta per field', async () => {
    server.script(chat('Paris'));
    const question = `cached ${Date.now()}`;
    const first = sessionify(new Predict('question -> answer'));
    const second = sessionify(new Predict('question -> answer'));
    await withLm(server, () => collect(first.stream({ question })), true);
    const events = await withLm(server, () => collect(second.stream({ question })), true);
    expect(server.requestCount).toBe(1);
    expect(events.filter((e) => e.type === 'delta')).toEqual([
      { type: 'delta', predictor: 'module', field: 'answer', text: 'Paris' },
    ]);
    expect(second.length).toBe(1);
  });

  it('records nothing when the module fails, and releases the lock', async () => {
    const predict = new Predict('question -> answer');
    const gate = deferred();
    let calls = 0;
    setForward(predict, async () => {
      calls += 1;
      if (calls === 1) {
        await gate.promise;
        throw new Error('module failed');
      }
      return new PredictionClass({ answer: 'ok' }) as Prediction;
    });
    const session: Session = sessionify(predict, { lock: 'async' });
    const failing = collect(session.stream({ question: 'a' }));
    gate.resolve();
    await expect(failing).rejects.toThrow('module failed');
    await session.call({ question: 'b' });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['b']);
  });
});
