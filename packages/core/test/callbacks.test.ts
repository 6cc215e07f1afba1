import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { activeCallId, type Callback, context, DummyLM, LM, Predict, Tool, ToolCalls } from '../src/index.js';
import { withCallbacks } from '../src/internal.js';
import { FAKE_KEY, useHarness } from './lm/helpers.js';
import { LineAdapter } from './support/test-adapter.js';
import { TwoSteps } from './support/two-steps.js';

/** One observed hook: which, its call id, the id that was active when it started, and the payload. */
interface Event {
  hook: string;
  callId: string;
  parent?: string | undefined;
  instance?: object;
  payload?: unknown;
  error?: unknown;
}

/** A callback that records every hook it receives. */
function recorder(): Callback & { events: Event[] } {
  const events: Event[] = [];
  const start = (hook: string) => (callId: string, instance: object, payload: unknown) =>
    events.push({ hook, callId, parent: activeCallId(), instance, payload });
  const end = (hook: string) => (callId: string, payload: unknown, error: unknown) =>
    events.push({ hook, callId, payload, error });
  return {
    events,
    onModuleStart: start('moduleStart'),
    onModuleEnd: end('moduleEnd'),
    onLmStart: start('lmStart'),
    onLmEnd: end('lmEnd'),
    onLmRetry: (callId, retry) => events.push({ hook: 'lmRetry', callId, payload: retry }),
    onToolStart: start('toolStart'),
    onToolEnd: end('toolEnd'),
  };
}

const twoStepLm = () => new DummyLM([{ draft: 'rough' }, { answer: 'fine' }]);

describe('callbacks', () => {
  it('gives every call a start and an end with the same id, nested by the real call structure', async () => {
    const cb = recorder();
    await context({ callbacks: [cb], lm: twoStepLm(), adapter: new LineAdapter() }, () =>
      new TwoSteps().call({ question: 'q' }),
    );
    expect(cb.events.map((e) => e.hook)).toEqual([
      'moduleStart',
      'moduleStart',
      'lmStart',
      'lmEnd',
      'moduleEnd',
      'moduleStart',
      'lmStart',
      'lmEnd',
      'moduleEnd',
      'moduleEnd',
    ]);
    const [root, draft, lm] = cb.events;
    expect(root!.parent).toBeUndefined();
    expect(draft!.parent).toBe(root!.callId);
    expect(lm!.parent).toBe(draft!.callId);
    expect(cb.events.at(-1)!.callId).toBe(root!.callId);
    expect(root!.callId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(cb.events.filter((e) => e.hook.endsWith('Start')).map((e) => e.callId)).size).toBe(5);
  });

  it('passes the LM request to onLmStart and the response to onLmEnd', async () => {
    const cb = recorder();
    const lm = new DummyLM([{ answer: 'Paris' }]);
    await context({ callbacks: [cb], lm, adapter: new LineAdapter() }, () =>
      new Predict('question -> answer').call({ question: 'capital?' }),
    );
    const start = cb.events.find((e) => e.hook === 'lmStart')!;
    const end = cb.events.find((e) => e.hook === 'lmEnd')!;
    expect(start.instance).toBe(lm);
    expect((start.payload as { messages: unknown[] }).messages).toHaveLength(2);
    expect((end.payload as { outputs: string[] }).outputs).toEqual(['answer: "Paris"']);
    expect(end.error).toBeUndefined();
  });

  it('reports the error to the end handler and rethrows it', async () => {
    const cb = recorder();
    const lm = new DummyLM([]);
    const call = context({ callbacks: [cb], lm, adapter: new LineAdapter() }, () =>
      new Predict('question -> answer').call({ question: 'q' }),
    );
    await expect(call).rejects.toThrow();
    const ends = cb.events.filter((e) => e.hook.endsWith('End'));
    expect(ends.map((e) => e.hook)).toEqual(['lmEnd', 'moduleEnd']);
    expect(ends.every((e) => e.error instanceof Error && e.payload === undefined)).toBe(true);
  });

  it("runs a module's own callbacks after the global ones, for that module only", async () => {
    const order: string[] = [];
    const global: Callback = {
      onModuleStart: (_id, instance) => order.push(`global ${instance.constructor.name}`),
    };
    const program = new TwoSteps();
    program.callbacks = [
      { onModuleStart: (_id, instance) => order.push(`own ${instance.constructor.name}`) },
    ];
    await context({ callbacks: [global], lm: twoStepLm(), adapter: new LineAdapter() }, () =>
      program.call({ question: 'q' }),
    );
    expect(order).toEqual(['global TwoSteps', 'own TwoSteps', 'global Predict', 'global Predict']);
  });

  it("runs an LM's own callbacks for that LM's requests", async () => {
    const seen: string[] = [];
    const lm = new DummyLM([{ answer: 'x' }]) as DummyLM & { callbacks: Callback[] };
    lm.callbacks = [{ onLmStart: (callId) => seen.push(callId) }];
    await context({ lm, adapter: new LineAdapter() }, () => new Predict('q -> answer').call({ q: 'q' }));
    expect(seen).toHaveLength(1);
  });

  it('keeps context callbacks inside their context', async () => {
    const inside = recorder();
    const lm = new DummyLM([{ answer: 'a' }, { answer: 'b' }]);
    const predict = new Predict('q -> answer');
    await context({ lm, adapter: new LineAdapter() }, async () => {
      await context({ callbacks: [inside] }, () => predict.call({ q: '1' }));
      await predict.call({ q: '2' });
    });
    expect(inside.events.filter((e) => e.hook === 'moduleStart')).toHaveLength(1);
  });

  it('logs a throwing callback and still returns the result', async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => warnings.push(m) };
    const broken: Callback = {
      onModuleStart: () => {
        throw new Error('boom at start');
      },
      onLmEnd: () => {
        throw new Error('boom at end');
      },
    };
    const result = await context(
      { callbacks: [broken], logger, lm: new DummyLM([{ answer: 'ok' }]), adapter: new LineAdapter() },
      () => new Predict('q -> answer').call({ q: 'q' }),
    );
    expect(result.answer).toBe('ok');
    expect(warnings).toEqual(['Error in callback: boom at start', 'Error in callback: boom at end']);
  });

  it('logs a callback whose promise rejects without an unhandled rejection', async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (m: string) => warnings.push(m) };
    let rejected!: Promise<void>;
    const asyncBroken = {
      onModuleEnd: () => {
        rejected = Promise.reject(new Error('async boom'));
        return rejected;
      },
    } as Callback;
    await context(
      { callbacks: [asyncBroken], logger, lm: new DummyLM([{ a: 1 }]), adapter: new LineAdapter() },
      () => new Predict('q -> a').call({ q: 'q' }),
    );
    await rejected.catch(() => undefined);
    await Promise.resolve();
    expect(warnings).toEqual(['Error in callback: async boom']);
  });

  it('runs the call directly, with no call id, when no callback is registered', async () => {
    let during: string | undefined = 'unset';
    const result = withCallbacks('Tool', {}, {}, () => {
      during = activeCallId();
      return 42;
    });
    expect(result).toBe(42);
    expect(during).toBeUndefined();
  });

  it('observes synchronous calls', () => {
    const cb = recorder();
    const sum = context({ callbacks: [cb] }, () =>
      withCallbacks('Tool', { name: 'add' }, { args: { a: 1, b: 2 } }, () => 3),
    );
    expect(sum).toBe(3);
    expect(cb.events.map((e) => [e.hook, e.payload])).toEqual([
      ['toolStart', { args: { a: 1, b: 2 } }],
      ['toolEnd', 3],
    ]);
  });

  it('gives each tool call its arguments, the provider call id and the result or error', async () => {
    const cb = recorder();
    const add = new Tool(({ a, b }: { a: number; b: number }) => a + b, {
      name: 'add',
      args: z.object({ a: z.number(), b: z.number() }),
    });
    await context({ callbacks: [cb] }, () =>
      ToolCalls.from([
        { id: 'call_1', name: 'add', args: { a: 1, b: 2 } },
        { id: 'call_2', name: 'add', args: { a: 'x', b: 2 } },
      ]).run([add]),
    );
    expect(cb.events.map((e) => [e.hook, e.instance, e.payload])).toEqual([
      ['toolStart', add, { args: { a: 1, b: 2 }, callId: 'call_1' }],
      ['toolEnd', undefined, 3],
      ['toolStart', add, { args: { a: 'x', b: 2 }, callId: 'call_2' }],
      ['toolEnd', undefined, undefined],
    ]);
    expect(cb.events[3]!.error).toBeInstanceOf(Error);
  });

  it("runs a tool's own callbacks for that tool only", async () => {
    const seen: unknown[] = [];
    const echo = new Tool(({ text }: { text: string }) => text, {
      name: 'echo',
      args: z.object({ text: z.string() }),
      callbacks: [{ onToolEnd: (_id, outputs) => seen.push(outputs) }],
    });
    const quiet = new Tool(({ text }: { text: string }) => text, {
      name: 'quiet',
      args: z.object({ text: z.string() }),
    });
    await echo.call({ text: 'hi' });
    await quiet.call({ text: 'ho' });
    expect(seen).toEqual(['hi']);
  });

  describe('over the real LM client', () => {
    const harness = useHarness({ reply: 'answer: "ok"' });

    it('reports each retried attempt to onLmRetry with the LM call id', async () => {
      const cb = recorder();
      harness.server.fail({ status: 503 }, { status: 429, retryAfterMs: 5 });
      const lm = harness.lm({ cache: false });
      await context({ callbacks: [cb], lm, adapter: new LineAdapter() }, () =>
        new Predict('q -> answer').call({ q: 'q' }),
      );
      const lmStart = cb.events.find((e) => e.hook === 'lmStart')!;
      const retries = cb.events.filter((e) => e.hook === 'lmRetry');
      expect(retries.map((e) => e.callId)).toEqual([lmStart.callId, lmStart.callId]);
      expect(retries.map((e) => (e.payload as { attempt: number }).attempt)).toEqual([1, 2]);
      expect((retries[1]!.payload as { delayMs: number }).delayMs).toBe(5);
    });

    it('marks cache hits and finish reasons in the response given to onLmEnd', async () => {
      const cb = recorder();
      const lm = harness.lm();
      const predict = new Predict('q -> answer');
      await context({ callbacks: [cb], lm, adapter: new LineAdapter() }, async () => {
        await predict.call({ q: 'same' });
        await predict.call({ q: 'same' });
      });
      const responses = cb.events
        .filter((e) => e.hook === 'lmEnd')
        .map((e) => e.payload as { cacheHit: boolean; finishReasons?: unknown });
      expect(responses.map((r) => r.cacheHit)).toEqual([false, true]);
      expect(responses[0]!.finishReasons).toEqual(['stop']);
    });

    it('keeps the LM callbacks of a copy separate from the original', () => {
      const own: Callback = { onLmStart: () => undefined };
      const lm = new LM('openai/x', { apiKey: FAKE_KEY, callbacks: [own] });
      const copy = lm.copy({ temperature: 0.5 });
      copy.callbacks.push({});
      expect(lm.callbacks).toEqual([own]);
      expect(copy.callbacks).toHaveLength(2);
    });
  });
});
