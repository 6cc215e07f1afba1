import { AdapterParseError, ConfigurationError, History, type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { TemplateAdapter, type TemplateMessage } from '../src/index.js';

const QA = signature('question -> answer') as Signature;
const QAH = signature('question, history: History -> answer') as Signature;
const history = new History([
  { question: 'Hi', answer: 'Hello!' },
  { question: 'Who are you?', answer: 'An assistant.' },
]);
const demo = { question: '2+2?', answer: '4' };
const simple: TemplateMessage[] = [
  { role: 'system', content: '{instruction}' },
  { role: 'user', content: 'Question: {question}' },
];

describe('TemplateAdapter formatting', () => {
  it('renders the templates alone when there are no demos or history', () => {
    const adapter = new TemplateAdapter({ messages: simple, parseMode: 'full_text' });
    expect(adapter.format(QA, [], { question: 'What is DSPy?' })).toEqual([
      { role: 'system', content: 'Given the fields `question`, produce the fields `answer`.' },
      { role: 'user', content: 'Question: What is DSPy?' },
    ]);
  });

  it('auto-injects demos before the last user message', () => {
    const adapter = new TemplateAdapter({ messages: simple, parseMode: 'full_text' });
    expect(adapter.format(QA, [demo], { question: 'What is DSPy?' })).toEqual([
      { role: 'system', content: 'Given the fields `question`, produce the fields `answer`.' },
      { role: 'user', content: 'question: 2+2?' },
      { role: 'assistant', content: '4' },
      { role: 'user', content: 'Question: What is DSPy?' },
    ]);
  });

  it('auto-injects history turns before the last user message', () => {
    const adapter = new TemplateAdapter({ messages: simple, parseMode: 'full_text' });
    expect(adapter.format(QAH, [], { question: 'What is DSPy?', history })).toEqual([
      { role: 'system', content: 'Given the fields `question`, `history`, produce the fields `answer`.' },
      { role: 'user', content: 'question: Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'question: Who are you?' },
      { role: 'assistant', content: 'An assistant.' },
      { role: 'user', content: 'Question: What is DSPy?' },
    ]);
  });

  it('renders demo answers as JSON in json mode and as tags in xml mode', () => {
    const json = new TemplateAdapter({ messages: simple, parseMode: 'json' }).format(QA, [demo], {
      question: 'q',
    });
    expect(json[2]).toEqual({ role: 'assistant', content: '{\n  "answer": "4"\n}' });
    const xml = new TemplateAdapter({ messages: simple, parseMode: 'xml' }).format(QA, [demo], {
      question: 'q',
    });
    expect(xml[2]).toEqual({ role: 'assistant', content: '<answer>4</answer>' });
    const typed = signature('question -> answer: int') as Signature;
    const intDemo = new TemplateAdapter({ messages: simple }).format(typed, [{ question: 'q', answer: 4 }], {
      question: 'q',
    });
    expect(intDemo[2]).toEqual({ role: 'assistant', content: '{\n  "answer": 4\n}' });
  });

  it('expands directives and functions in order', () => {
    const adapter = new TemplateAdapter({
      parseMode: 'json',
      messages: [
        { role: 'system', content: '{instruction}\n\nReply as JSON with keys:\n{outputs()}' },
        { role: 'demos' },
        { role: 'history' },
        { role: 'user', content: "{inputs(style='yaml')}" },
      ],
    });
    expect(adapter.format(QAH, [demo], { question: 'What is DSPy?', history })).toEqual([
      {
        role: 'system',
        content:
          'Given the fields `question`, `history`, produce the fields `answer`.\n\nReply as JSON with keys:\n1. `answer` (str):',
      },
      { role: 'user', content: 'question: 2+2?' },
      { role: 'assistant', content: '{\n  "answer": "4"\n}' },
      { role: 'user', content: 'question: Hi' },
      { role: 'assistant', content: '{\n  "answer": "Hello!"\n}' },
      { role: 'user', content: 'question: Who are you?' },
      { role: 'assistant', content: '{\n  "answer": "An assistant."\n}' },
      { role: 'user', content: 'question: What is DSPy?' },
    ]);
  });
});

describe('TemplateAdapter template functions', () => {
  const render = (
    content: string,
    inputs: Record<string, unknown> = { question: 'Q?' },
    demos: Record<string, unknown>[] = [],
  ) =>
    new TemplateAdapter({ messages: [{ role: 'user', content }] }).format(QAH, demos, inputs).at(-1)!.content;

  it('keeps doubled braces literal and unknown names untouched', () => {
    expect(render('{{"k": 1}} {question} {unknown} {nope(x=1)}')).toBe('{"k": 1} Q? {unknown} {nope(x=1)}');
  });

  it('rejects other brace syntax with a fix', () => {
    expect(() => render('JSON: {"k": 1}')).toThrow(ConfigurationError);
    expect(() => render('{}')).toThrow(/double/);
  });

  it('renders inputs in yaml, xml and json styles, skipping History inputs', () => {
    expect(render("{inputs(style='xml')}")).toBe('<question>Q?</question>');
    expect(render('{inputs(style="json")}')).toBe('{\n  "question": "Q?"\n}');
    expect(render('{inputs()}')).toBe('question: Q?');
  });

  it('renders outputs as a list, a schema or tags with the stored desc', () => {
    expect(render("{outputs(style='schema')}")).toBe('{\n  "answer": {\n    "type": "string"\n  }\n}');
    expect(render("{outputs(style='xml', wrap='out')}")).toBe('<out>\n  <answer>${answer}</answer>\n</out>');
  });

  it('renders history turns in every style and a plain {history} as Python repr', () => {
    const inputs = { question: 'Q?', history };
    expect(render('{history()}', inputs)).toBe(
      'Turn 1:\n  question: Hi\n  answer: Hello!\n\nTurn 2:\n  question: Who are you?\n  answer: An assistant.',
    );
    expect(render("{history(style='yaml')}", inputs)).toBe(
      '- turn: 1\n  question: Hi\n  answer: Hello!\n- turn: 2\n  question: Who are you?\n  answer: An assistant.',
    );
    expect(
      render("{history(style='xml')}", { question: 'Q', history: new History([{ question: 'Hi' }]) }),
    ).toBe('<turn>\n  <question>Hi</question>\n</turn>');
    expect(render('{history}', inputs)).toBe(
      "messages=[{'question': 'Hi', 'answer': 'Hello!'}, {'question': 'Who are you?', 'answer': 'An assistant.'}]",
    );
  });

  it('renders demos with {demos()} and stops their auto-injection', () => {
    const adapter = new TemplateAdapter({
      messages: [{ role: 'user', content: '{demos()}\n---\n{question}' }],
    });
    const messages = adapter.format(QA, [demo], { question: 'Q?' });
    expect(messages).toEqual([
      { role: 'user', content: 'Example 1:\n  question: 2+2?\n  answer: 4\n---\nQ?' },
    ]);
  });

  it('fills the custom demo form with Python text and outputs_json', () => {
    const adapter = new TemplateAdapter({
      messages: [
        { role: 'demos', user: 'Q: {question}', assistant: 'A: {outputs_json}' },
        { role: 'user', content: '{question}' },
      ],
    });
    expect(adapter.format(QA, [demo], { question: 'Q?' })).toEqual([
      { role: 'user', content: 'Q: 2+2?' },
      { role: 'assistant', content: 'A: {"answer": "4"}' },
      { role: 'user', content: 'Q?' },
    ]);
  });

  it('calls registered helpers with the context and arguments', () => {
    const adapter = new TemplateAdapter({
      messages: [{ role: 'user', content: "{shout(word='hi')} {question}" }],
    });
    adapter.registerHelper(
      'shout',
      ({ word, ctx }) => `${String(word).toUpperCase()}(${String(ctx.question)})`,
    );
    expect(adapter.format(QA, [], { question: 'Q?' })[0]!.content).toBe('HI(Q?) Q?');
  });

  it('uses a plain list history verbatim', () => {
    const adapter = new TemplateAdapter({ messages: simple });
    const messages = adapter.format(QAH, [], {
      question: 'Q',
      history: [{ role: 'user', content: 'earlier' }],
    });
    expect(messages.map((m) => m.content)).toEqual([
      'Given the fields `question`, `history`, produce the fields `answer`.',
      'earlier',
      'Question: Q',
    ]);
  });

  it('requires at least one template', () => {
    expect(() => new TemplateAdapter({ messages: [] })).toThrow(
      'TemplateAdapter requires at least one message template.',
    );
  });
});

describe('TemplateAdapter parsing', () => {
  const typed = signature('question -> answer: int') as Signature;
  const two = signature('question -> a, b') as Signature;

  it('parses full_text with coercion', () => {
    expect(new TemplateAdapter({ messages: simple, parseMode: 'full_text' }).parse(typed, ' 42\n')).toEqual({
      answer: 42,
    });
  });

  it('refuses full_text with several outputs', () => {
    expect(() => new TemplateAdapter({ messages: simple, parseMode: 'full_text' }).parse(two, 'x')).toThrow(
      "parse_mode='full_text' requires exactly 1 output field, got 2: ['a', 'b']",
    );
  });

  it('parses json mode from fences and reports a missing object', () => {
    const adapter = new TemplateAdapter({ messages: simple });
    expect(adapter.parse(typed, '```json\n{"answer": "42"}\n```')).toEqual({ answer: 42 });
    expect(() => adapter.parse(typed, 'nothing')).toThrow('No JSON object found in LM response.');
    expect(() => adapter.parse(typed, '{"answer": "x"}')).toThrow("Failed to parse field 'answer'");
  });

  it('parses xml mode without entity decoding and names missing tags', () => {
    const adapter = new TemplateAdapter({ messages: simple, parseMode: 'xml' });
    expect(adapter.parse(two, '<a>x &amp; y</a>\n<b> 2 </b>')).toEqual({ a: 'x &amp; y', b: '2' });
    expect(() => adapter.parse(two, '<a>x</a>')).toThrow("Missing XML tags for output fields: {'b'}");
  });

  it('applies no output defaults: a missing Optional output fails', () => {
    const optional = signature('q -> a: Optional[int]') as Signature;
    expect(() => new TemplateAdapter({ messages: simple }).parse(optional, '{}')).toThrow(AdapterParseError);
  });

  it('delegates chat mode to ChatAdapter and calls a custom parser', () => {
    expect(
      new TemplateAdapter({ messages: simple, parseMode: 'chat' }).parse(typed, '[[ ## answer ## ]]\n7'),
    ).toEqual({ answer: 7 });
    const custom = new TemplateAdapter({
      messages: simple,
      parseMode: (_sig, text) => ({ answer: text.length }),
    });
    expect(custom.parse(typed, 'abc')).toEqual({ answer: 3 });
  });

  it('formats completions in its parse mode', () => {
    expect(new TemplateAdapter({ messages: simple }).formatCompletion({ answer: 4 })).toBe(
      '{\n  "answer": 4\n}',
    );
    expect(
      new TemplateAdapter({ messages: simple, parseMode: 'xml' }).formatCompletion({ a: 'x', b: true }),
    ).toBe('<a>x</a>\n<b>True</b>');
    expect(
      new TemplateAdapter({ messages: simple, parseMode: 'full_text' }).formatCompletion({ answer: 'hi' }),
    ).toBe('hi');
  });
});
