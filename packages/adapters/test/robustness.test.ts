import { AdapterParseError, type Signature, signature } from '@dspy-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Adapter, ChatAdapter, JSONAdapter, TemplateAdapter, XMLAdapter } from '../src/index.js';
import { pyStrip } from '../src/python-text.js';

const QA = signature('question -> answer') as Signature;
const INT = signature('question -> answer: int') as Signature;
const chat = new ChatAdapter();
const json = new JSONAdapter();
const xml = new XMLAdapter();

describe('hostile completions', () => {
  it('rejects completions without any marker, tag or object', () => {
    expect(() => chat.parse(QA, 'The answer is 4.')).toThrow(AdapterParseError);
    expect(() => json.parse(QA, 'The answer is 4.')).toThrow(AdapterParseError);
    expect(() => xml.parse(QA, 'The answer is 4.')).toThrow(AdapterParseError);
  });

  it('keeps the first of duplicated fields', () => {
    expect(chat.parse(INT, '[[ ## answer ## ]]\n1\n\n[[ ## answer ## ]]\n2')).toEqual({ answer: 1 });
    expect(json.parse(INT, '{"answer": 1, "answer": 2}').answer).toBeTypeOf('number');
  });

  it('reads values wrapped in prose', () => {
    expect(
      chat.parse(INT, 'Let me think.\n\n[[ ## answer ## ]]\n7\n\n[[ ## completed ## ]]\nHope this helps!'),
    ).toEqual({ answer: 7 });
    expect(json.parse(INT, 'Here you go:\n```json\n{"answer": 7}\n```\nAnything else?')).toEqual({
      answer: 7,
    });
    expect(xml.parse(INT, 'Sure.\n<answer>7</answer>\nDone.')).toEqual({ answer: 7 });
  });

  it('reports wrong types as AdapterParseError naming the field, for every adapter', () => {
    for (const [adapter, text] of [
      [chat, '[[ ## answer ## ]]\nseven'],
      [json, '{"answer": "seven"}'],
      [xml, '<answer>seven</answer>'],
    ] as const) {
      try {
        adapter.parse(INT, text);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(AdapterParseError);
        expect((error as AdapterParseError).message).toContain('Failed to parse field answer');
        expect((error as AdapterParseError).completion).toBe(text);
      }
    }
  });

  it('handles unicode values and field names', () => {
    const sig = signature('question -> réponse') as Signature;
    const value = 'naïve 🤖 مرحبا \u200b ✓';
    expect(chat.parse(sig, `[[ ## réponse ## ]]\n${value}`)).toEqual({ réponse: value });
    expect(json.parse(sig, JSON.stringify({ réponse: value }))).toEqual({ réponse: value });
    expect(xml.parse(sig, `<réponse>${value}</réponse>`)).toEqual({ réponse: value });
  });

  it('treats markers inside values as text unless they start a line', () => {
    expect(chat.parse(QA, '[[ ## answer ## ]]\nUse `[[ ## answer ## ]]` as the header.')).toEqual({
      answer: 'Use `[[ ## answer ## ]]` as the header.',
    });
    expect(json.parse(QA, '{"answer": "[[ ## answer ## ]]\\n<answer>x</answer>"}')).toEqual({
      answer: '[[ ## answer ## ]]\n<answer>x</answer>',
    });
    expect(xml.parse(QA, '<answer>[[ ## answer ## ]] &lt;answer&gt;</answer>')).toEqual({
      answer: '[[ ## answer ## ]] <answer>',
    });
  });

  it('parses huge completions in linear time', () => {
    const big = 'x'.repeat(2_000_000);
    const started = Date.now();
    expect(chat.parse(QA, `[[ ## answer ## ]]\n${big}`).answer).toHaveLength(2_000_000);
    expect(json.parse(QA, JSON.stringify({ answer: big })).answer).toHaveLength(2_000_000);
    expect(xml.parse(QA, `<answer>${big}</answer>`).answer).toHaveLength(2_000_000);
    expect(() => json.parse(QA, '{'.repeat(200_000))).toThrow(AdapterParseError);
    expect(() =>
      chat.parse(QA, '[[ ## answer ## ]]\n'.repeat(50_000).slice(0, -1) + 'x\n'.repeat(50_000)),
    ).not.toThrow();
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

// biome-ignore-start lint/suspicious/noControlCharactersInRegex: these filters remove control characters.
// Values each format can carry exactly: Chat and XML strip the ends of a value and normalize line
// breaks, so their strings are stripped and use only \n; XML also excludes characters XML forbids.
const lineSafe = fc
  .string({ unit: 'grapheme', maxLength: 40 })
  .map((s) => s.replace(/[\r\v\f\x1c-\x1e\x85\u2028\u2029\ufffe\uffff]/g, ''))
  .map(pyStrip);
const chatText = lineSafe.filter((s) => !s.split('\n').some((line) => /^\[\[ ## /.test(pyStrip(line))));
const xmlText = lineSafe.map((s) => s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')).map(pyStrip);
// biome-ignore-end lint/suspicious/noControlCharactersInRegex: end of the filters.
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

const ROUND_TRIP = signature(
  'question -> text, count: int, ratio: float, flag: bool, tags: list[str], label: Literal["yes", "no"], maybe: Optional[int]',
) as Signature;

const values = (text: fc.Arbitrary<string>, item: fc.Arbitrary<string>) =>
  fc.record({
    text,
    count: fc.integer(),
    ratio: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    flag: fc.boolean(),
    tags: fc.array(item, { maxLength: 4 }),
    label: fc.constantFrom('yes', 'no'),
    maybe: fc.option(fc.integer(), { nil: null }),
  });

const roundTrips = (adapter: Adapter, text: fc.Arbitrary<string>, item: fc.Arbitrary<string> = anyText) => {
  fc.assert(
    fc.property(values(text, item), (v) => {
      const completion = adapter.formatCompletion(v, ROUND_TRIP);
      expect(adapter.parse(ROUND_TRIP, completion)).toEqual(v);
    }),
    { numRuns: Number(process.env.ROUND_TRIP_RUNS ?? 300) },
  );
};

describe('format -> LM echo -> parse round-trips arbitrary values', () => {
  it('ChatAdapter', () => roundTrips(chat, chatText, lineSafe));
  it('JSONAdapter', () => roundTrips(json, anyText));
  it('XMLAdapter', () => roundTrips(xml, xmlText, xmlText));
  it('TemplateAdapter (json mode)', () =>
    roundTrips(new TemplateAdapter({ messages: [{ role: 'user', content: '{question}' }] }), anyText));
});
