import { activeCallId, type Callback, context, DummyLM, Predict, streamify } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { ChatAdapter, JSONAdapter } from '../src/index.js';
import { StubLM } from './helpers/stub-lm.js';

interface Event {
  hook: string;
  callId: string;
  parent?: string | undefined;
  payload?: unknown;
  error?: unknown;
}

/** Records module, LM and adapter hooks with the call id active when each started. */
function recorder(): Callback & { events: Event[] } {
  const events: Event[] = [];
  const start = (hook: string) => (callId: string, _instance: object, payload: unknown) =>
    events.push({ hook, callId, parent: activeCallId(), payload });
  const end = (hook: string) => (callId: string, payload: unknown, error: unknown) =>
    events.push({ hook, callId, payload, error });
  return {
    events,
    onModuleStart: start('moduleStart'),
    onModuleEnd: end('moduleEnd'),
    onLmStart: start('lmStart'),
    onLmEnd: end('lmEnd'),
    onAdapterFormatStart: start('formatStart'),
    onAdapterFormatEnd: end('formatEnd'),
    onAdapterParseStart: start('parseStart'),
    onAdapterParseEnd: end('parseEnd'),
  };
}

// One Predict call, plain or streamed: format and parse inside the module call, around the LM request.
const PREDICT_CALL_HOOKS = [
  'moduleStart',
  'formatStart',
  'formatEnd',
  'lmStart',
  'lmEnd',
  'parseStart',
  'parseEnd',
  'moduleEnd',
];

describe('adapter callbacks', () => {
  it('wrap format and parse inside the predictor call, around the LM request', async () => {
    const cb = recorder();
    const lm = new DummyLM([{ answer: 'Paris' }]);
    await context({ callbacks: [cb], lm, adapter: new ChatAdapter() }, () =>
      new Predict('question -> answer').call({ question: 'Capital of France?' }),
    );
    expect(cb.events.map((e) => e.hook)).toEqual(PREDICT_CALL_HOOKS);
    const predictId = cb.events[0]!.callId;
    const starts = cb.events.filter((e) => e.hook.endsWith('Start') && e.hook !== 'moduleStart');
    expect(starts.map((e) => e.parent)).toEqual([predictId, predictId, predictId]);
    const format = cb.events.find((e) => e.hook === 'formatEnd')!;
    expect((format.payload as { role: string }[]).map((m) => m.role)).toEqual(['system', 'user']);
    const parse = cb.events.find((e) => e.hook === 'parseStart')!;
    expect(parse.payload).toMatchObject({ completion: expect.stringContaining('[[ ## answer ## ]]') });
    expect(cb.events.find((e) => e.hook === 'parseEnd')!.payload).toEqual({ answer: 'Paris' });
  });

  it('report a parse failure to onAdapterParseEnd before the JSON fallback runs', async () => {
    const cb = recorder();
    const lm = new StubLM(['no fields here', '{"answer": "Paris"}']);
    await context({ callbacks: [cb], lm, adapter: new ChatAdapter() }, () =>
      new Predict('question -> answer').call({ question: 'q' }),
    );
    const parses = cb.events.filter((e) => e.hook === 'parseEnd');
    expect(parses).toHaveLength(2);
    expect(parses[0]!.error).toBeInstanceOf(Error);
    expect(parses[1]!.payload).toEqual({ answer: 'Paris' });
  });

  it("run an adapter's own callbacks for that adapter only", async () => {
    const formats: string[] = [];
    const adapter = new JSONAdapter();
    adapter.callbacks = [{ onAdapterFormatStart: (callId) => formats.push(callId) }];
    await context({ lm: new DummyLM([{ answer: 'a' }]), adapter }, () =>
      new Predict('question -> answer').call({ question: 'q' }),
    );
    await context({ lm: new DummyLM([{ answer: 'a' }]), adapter: new JSONAdapter() }, () =>
      new Predict('question -> answer').call({ question: 'q' }),
    );
    expect(formats).toHaveLength(1);
  });

  it('observe a streamed LM call from its first chunk to the final response', async () => {
    const cb = recorder();
    const lm = new DummyLM([{ answer: 'Paris is the capital' }], { chunkSize: 5 });
    const events: string[] = [];
    await context({ callbacks: [cb], lm, adapter: new ChatAdapter() }, async () => {
      for await (const event of streamify(new Predict('question -> answer'))({ question: 'q' })) {
        events.push(event.type);
      }
    });
    expect(events).toContain('delta');
    expect(cb.events.map((e) => e.hook)).toEqual(PREDICT_CALL_HOOKS);
    const [moduleStart, , , lmStart, lmEnd] = cb.events;
    expect(lmStart!.parent).toBe(moduleStart!.callId);
    expect(lmEnd!.callId).toBe(lmStart!.callId);
    expect((lmEnd!.payload as { outputs: string[] }).outputs[0]).toContain('Paris is the capital');
  });
});
