import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Callback, context, type History, LM, Module, Predict } from '@dspy-ts/core';
import { formatSpanTree, openTelemetry } from '@dspy-ts/core/otel';
import { type ChatRequestBody, type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import { MemoryStore, Session, SessionManager } from '@dspy-ts/session';
import { context as otelContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** Two predictors: the first classifies the question, the second answers it for that topic. */
class Support extends Module<{ question: string; history: History }> {
  classify = new Predict('question, history: dspy.History -> topic');
  answer = new Predict('question, topic -> answer');

  async forward({ question, history }: { question: string; history: History }) {
    const { topic } = await this.classify.call({ question, history });
    return this.answer.call({ question, topic });
  }
}

/** Answers in ChatAdapter's format for whichever output field the request asks for. */
const reply = (body: ChatRequestBody) => {
  const system = String((body.messages as { content: string }[])[0]?.content ?? '');
  const field = /Your output fields are:\n1\. `(\w+)`/.exec(system)?.[1] ?? 'answer';
  return {
    content: `[[ ## ${field} ## ]]\n${field === 'topic' ? 'billing' : 'Refunds take 5 days.'}\n\n[[ ## completed ## ]]`,
    usage: { prompt_tokens: 40, completion_tokens: 9 },
  };
};

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let server: OpenAIServer;
let cacheDir: string;
let lm: LM;

beforeAll(async () => {
  otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  server = await startOpenAIServer({ reply });
  cacheDir = await mkdtemp(join(tmpdir(), 'dspy-ts-tracing-'));
  lm = new LM('openai/test-model', { apiKey: 'test-key', baseURL: server.url, cache: false, temperature: 0 });
});
afterEach(() => exporter.reset());
afterAll(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
  await provider.shutdown();
  trace.disable();
  otelContext.disable();
});

const traced = <T>(fn: () => Promise<T>, callbacks: Callback[] = [openTelemetry()]) =>
  context({ lm, callbacks }, fn);

const TURN_TREE = [
  'dspy.session.turn',
  '  dspy.Support',
  '    dspy.Predict  (classify)',
  '      chat test-model  (tokens 40 in / 9 out)',
  '    dspy.Predict  (answer)',
  '      chat test-model  (tokens 40 in / 9 out)',
].join('\n');

const spansOfTrace = (spans: ReadableSpan[], traceId: string) =>
  spans.filter((span) => span.spanContext().traceId === traceId);

describe('tracing a SessionManager turn with the real SDK', () => {
  it('records one trace per turn: turn > module > predictors > chat', async () => {
    const manager = new SessionManager(new Support(), { store: new MemoryStore() });
    await traced(() => manager.call('user-1', { question: 'Where is my refund?' }));
    expect(formatSpanTree(exporter.getFinishedSpans(), { durations: false })).toBe(TURN_TREE);
    expect(new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId)).size).toBe(1);
  });

  it("tags the turn with the user's id as the conversation and the turn's index", async () => {
    const manager = new SessionManager(new Support(), { store: new MemoryStore() });
    await traced(async () => {
      await manager.call('user-7', { question: 'first' });
      await manager.call('user-7', { question: 'second' });
    });
    const turns = exporter.getFinishedSpans().filter((span) => span.name === 'dspy.session.turn');
    expect(turns.map((span) => span.attributes)).toEqual([
      { 'gen_ai.conversation.id': 'user-7', 'dspy.session.turn_index': 0 },
      { 'gen_ai.conversation.id': 'user-7', 'dspy.session.turn_index': 1 },
    ]);
  });

  it('records GenAI attributes on every chat span of the turn', async () => {
    const manager = new SessionManager(new Support(), { store: new MemoryStore() });
    await traced(() => manager.call('user-1', { question: 'q' }));
    const chats = exporter.getFinishedSpans().filter((span) => span.name === 'chat test-model');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'test-model',
        'gen_ai.request.temperature': 0,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 40,
        'gen_ai.usage.output_tokens': 9,
      });
    }
  });

  it('gives 200 concurrent session calls 200 separate, well-formed traces', async () => {
    const manager = new SessionManager(new Support(), { store: new MemoryStore() });
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    await traced(() => Promise.all(users.map((user) => manager.call(user, { question: `q from ${user}` }))));
    const spans = exporter.getFinishedSpans();
    const turns = spans.filter((span) => span.name === 'dspy.session.turn');
    expect(turns).toHaveLength(200);
    expect(new Set(turns.map((span) => span.spanContext().traceId)).size).toBe(200);
    expect(new Set(turns.map((span) => span.attributes['gen_ai.conversation.id']))).toEqual(new Set(users));
    for (const turn of turns) {
      const own = spansOfTrace(spans, turn.spanContext().traceId);
      expect(formatSpanTree(own, { durations: false })).toBe(TURN_TREE);
    }
  });

  it("names a plain session's conversation by its state", async () => {
    const session = new Session(new Support());
    await traced(async () => {
      await session.call({ question: 'a' });
      await session.call({ question: 'b' });
    });
    const ids = exporter
      .getFinishedSpans()
      .filter((span) => span.name === 'dspy.session.turn')
      .map((span) => span.attributes['gen_ai.conversation.id']);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('keeps a pass-through call (explicit history) a plain session span without a turn', async () => {
    const session = new Session(new Support());
    const { History } = await import('@dspy-ts/core');
    await traced(() => session.call({ question: 'a', history: new History([]) }));
    const names = exporter.getFinishedSpans().map((span) => span.name);
    expect(names).toContain('dspy.Session');
    expect(names).not.toContain('dspy.session.turn');
  });
});

describe('turn callbacks', () => {
  it('see each recorded turn as one unit around its module call, with the session and the turn', async () => {
    const events: unknown[][] = [];
    const session = new Session(new Support());
    const callback: Callback = {
      onTurnStart: (callId, instance, inputs) => events.push(['turnStart', callId, instance, inputs]),
      onTurnEnd: (callId, turn, error) => events.push(['turnEnd', callId, turn, error]),
      onModuleStart: (_id, instance) => events.push(['moduleStart', instance.constructor.name]),
    };
    await traced(() => session.call({ question: 'Where is my refund?' }), [callback]);
    expect(events.map((event) => (event[0] === 'moduleStart' ? event[1] : event[0]))).toEqual([
      'Session',
      'turnStart',
      'Support',
      'Predict',
      'Predict',
      'turnEnd',
    ]);
    const [, startId, instance, inputs] = events[1]!;
    const [, endId, turn, error] = events.at(-1)!;
    expect(instance).toBe(session);
    expect(inputs).toMatchObject({ inputs: { question: 'Where is my refund?' }, turnIndex: 0 });
    expect(endId).toBe(startId);
    expect(turn).toBe(session.turns[0]);
    expect(error).toBeUndefined();
  });

  it('reports a failed turn to onTurnEnd and records nothing', async () => {
    const ends: unknown[] = [];
    const session = new Session(new Support());
    const failing = new LM('openai/test-model', {
      apiKey: 'k',
      baseURL: server.url,
      cache: false,
      numRetries: 0,
    });
    server.fail({ status: 400 });
    await expect(
      context({ lm: failing, callbacks: [{ onTurnEnd: (_id, _turn, error) => ends.push(error) }] }, () =>
        session.call({ question: 'q' }),
      ),
    ).rejects.toThrow();
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeInstanceOf(Error);
    expect(session.turns).toHaveLength(0);
  });
});
