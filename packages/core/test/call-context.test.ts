import { describe, expect, it } from 'vitest';
import { context, DummyLM, type Logger, Predict, SignatureError, settings } from '../src/index.js';
import { currentFrame, FrameSlot, withFrame } from '../src/internal.js';
import { LineAdapter } from './support/test-adapter.js';

const silent: Logger = { info: () => {}, warn: () => {} };

describe('the call context', () => {
  it('is empty outside any call', () => {
    expect(currentFrame().overrides).toBeUndefined();
    expect(currentFrame().supplyInputs).toBeUndefined();
  });

  it('scopes a patch to its callback and keeps the enclosing values', async () => {
    const slot = new FrameSlot<string>('test.slot');
    await context({ maxErrors: 3 }, () =>
      slot.run('inner', async () => {
        await Promise.resolve();
        expect(slot.get()).toBe('inner');
        expect(settings.maxErrors).toBe(3);
      }),
    );
    expect(slot.get()).toBeUndefined();
  });

  it('lets a caller supply inputs a predictor was not given, and an explicit value wins', async () => {
    const lm = new DummyLM([{ answer: 'a' }, { answer: 'b' }]);
    const predict = new Predict('question, topic -> answer');
    const supplied = {
      supplyInputs: (_p: object, inputs: Readonly<Record<string, unknown>>) => ({
        topic: 'from frame',
        ...inputs,
      }),
    };
    await context({ lm, adapter: new LineAdapter(), logger: silent }, () =>
      withFrame(supplied, async () => {
        await predict.call({ question: 'q1' } as never);
        await predict.call({ question: 'q2', topic: 'explicit' });
      }),
    );
    expect(lm.requests[0]!.messages.at(-1)!.content).toContain('from frame');
    expect(lm.requests[1]!.messages.at(-1)!.content).toContain('explicit');
  });

  it('shows every resolved input in preprocess: LM, adapter, config, demos and field values', () => {
    const lm = new DummyLM([]);
    const adapter = new LineAdapter();
    const predict = new Predict('question -> answer', { temperature: 0.3 });
    const run = context({ lm, adapter }, () => predict.preprocess({ question: 'q', config: { n: 1 } }));
    expect(run.lm).toBe(lm);
    expect(run.adapter).toBe(adapter);
    expect(run.config).toEqual({ temperature: 0.3, n: 1 });
    expect(run.demos).toEqual([]);
    expect(run.inputs).toEqual({ question: 'q' });
  });
});

describe('Predict field names', () => {
  it.each(['config', 'lm', 'demos', 'signal'])('rejects an input field named %s at construction', (name) => {
    expect(() => new Predict(`${name}, question -> answer`)).toThrow(SignatureError);
    expect(() => new Predict(`${name}, question -> answer`)).toThrow(/call options/);
  });
});

describe('DummyLM', () => {
  it('answers in the completion format the request names', async () => {
    const lm = new DummyLM([{ answer: '42' }]);
    const format = {
      formatCompletion: (values: Readonly<Record<string, unknown>>) => `ANSWER=${String(values.answer)}`,
    };
    const response = await lm.request({
      messages: [{ role: 'user', content: 'q' }],
      completionFormat: format,
    });
    expect(response.outputs).toEqual(['ANSWER=42']);
  });

  it('answers in the chat format when the request names none', async () => {
    const lm = new DummyLM([{ answer: '42' }]);
    const response = await lm.request({ messages: [{ role: 'user', content: 'q' }] });
    expect(response.outputs).toEqual(['[[ ## answer ## ]]\n42']);
  });
});
