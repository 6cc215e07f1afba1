import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdapterStreamEvent,
  context,
  DummyLM,
  type LanguageModel,
  LM,
  LMAbortError,
  LMError,
  type LMRequest,
  type LMResponse,
  type LMStreamChunk,
  Predict,
  type Prediction,
  type Signature,
  type StreamEvent,
  signature,
  streamify,
} from '@dspy-ts/core';
import { type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Adapter, ChatAdapter, JSONAdapter, TemplateAdapter, XMLAdapter } from '../src/index.js';

const SIG = 'question -> answer, notes, score: int, tags: list[str]';
const sig = signature(SIG) as Signature;
const silent = { info() {}, warn() {} };
const adapters: [string, () => Adapter][] = [
  ['ChatAdapter', () => new ChatAdapter()],
  ['JSONAdapter', () => new JSONAdapter()],
  ['XMLAdapter', () => new XMLAdapter()],
];
const STRING_FIELDS = ['answer', 'notes'] as const;

async function collect(events: AsyncIterable<StreamEvent>) {
  const deltas: Extract<StreamEvent, { type: 'delta' }>[] = [];
  let prediction: Prediction | undefined;
  for await (const event of events) {
    if (event.type === 'delta') deltas.push(event);
    else prediction = event.prediction;
  }
  const joined: Record<string, string> = {};
  for (const delta of deltas) joined[delta.field] = (joined[delta.field] ?? '') + delta.text;
  return { deltas, joined, prediction: prediction! };
}

/** A LanguageModel that streams a fixed completion cut at the given positions. */
class SplitLM implements LanguageModel {
  readonly model = 'split';
  constructor(
    readonly completion: string,
    readonly cuts: readonly number[],
  ) {}
  async request(_req: LMRequest): Promise<LMResponse> {
    return { outputs: [this.completion] };
  }
  async *stream(_req: LMRequest): AsyncIterable<LMStreamChunk> {
    const points = [...new Set(this.cuts.map((c) => c % (this.completion.length + 1)))].sort((a, b) => a - b);
    let last = 0;
    for (const point of [...points, this.completion.length]) {
      yield { text: this.completion.slice(last, point) };
      last = point;
    }
  }
}

// XML and the Chat format need no control characters; JSON escapes them.
const text = fc
  .string({ unit: 'binary', maxLength: 40 })
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters.
  .filter((s) => !/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(s));
const values = fc.record({
  answer: text,
  notes: text,
  score: fc.integer({ min: -1000, max: 1000 }),
  tags: fc.array(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), { maxLength: 3 }),
});
/** A completion in the adapter's own answer format, sometimes wrapped in prose. */
const completionFor = (adapter: Adapter, value: Record<string, unknown>, prose: boolean) => {
  const body = adapter.formatCompletion(value, sig);
  return prose
    ? `Let me answer.\n\n${body}\n\n${adapter.name === 'ChatAdapter' ? '[[ ## completed ## ]]' : ''}`
    : body;
};

describe.each(adapters)('%s.stream', (_name, makeAdapter) => {
  it('gives, for every split of a completion, joined deltas equal to the final string values and the Prediction of call()', async () => {
    const adapter = makeAdapter();
    await fc.assert(
      fc.asyncProperty(
        values,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (value, prose, cuts) => {
          const lm = new SplitLM(completionFor(adapter, value, prose), cuts);
          const predict = new Predict(SIG);
          let expected: Prediction | undefined;
          let expectedError: unknown;
          try {
            expected = await context({ lm, adapter, logger: silent }, () => predict.call({ question: 'q' }));
          } catch (error) {
            expectedError = error;
          }
          const streamed = context({ lm, adapter, logger: silent }, () =>
            collect(streamify(predict)({ question: 'q' })),
          );
          if (expectedError) {
            await expect(streamed).rejects.toThrow((expectedError as Error).message);
            return;
          }
          const { joined, prediction } = await streamed;
          expect(prediction.toDict()).toEqual(expected!.toDict());
          for (const field of STRING_FIELDS) expect(joined[field] ?? '').toBe(prediction[field]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('renders DummyLM answers in its own format while the stream is read lazily', async () => {
    const adapter = makeAdapter();
    const lm = new DummyLM([{ answer: 'Paris', notes: 'n', score: 3, tags: ['a'] }], { chunkSize: 2 });
    const events: AdapterStreamEvent[] = [];
    for await (const event of adapter.stream!({
      lm,
      config: {},
      signature: sig,
      demos: [],
      inputs: { question: 'q' },
    }))
      events.push(event);
    expect(lm.requests).toHaveLength(1);
    expect(events.at(-1)).toEqual({
      type: 'done',
      outputs: { answer: 'Paris', notes: 'n', score: 3, tags: ['a'] },
    });
    expect(events.filter((e) => e.type === 'delta' && e.field === 'answer').length).toBeGreaterThan(1);
  });
});

describe('streaming through the local OpenAI-compatible server', () => {
  const sizes = [1, 2, 3, 5, 8, 13, 64];
  const servers = new Map<number, OpenAIServer>();
  let slow: OpenAIServer;
  let cacheDir: string;
  beforeAll(async () => {
    for (const size of sizes) servers.set(size, await startOpenAIServer({ chunkSize: size }));
    slow = await startOpenAIServer({ chunkSize: 4, chunkDelayMs: 15 });
    cacheDir = await mkdtemp(join(tmpdir(), 'dspy-ts-stream-'));
  });
  afterAll(async () => {
    await Promise.all([...servers.values(), slow].map((server) => server.close()));
    await rm(cacheDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const server of [...servers.values(), slow]) server.reset();
  });

  const lmFor = (server: OpenAIServer, options: { cache?: boolean; numRetries?: number } = {}) =>
    new LM('openai/test-model', {
      baseURL: server.url,
      apiKey: 'test-key',
      cache: options.cache ? { dir: cacheDir } : false,
      numRetries: options.numRetries ?? 0,
      retryBaseMs: 1,
    });

  it.each(adapters)(
    '%s: every chunk size gives the deltas and the Prediction of the non-streaming call',
    async (_name, makeAdapter) => {
      const adapter = makeAdapter();
      await fc.assert(
        fc.asyncProperty(values, fc.constantFrom(...sizes), async (value, size) => {
          const server = servers.get(size)!;
          const completion = completionFor(adapter, value, false);
          server.script(completion, completion);
          const lm = lmFor(server);
          const predict = new Predict(SIG);
          const expected = await context({ lm, adapter, logger: silent }, () =>
            predict.call({ question: 'q' }),
          );
          const { joined, prediction, deltas } = await context({ lm, adapter, logger: silent }, () =>
            collect(streamify(predict)({ question: 'q' })),
          );
          expect(prediction.toDict()).toEqual(expected.toDict());
          for (const field of STRING_FIELDS) expect(joined[field] ?? '').toBe(prediction[field]);
          expect(deltas.every((d) => d.predictor === 'self' && d.text !== '')).toBe(true);
          expect(server.requests.at(-1)!.body).toMatchObject({ stream: true });
        }),
        { numRuns: 40 },
      );
    },
  );

  it('hands out deltas while the server is still writing', async () => {
    slow.script(
      `[[ ## answer ## ]]\n${'word '.repeat(10)}\n\n[[ ## notes ## ]]\nn\n\n[[ ## score ## ]]\n1\n\n[[ ## tags ## ]]\n[]`,
    );
    const lm = lmFor(slow);
    let inFlightAtFirstDelta: number | undefined;
    await context({ lm, adapter: new ChatAdapter() }, async () => {
      for await (const event of streamify(new Predict(SIG))({ question: 'q' })) {
        if (event.type === 'delta') inFlightAtFirstDelta ??= slow.inFlight;
      }
    });
    expect(inFlightAtFirstDelta).toBe(1);
  });

  it('stops with LMAbortError when the signal aborts mid-stream, and cancels the request', async () => {
    slow.script(`[[ ## answer ## ]]\n${'word '.repeat(200)}`);
    const lm = lmFor(slow);
    const controller = new AbortController();
    const seen: string[] = [];
    const run = context({ lm, adapter: new ChatAdapter() }, async () => {
      for await (const event of streamify(new Predict(SIG))(
        { question: 'q' },
        { signal: controller.signal },
      )) {
        if (event.type === 'delta') {
          seen.push(event.text);
          controller.abort();
        }
      }
    });
    await expect(run).rejects.toBeInstanceOf(LMAbortError);
    expect(seen.length).toBeGreaterThan(0);
    await expect.poll(() => slow.inFlight).toBe(0);
    expect(slow.requestCount).toBe(1);
  });

  it('cancels the request when the consumer breaks out of the loop', async () => {
    slow.script(`[[ ## answer ## ]]\n${'word '.repeat(200)}`);
    const lm = lmFor(slow);
    await context({ lm, adapter: new ChatAdapter() }, async () => {
      for await (const event of streamify(new Predict(SIG))({ question: 'q' }))
        if (event.type === 'delta') break;
    });
    await expect.poll(() => slow.inFlight).toBe(0);
    expect(slow.requestCount).toBe(1);
    expect(lm.history).toEqual([]);
  });

  it.each(adapters)(
    '%s: a server error after the first chunk surfaces as an LMError, without a retry or fallback',
    async (_name, makeAdapter) => {
      const server = servers.get(3)!;
      const adapter = makeAdapter();
      server.script(
        adapter.formatCompletion({ answer: 'Paris is the capital', notes: 'n', score: 1, tags: [] }, sig),
      );
      server.fail({ midStreamError: true, afterChunks: 12 });
      const lm = lmFor(server, { numRetries: 3 });
      const deltas: string[] = [];
      const run = context({ lm, adapter, logger: silent }, async () => {
        for await (const event of streamify(new Predict(SIG))({ question: 'q' }))
          if (event.type === 'delta') deltas.push(event.text);
      });
      await expect(run).rejects.toBeInstanceOf(LMError);
      expect(server.requestCount).toBe(1);
      expect(deltas.join('').length).toBeGreaterThan(0);
    },
  );

  it.each(adapters)(
    '%s: a cache hit streams the cached completion as one delta per field',
    async (name, makeAdapter) => {
      const server = servers.get(2)!;
      const adapter = makeAdapter();
      const value = { answer: 'Paris, France', notes: 'cached', score: 7, tags: ['x', 'y'] };
      server.script(adapter.formatCompletion(value, sig));
      const lm = lmFor(server, { cache: true });
      const question = `cache ${name} ${Date.now()}`;
      const first = await context({ lm, adapter }, () => collect(streamify(new Predict(SIG))({ question })));
      const again = await context({ lm, adapter }, () => collect(streamify(new Predict(SIG))({ question })));
      expect(server.requestCount).toBe(1);
      expect(first.deltas.length).toBeGreaterThan(4);
      expect(again.deltas.map((d) => d.field)).toEqual(['answer', 'notes', 'score', 'tags']);
      expect(again.joined).toEqual(first.joined);
      expect(again.prediction.toDict()).toEqual(value);
      // The non-streaming call shares the cache entry.
      const called = await context({ lm, adapter }, () => new Predict(SIG).call({ question }));
      expect(called.toDict()).toEqual(value);
      expect(server.requestCount).toBe(1);
    },
  );

  it('ChatAdapter falls back to a streamed JSONAdapter call when the chat format does not parse', async () => {
    const server = servers.get(5)!;
    server.script(
      'I think the answer is Paris.',
      '{"answer": "Paris", "notes": "n", "score": 1, "tags": []}',
    );
    const lm = lmFor(server);
    const { joined, prediction } = await context({ lm, adapter: new ChatAdapter() }, () =>
      collect(streamify(new Predict(SIG))({ question: 'q' })),
    );
    expect(server.requestCount).toBe(2);
    expect(server.requests[1]!.body!.response_format).toBeDefined();
    expect(prediction.toDict()).toEqual({ answer: 'Paris', notes: 'n', score: 1, tags: [] });
    expect(joined).toEqual({ answer: 'Paris', notes: 'n', score: '1', tags: '[]' });
  });

  it('a fallback does not repeat fields the failed attempt already streamed', async () => {
    const server = servers.get(64)!;
    server.script(
      '[[ ## answer ## ]]\nParis\n\n[[ ## score ## ]]\nseven',
      '{"answer": "Paris!", "notes": "n", "score": 7, "tags": []}',
    );
    const lm = lmFor(server);
    const { deltas, prediction } = await context({ lm, adapter: new ChatAdapter() }, () =>
      collect(streamify(new Predict(SIG))({ question: 'q' })),
    );
    expect(deltas.filter((d) => d.field === 'answer').map((d) => d.text)).toEqual(['Paris']);
    expect(prediction.answer).toBe('Paris!');
    expect(deltas.filter((d) => d.field === 'notes').map((d) => d.text)).toEqual(['n']);
  });

  it('JSONAdapter retries in json_object mode after a structured answer that does not parse', async () => {
    const server = servers.get(8)!;
    server.script('not json at all', '{"answer": "ok", "notes": "n", "score": 2, "tags": ["t"]}');
    const lm = lmFor(server);
    const { prediction } = await context({ lm, adapter: new JSONAdapter(), logger: silent }, () =>
      collect(streamify(new Predict(SIG))({ question: 'q' })),
    );
    expect(server.requests.map((r) => (r.body!.response_format as { type: string }).type)).toEqual([
      'json_schema',
      'json_object',
    ]);
    expect(prediction.toDict()).toEqual({ answer: 'ok', notes: 'n', score: 2, tags: ['t'] });
  });

  it('TemplateAdapter does not stream: streamify runs its call and yields only the prediction', async () => {
    const server = servers.get(3)!;
    server.script('{"answer": "Paris"}');
    const adapter = new TemplateAdapter({ messages: [{ role: 'user', content: 'Question: {question}' }] });
    expect('stream' in adapter).toBe(false);
    const { deltas, prediction } = await context({ lm: lmFor(server), adapter }, () =>
      collect(streamify(new Predict('question -> answer'))({ question: 'q' })),
    );
    expect(deltas).toEqual([]);
    expect(prediction.answer).toBe('Paris');
    expect(server.requests[0]!.body!.stream).toBeUndefined();
  });
});
