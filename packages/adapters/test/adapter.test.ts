import {
  type AdapterCallOptions,
  AdapterParseError,
  ConfigurationError,
  History,
  LMError,
  type Signature,
  signature,
} from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { Adapter, type Attempts, ChatAdapter, TemplateAdapter } from '../src/index.js';
import { StubLM } from './helpers/stub-lm.js';

type Values = Readonly<Record<string, unknown>>;

const QA = signature('question -> answer') as Signature;

/** Outputs as `name: value` lines: only the steps a format must define. */
class LineAdapter extends Adapter {
  readonly name = 'LineAdapter';

  override formatFieldStructure(sig: Signature): string {
    return `Lines: ${Object.keys(sig.outputFields).join(', ')}`;
  }

  override formatAssistantMessageContent(sig: Signature, outputs: Values, missing = 'None'): string {
    return Object.keys(sig.outputFields)
      .map((name) => `${name}: ${String(outputs[name] ?? missing)}`)
      .join('\n');
  }

  parse(sig: Signature, completion: string): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const line of completion.split('\n')) {
      const [name = '', ...rest] = line.split(':');
      if (name in sig.outputFields) values[name] = rest.join(':').trim();
    }
    if (Object.keys(values).length === 0) {
      throw new AdapterParseError({ adapterName: this.name, completion, signature: sig });
    }
    return values;
  }

  formatCompletion(values: Values): string {
    return Object.entries(values)
      .map(([name, value]) => `${name}: ${String(value)}`)
      .join('\n');
  }
}

const callOptions = (lm: StubLM, inputs: Values = { question: 'q?' }): AdapterCallOptions => ({
  lm,
  config: {},
  signature: QA,
  demos: [],
  inputs,
});

describe('Adapter', () => {
  it('gives a subclass that writes only its format steps the DSPy message layout', () => {
    const sig = signature('question, history: History -> answer') as Signature;
    const history = new History([{ question: 'Hi', answer: 'Hello!' }]);
    const messages = new LineAdapter().format(sig, [{ question: '2+2?', answer: '4' }], {
      question: 'q?',
      history,
    });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    const system = messages[0]!.content as string;
    expect(system.startsWith('Your input fields are:\n1. `question` (str)')).toBe(true);
    expect(system).toContain('\nLines: answer\nIn adhering to this structure, your objective is: ');
    // The demo has no history, so it is shown as an incomplete example.
    expect(messages.slice(1).map((m) => m.content)).toEqual([
      'This is an example of the task, though some input or output fields are not supplied.\n\n[[ ## question ## ]]\n2+2?',
      'answer: 4',
      '[[ ## question ## ]]\nHi',
      'answer: Hello!',
      '[[ ## question ## ]]\nq?',
    ]);
  });

  it('names the format step a subclass left out', () => {
    class Bare extends Adapter {
      readonly name = 'Bare';
      parse = () => ({});
      formatCompletion = () => '';
    }
    expect(() => new Bare().format(QA, [], { question: 'q?' })).toThrow(
      new ConfigurationError(
        'Bare does not define formatFieldStructure: override it, or override format itself.',
      ),
    );
  });

  it('parses every choice and fills outputs the parse left out with null', async () => {
    const sig = signature('question -> answer, note') as Signature;
    const lm = new StubLM([['answer: a', 'answer: b\nnote: n']]);
    const outputs = await new LineAdapter().call({ ...callOptions(lm), signature: sig });
    expect(outputs).toEqual([
      { answer: 'a', note: null },
      { answer: 'b', note: 'n' },
    ]);
  });

  it('tries its attempts in turn, then its fallback adapter', async () => {
    class Retrying extends LineAdapter {
      protected override attempts(): Attempts {
        return [{ responseFormat: () => 'first' }, { responseFormat: () => 'second' }];
      }
      protected override fallbackAdapter(): Adapter {
        return new ChatAdapter({ useJsonAdapterFallback: false });
      }
    }
    const lm = new StubLM(['nonsense', 'still nonsense', '[[ ## answer ## ]]\n42']);
    expect(await new Retrying().call(callOptions(lm))).toEqual([{ answer: '42' }]);
    expect(lm.requests.map((request) => request.responseFormat)).toEqual(['first', 'second', undefined]);
  });

  it('stops at an LM error without another attempt or the fallback', async () => {
    const lm = new StubLM([new LMError('down', { model: 'stub' }), '[[ ## answer ## ]]\n42']);
    await expect(new ChatAdapter().call(callOptions(lm))).rejects.toThrow('down');
    expect(lm.requests).toHaveLength(1);
  });
});

describe('the field parse error', () => {
  it('lists the failed field and the outputs not parsed yet as missing, in TemplateAdapter too', () => {
    const sig = signature('question -> a: int, b: int, c: int') as Signature;
    const adapter = new TemplateAdapter({
      messages: [{ role: 'user', content: '{question}' }],
      parseMode: 'xml',
    });
    try {
      adapter.parse(sig, '<a>1</a><b>x</b><c>3</c>');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AdapterParseError);
      expect((error as AdapterParseError).missingFields).toEqual(['b', 'c']);
      expect((error as AdapterParseError).message).toMatch(/^Failed to parse XML field 'b': /);
    }
  });
});
