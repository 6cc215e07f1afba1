import { readFileSync } from 'node:fs';
import { context, DummyLM, InputError, Predict, type Signature, signature } from '@dspy-ts/core';
import { exceedsDepth, MAX_NESTING } from '@dspy-ts/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Adapter, ChatAdapter, JSONAdapter, TemplateAdapter, XMLAdapter } from '../src/index.js';
import { lenientJsonLoads, NOTHING } from '../src/lenient-json.js';
import { literalEval } from '../src/python-literal.js';
import { ChatStreamParser } from '../src/streaming/chat-stream.js';
import type { FieldStreamParser } from '../src/streaming/field-text.js';
import { JsonStreamParser } from '../src/streaming/json-stream.js';
import { XmlStreamParser } from '../src/streaming/xml-stream.js';
import { MAX_XML_DEPTH, parseXmlRoot, XmlSyntaxError } from '../src/xml-tree.js';

const QA = signature('question -> answer') as Signature;
const DICT = signature('question -> answer: dict[str, Any]') as Signature;
const LIST = signature('question -> answer: list[str]') as Signature;

const ADAPTERS: [string, Adapter][] = [
  ['ChatAdapter', new ChatAdapter()],
  ['JSONAdapter', new JSONAdapter()],
  ['XMLAdapter', new XMLAdapter()],
  ['TemplateAdapter', new TemplateAdapter({ messages: [{ role: 'user', content: '{question}' }] })],
];

/** Parses, and says how it ended: the parsed fields, or the name of the error. */
function outcome(adapter: Adapter, sig: Signature, completion: string): string {
  try {
    adapter.parse(sig, completion);
    return 'parsed';
  } catch (error) {
    return (error as Error).name;
  }
}

const UNQUOTED_LINES = `[${'x\n'.repeat(50_000)}`; // 100 KB: took 5-11 s in the jsonrepair library

describe('malformed JSON replies', () => {
  it('reads 100 KB of unquoted lines after a bracket as a list of strings', () => {
    const value = lenientJsonLoads(UNQUOTED_LINES);
    expect(value).toHaveLength(50_000);
    expect(new Set(value as string[])).toEqual(new Set(['x']));
  });

  it('reads the same reply as a list field, and as a parse error where an object is needed', () => {
    expect(
      (new ChatAdapter().parse(LIST, `[[ ## answer ## ]]\n${UNQUOTED_LINES}`).answer as string[]).length,
    ).toBe(50_000);
    for (const [name, adapter] of ADAPTERS) {
      expect(outcome(adapter, DICT, UNQUOTED_LINES), name).toBe('AdapterParseError');
      expect(outcome(adapter, QA, `{${'x\n'.repeat(50_000)}`), name).toBe('AdapterParseError');
    }
  });

  it('repairs what models get wrong, as the jsonrepair library did', () => {
    const cases: [string, unknown][] = [
      ["{'a': 1", { a: 1 }],
      ['{a: b}', { a: 'b' }],
      ['[1, 2,]', [1, 2]],
      ['{"a":1,}', { a: 1 }],
      ['[,,]', []],
      ['{"a": [1 2 3]}', { a: [1, 2, 3] }],
      ['{"a": 1 "b": 2}', { a: 1, b: 2 }],
      ['{"a" 1}', { a: 1 }],
      ['{"a": "He said "hi" ok"}', { a: 'He said "hi" ok' }],
      ['{"a": "x\ny"}', { a: 'x\ny' }],
      ['{"a": {"b": [1, {"c": "d"', { a: { b: [1, { c: 'd' }] } }],
      ['{"reasoning": "r", "ans', { reasoning: 'r', ans: null }],
      ['{"a":}', { a: null }],
      ['[True, None, False]', [true, null, false]],
      ['{"a": undefined, "b": tru}', { a: null, b: 'tru' }],
      ['{"a": NaN, "b": -Infinity}', { a: 'NaN', b: '-Infinity' }],
      ['[1e5, 01, 0x10, 1.]', [100000, '01', '0x10', 1]],
      ['{"a": /* why */ 1} // note', { a: 1 }],
      ['{"a": [1, 2, ...]}', { a: [1, 2] }],
      ['["a", b c, d]', ['a', 'b c', 'd']],
      ['{"a": 1}\n{"b": 2}', [{ a: 1 }, { b: 2 }]],
      ['1, 2', [1, 2]],
      ['[1,2]]', [1, 2]],
      ['{"a": "\\u00e9\\x"}', { a: 'éx' }],
      ['{"__proto__": 1}', JSON.parse('{"__proto__": 1}')],
      ['"abc', 'abc'],
      ["'abc'", 'abc'],
    ];
    for (const [text, expected] of cases) expect(lenientJsonLoads(text), text).toEqual(expected);
  });

  it('finds no JSON in bullets, prose after a value, or keys without values', () => {
    for (const text of ['- a\n- b', '-', '42 is the answer', '[1, 2] and more', '{"a"}', '{:1}'])
      expect(lenientJsonLoads(text), text).toBe(NOTHING);
  });
});

describe('pathological XML', () => {
  it('stops at the first error in 1 MB of "</"', () => {
    const text = '</'.repeat(500_000);
    expect(() => parseXmlRoot(text)).toThrow(XmlSyntaxError);
    expect(outcome(new XMLAdapter(), QA, text)).toBe('AdapterParseError');
  });

  it(`refuses elements nested deeper than ${MAX_XML_DEPTH} levels`, () => {
    const deep = (n: number) => `<answer>${'<a>'.repeat(n)}1${'</a>'.repeat(n)}</answer>`;
    expect(() => parseXmlRoot('<a>'.repeat(300_000))).toThrow(/nested deeper than 500 levels/);
    expect(outcome(new XMLAdapter(), DICT, deep(3000))).toBe('AdapterParseError');
    expect(new XMLAdapter().parse(DICT, deep(MAX_XML_DEPTH - 2)).answer).toBeTypeOf('object');
  });
});

describe('deeply nested replies', () => {
  const jsonObject = (n: number) => `${'{"a": '.repeat(n)}1${'}'.repeat(n)}`;
  const pythonDict = (n: number) => `${"{'a': ".repeat(n)}1${'}'.repeat(n)}`;
  const array = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('makes a 3,000-deep value an AdapterParseError in every adapter, never a RangeError', () => {
    const replies: [string, Adapter, string][] = [
      ['chat json', new ChatAdapter(), `[[ ## answer ## ]]\n${jsonObject(3000)}`],
      ['chat python', new ChatAdapter(), `[[ ## answer ## ]]\n${pythonDict(3000)}`],
      ['chat array', new ChatAdapter(), `[[ ## answer ## ]]\n${array(3000)}`],
      ['chat truncated', new ChatAdapter(), `[[ ## answer ## ]]\n${'['.repeat(200_000)}`],
      ['json', new JSONAdapter(), `{"answer": ${jsonObject(3000)}}`],
      ['json truncated', new JSONAdapter(), `{"answer": ${'{"a": '.repeat(3000)}`],
      ['xml', new XMLAdapter(), `<answer>${jsonObject(3000)}</answer>`],
      ['template', ADAPTERS[3]![1], `{"answer": ${jsonObject(3000)}}`],
    ];
    for (const [name, adapter, reply] of replies)
      expect(outcome(adapter, DICT, reply), name).toBe('AdapterParseError');
  });

  it(`reads values nested up to ${MAX_NESTING} levels`, () => {
    const value = JSON.parse(jsonObject(MAX_NESTING - 1));
    expect(new JSONAdapter().parse(DICT, JSON.stringify({ answer: value })).answer).toEqual(value);
    expect(
      new ChatAdapter().parse(DICT, `[[ ## answer ## ]]\n${pythonDict(MAX_NESTING - 1)}`).answer,
    ).toEqual(value);
    expect(lenientJsonLoads(jsonObject(MAX_NESTING - 1).slice(0, -10))).toBeTypeOf('object');
  });

  it('measures depth without recursion', () => {
    expect(exceedsDepth(JSON.parse(array(100_000)), MAX_NESTING)).toBe(true);
    expect(exceedsDepth(JSON.parse(array(MAX_NESTING)), MAX_NESTING)).toBe(false);
    expect(exceedsDepth('[[[', 1)).toBe(false);
  });

  it('rejects a 10,000-deep input with an InputError before any request, never a RangeError', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const lm = new DummyLM([{ answer: 'x' }]);
    const ask = new Predict('question: dict[str, Any] -> answer');
    const call = context({ lm, adapter: new ChatAdapter() }, () =>
      ask.call({ question: deep as Record<string, unknown> }),
    );
    await expect(call).rejects.toThrow(InputError);
    await expect(call).rejects.toThrow(`nest deeper than ${MAX_NESTING} levels: ['question']`);
    expect(lm.requests).toHaveLength(0);
  });

  it('reads Python literals without recursion per adjacent string or per level', () => {
    expect(literalEval("'ab' ".repeat(50_000))).toBe('ab'.repeat(50_000));
    expect(() => literalEval(pythonDict(3000))).toThrow(SyntaxError);
    expect(() => literalEval(`${'('.repeat(3000)}1`)).toThrow(SyntaxError);
  });
});

// Fragments models and attackers repeat: brackets, quotes, markers, tags, escapes, comments
// (shared with bench/hostile-output.mjs, which runs them at up to 1 MB).
const FRAGMENTS: readonly string[] = JSON.parse(
  readFileSync(new URL('./fixtures/hostile-fragments.json', import.meta.url), 'utf8'),
);

/** A hostile completion: a few fragments repeated, as a stuck or adversarial model writes them. */
const hostileCompletion = (maxRepeats: number) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: maxRepeats }),
      fc.string({ maxLength: 20 }),
    )
    .map(([pattern, repeats, tail]) => pattern.join('').repeat(repeats) + tail);

/** Streams `text` in chunks of `size` characters; returns the joined text per field. */
function stream(parser: FieldStreamParser, text: string, size: number): Record<string, string> {
  const joined: Record<string, string> = {};
  const take = (deltas: { field: string; text: string }[]) => {
    for (const delta of deltas) joined[delta.field] = (joined[delta.field] ?? '') + delta.text;
  };
  for (let i = 0; i < text.length; i += size) take(parser.push(text.slice(i, i + size)));
  take(parser.end());
  return joined;
}

const STREAM_PARSERS: [string, () => FieldStreamParser][] = [
  ['ChatStreamParser', () => new ChatStreamParser(['answer'])],
  ['JsonStreamParser', () => new JsonStreamParser(new Map([['answer', 'verbatim']]))],
  ['XmlStreamParser', () => new XmlStreamParser(new Map([['answer', 'text']]))],
];

describe('hostile streams', () => {
  it('streams a 100 KB line that starts like a header in one pass', () => {
    // Each chunk rescanned the whole held line: 25 KB in 16-character chunks took 77 s.
    const line = `[[ ## ${'x'.repeat(100_000)}`;
    expect(stream(new ChatStreamParser(['answer']), `[[ ## answer ## ]]\n${line}`, 16)).toEqual({
      answer: line,
    });
  });

  for (const [name, make] of STREAM_PARSERS) {
    it(`${name} takes hostile completions in any chunking without throwing`, () => {
      fc.assert(
        fc.property(hostileCompletion(400), fc.integer({ min: 1, max: 64 }), (text, size) => {
          stream(make(), text, size);
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('hostile completions (fuzz)', () => {
  for (const [name, adapter] of ADAPTERS) {
    it(`${name} parses them or throws AdapterParseError, nothing else`, () => {
      fc.assert(
        fc.property(hostileCompletion(400), fc.constantFrom(QA, DICT, LIST), (completion, sig) => {
          const ended = outcome(adapter, sig, completion);
          expect(['parsed', 'AdapterParseError']).toContain(ended);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('the lenient JSON reader never throws', () => {
    fc.assert(
      fc.property(hostileCompletion(400), (text) => {
        lenientJsonLoads(text);
      }),
      { numRuns: 300 },
    );
  });
});
