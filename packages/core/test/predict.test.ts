import { describe, expect, it, vi } from 'vitest';
import {
  ChainOfThought,
  ConfigurationError,
  context,
  DummyLM,
  Example,
  History,
  InputError,
  type Logger,
  Module,
  Predict,
  signature,
  type TraceEntry,
} from '../src/index.js';
import { LineAdapter } from './support/test-adapter.js';

const adapter = new LineAdapter();
const silent: Logger = { info: () => {}, warn: () => {} };
const run = <T>(
  lm: DummyLM,
  fn: () => Promise<T>,
  extra: { trace?: TraceEntry[] | null; logger?: Logger } = {},
) => context({ lm, adapter, logger: silent, ...extra }, fn);

describe('Predict', () => {
  it('formats, calls the LM and parses through the adapter', async () => {
    const lm = new DummyLM([{ answer: 'Paris' }]);
    const pred = await run(lm, () =>
      new Predict('question -> answer').call({ question: 'Capital of France?' }),
    );
    expect(pred.answer).toBe('Paris');
    expect(lm.requests[0]!.messages.at(-1)!.content).toBe('question: "Capital of France?"');
  });

  it('types outputs from the signature string', async () => {
    const lm = new DummyLM([{ answer: 4 }]);
    const pred = await run(lm, () => new Predict('question -> answer: int').call({ question: '2+2?' }));
    const answer: number = pred.answer;
    expect(answer).toBe(4);
  });

  it('raises InputError for missing and unknown inputs (Python only warns)', async () => {
    const lm = new DummyLM([{ answer: 'x' }]);
    const qa = new Predict('question, context -> answer');
    await expect(run(lm, () => qa.call({ question: 'q' } as never))).rejects.toThrow(InputError);
    await expect(run(lm, () => qa.call({ question: 'q' } as never))).rejects.toThrow("Missing: ['context']");
    await expect(run(lm, () => qa.call({ question: 'q', context: 'c', extra: 1 } as never))).rejects.toThrow(
      "Input contains fields not in signature: ['extra']",
    );
    expect(lm.requests).toHaveLength(0);
  });

  it('accepts a missing Optional input and fills a missing History with an empty one', async () => {
    const lm = new DummyLM([{ answer: 'x' }]);
    const qa = new Predict('history: History, question, note: Optional[str] -> answer');
    const trace: TraceEntry[] = [];
    await run(lm, () => qa.call({ question: 'q' }), { trace });
    expect(trace[0]!.inputs.history).toBeInstanceOf(History);
    expect((trace[0]!.inputs.history as History).length).toBe(0);
  });

  it('rejects a null History input with InputError', async () => {
    const qa = new Predict('history: History, question -> answer');
    await expect(
      run(new DummyLM([{ answer: 'x' }]), () => qa.call({ question: 'q', history: null as never })),
    ).rejects.toThrow(InputError);
  });

  it('warns with Python text on a type mismatch but still calls', async () => {
    const warn = vi.fn();
    const lm = new DummyLM([{ answer: 'x' }, { answer: 'y' }]);
    const predict = new Predict('n: int, x: float -> answer');
    const logger = { info: () => {}, warn };
    await run(lm, () => predict.call({ n: 'seven' as never, x: 1.5 }), { logger });
    await run(lm, () => predict.call({ n: 3, x: [Number.NaN] as never }), { logger });
    // Python logs the value with %s, i.e. str(value): recorded from DSPy 3.3.1.
    expect(warn.mock.calls).toEqual([
      [
        "Type mismatch for field 'n': expected int based on given Signature, but the provided value is incompatible: seven.",
      ],
      [
        "Type mismatch for field 'x': expected float based on given Signature, but the provided value is incompatible: [nan].",
      ],
    ]);
    expect(lm.requests).toHaveLength(2);
  });

  it('fails with the DSPy message when no LM is configured', async () => {
    await expect(
      context({ adapter, lm: undefined }, () => new Predict('q -> a').call({ q: 'x' })),
    ).rejects.toThrow('No LM is loaded.');
    await expect(
      context({ adapter }, () => new Predict('q -> a').call({ q: 'x', lm: 'openai/gpt-4o' as never })),
    ).rejects.toThrow('not a string');
  });

  it('fails with a ConfigurationError naming the fix when no adapter exists', async () => {
    const call = context({ lm: new DummyLM([{ a: '1' }]) }, () => new Predict('q -> a').call({ q: 'x' }));
    await expect(call).rejects.toThrow(ConfigurationError);
    await expect(
      context({ lm: new DummyLM([{ a: '1' }]) }, () => new Predict('q -> a').call({ q: 'x' })),
    ).rejects.toThrow('configure({ adapter: new ChatAdapter() })');
  });

  it('uses per-call lm, config and demos over the predictor and settings', async () => {
    const global = new DummyLM([{ a: 'global' }]);
    const own = new DummyLM([{ a: 'own' }]);
    const perCall = new DummyLM([{ a: 'call' }]);
    const qa = new Predict('q -> a', { temperature: 0.2 });
    qa.lm = own;
    expect((await run(global, () => qa.call({ q: 'x' }))).a).toBe('own');
    const pred = await run(global, () =>
      qa.call({ q: 'x', lm: perCall, config: { temperature: 0.9 }, demos: [{ q: 'dq', a: 'da' }] }),
    );
    expect(pred.a).toBe('call');
    expect(perCall.requests[0]!.temperature).toBe(0.9);
    expect(perCall.requests[0]!.messages).toHaveLength(4);
    expect(global.requests).toHaveLength(0);
  });

  it('returns n completions and raises a low temperature to 0.7', async () => {
    const lm = new DummyLM([{ a: '1' }, { a: '2' }, { a: '3' }]);
    const pred = await run(lm, () => new Predict('q -> a', { n: 3 }).call({ q: 'x' }));
    expect(pred.a).toBe('1');
    expect(pred.completions.a).toEqual(['1', '2', '3']);
    expect(lm.requests[0]!.temperature).toBe(0.7);
    expect(lm.requests[0]!.n).toBe(3);
  });

  it('records traces (predictor, inputs, prediction) and bounds them', async () => {
    const lm = new DummyLM((req) => ({ a: req.messages.at(-1)!.content }));
    const qa = new Predict('q -> a');
    const trace: TraceEntry[] = [];
    await run(lm, () => qa.call({ q: '1' }), { trace });
    expect(trace).toHaveLength(1);
    expect(trace[0]!.predictor).toBe(qa);
    expect(trace[0]!.inputs).toEqual({ q: '1' });
    await run(lm, () => qa.call({ q: '2' }), { trace: null });
    expect(trace).toHaveLength(1);
  });

  it('throws a ConfigurationError when DummyLM runs out of answers', async () => {
    await expect(run(new DummyLM([]), () => new Predict('q -> a').call({ q: 'x' }))).rejects.toThrow(
      'DummyLM ran out of scripted answers',
    );
  });

  it('answers by input text in DummyLM map mode', async () => {
    const lm = new DummyLM({ 'What is DSPy?': { answer: 'A framework' } });
    const pred = await run(lm, () => new Predict('question -> answer').call({ question: 'What is DSPy?' }));
    expect(pred.answer).toBe('A framework');
  });
});

describe('ChainOfThought', () => {
  it('prepends reasoning as the first output and keeps the instructions', async () => {
    const cot = new ChainOfThought('question -> answer');
    expect(Object.keys(cot.predict.signature.outputFields)).toEqual(['reasoning', 'answer']);
    expect(cot.predict.signature.outputFields.reasoning!.prefix).toBe('Reasoning:');
    expect(cot.predict.signature.instructions).toBe(signature('question -> answer').instructions);
    const lm = new DummyLM([{ reasoning: 'Because.', answer: '42' }]);
    const pred = await run(lm, () => cot.call({ question: 'q' }));
    expect(pred.reasoning).toBe('Because.');
    expect(pred.answer).toBe('42');
  });
});

describe('Module.call', () => {
  class Agent extends Module {
    gen = new Predict('question -> answer');
    async forward({ question }: { question: string }) {
      return this.gen.call({ question });
    }
  }

  it('runs callbacks around forward and swallows callback errors', async () => {
    const events: string[] = [];
    const agent = new Agent();
    agent.callbacks = [
      { onModuleStart: () => events.push('start'), onModuleEnd: () => events.push('end') },
      {
        onModuleStart: () => {
          throw new Error('bad callback');
        },
      },
    ];
    const pred = await run(new DummyLM([{ answer: 'ok' }]), () => agent.call({ question: 'q' }));
    expect(pred.answer).toBe('ok');
    expect(events).toEqual(['start', 'end']);
  });

  it('keeps demos as given and uses them in the prompt', async () => {
    const agent = new Agent();
    agent.gen.demos = [new Example({ question: 'dq', answer: 'da' })];
    const lm = new DummyLM([{ answer: 'ok' }]);
    await run(lm, () => agent.call({ question: 'q' }));
    expect(lm.requests[0]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });
});
