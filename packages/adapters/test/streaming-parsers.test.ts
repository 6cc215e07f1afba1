import { type Signature, signature } from '@dspy-ts/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatAdapter, JSONAdapter, XMLAdapter } from '../src/index.js';
import { chatSections } from '../src/internal.js';
import { isBlank } from '../src/python-text.js';
import { ChatStreamParser, matchHeader } from '../src/streaming/chat-stream.js';
import { type FieldDelta, type FieldStreamParser, isPySpace } from '../src/streaming/field-text.js';
import { JsonStreamParser } from '../src/streaming/json-stream.js';
import { XmlStreamParser } from '../src/streaming/xml-stream.js';

/** Feeds `chunks` and returns every delta plus the joined text per field. */
function run(parser: FieldStreamParser, chunks: readonly string[]) {
  const deltas: FieldDelta[] = [];
  for (const chunk of chunks) deltas.push(...parser.push(chunk));
  deltas.push(...parser.end());
  const joined: Record<string, string> = {};
  for (const delta of deltas) joined[delta.field] = (joined[delta.field] ?? '') + delta.text;
  return { deltas, joined };
}

/** A completion cut at the given positions. */
const splitAt = (text: string, cuts: readonly number[]): string[] => {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const point of points) {
    chunks.push(text.slice(last, point));
    last = point;
  }
  chunks.push(text.slice(last));
  return chunks;
};

const cuts = fc.array(fc.nat(), { maxLength: 40 });
/** Every UTF-16 code unit on its own (surrogate pairs split too). */
const perChar = (text: string) => Array.from({ length: text.length }, (_, i) => text[i]!);

describe('Python whitespace by char code', () => {
  it('agrees with pyStrip on every BMP character', () => {
    const disagreements: string[] = [];
    for (let code = 0; code < 0x10000; code++) {
      if (isPySpace(code) !== isBlank(String.fromCharCode(code))) disagreements.push(code.toString(16));
    }
    expect(disagreements).toEqual([]);
  });
});

describe('ChatStreamParser', () => {
  const fields = ['answer', 'notes'];
  const reference = (text: string) => {
    const values: Record<string, string> = {};
    for (const [name, value] of chatSections(text))
      if (fields.includes(name) && !Object.hasOwn(values, name)) values[name] = value;
    return values;
  };
  const expectedDeltas = (text: string) =>
    Object.fromEntries(Object.entries(reference(text)).filter(([, value]) => value !== ''));

  const piece = fc.oneof(
    fc.constantFrom(
      '[[ ## answer ## ]]',
      '[[ ## notes ## ]]',
      '[[ ## completed ## ]]',
      '[[ ## question ## ]]',
      '[[ ## ',
      ' ## ]]',
      '[[ ## answer ## ]',
      '[[',
      '##',
      'answer',
      ' ',
      '  ',
      '\n',
      '\n\n',
      '\r\n',
      '\r',
      '\t',
      '\v',
      '\f',
      '\x1c',
      '\x1f',
      '\x85',
      '\u00a0',
      '\u2028',
      '\u3000',
      'x',
      'Paris',
      'héllo',
      '🤖',
      '𝐀',
      ']]',
      '{"a": 1}',
    ),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  const completion = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));

  it('joins to the parsed section text for every completion and every split', () => {
    fc.assert(
      fc.property(completion, cuts, (text, at) => {
        const { joined } = run(new ChatStreamParser(fields), splitAt(text, at));
        expect(joined).toEqual(expectedDeltas(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same deltas one character at a time', () => {
    fc.assert(
      fc.property(completion, (text) => {
        expect(run(new ChatStreamParser(fields), perChar(text)).joined).toEqual(expectedDeltas(text));
      }),
      { numRuns: 500 },
    );
  });

  it('never lets marker text into a delta, wherever the marker is split', () => {
    const text =
      'Thinking...\n[[ ## answer ## ]]\nParis is [[ nice ]]\n\n[[ ## notes ## ]]\nnone\n\n[[ ## completed ## ]]\n';
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b += 7) {
        const chunks = [text.slice(0, a), text.slice(a, b), text.slice(b)];
        const { deltas, joined } = run(new ChatStreamParser(fields), chunks);
        for (const delta of deltas) expect(delta.text).not.toMatch(/##|\[\[ #/);
        expect(joined).toEqual({ answer: 'Paris is [[ nice ]]', notes: 'none' });
      }
    }
  });

  it('streams text as it arrives, holding only a possible marker or trailing whitespace', () => {
    const parser = new ChatStreamParser(fields);
    expect(parser.push('[[ ## answer ## ]]\nThe capital')).toEqual([
      { field: 'answer', text: 'The capital' },
    ]);
    expect(parser.push(' is Paris.  ')).toEqual([{ field: 'answer', text: ' is Paris.' }]);
    expect(parser.push('\n\n[[ ## co')).toEqual([]);
    expect(parser.push('mpleted ## ]]\n')).toEqual([]);
    expect(parser.push('more')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it('releases a held line start as soon as it cannot be a header', () => {
    const parser = new ChatStreamParser(fields);
    expect(parser.push('[[ ## answer ## ]]\nline one\n')).toEqual([{ field: 'answer', text: 'line one' }]);
    expect(parser.push('[[ #')).toEqual([]);
    expect(parser.push('x')).toEqual([{ field: 'answer', text: '\n[[ #x' }]);
  });

  it('classifies header prefixes', () => {
    expect(matchHeader('[[ ## ans')).toEqual({ kind: 'maybe' });
    expect(matchHeader('[[ ## answer ## ]]')).toEqual({ kind: 'header', name: 'answer', length: 18 });
    expect(matchHeader('[[ ## answer ## ]]rest')).toMatchObject({ kind: 'header', name: 'answer' });
    expect(matchHeader('[[ ##  ')).toEqual({ kind: 'no' });
    expect(matchHeader('[x')).toEqual({ kind: 'no' });
    expect(matchHeader('[[ ## \ud835')).toEqual({ kind: 'maybe' });
  });
});

describe('JsonStreamParser', () => {
  const sig = signature(
    'question -> answer, notes: str | None, score: int, tags: list[str], meta: dict[str, int]',
  ) as Signature;
  const json = new JSONAdapter();
  const parser = () =>
    new JsonStreamParser(
      new Map([
        ['answer', 'verbatim'],
        ['notes', 'verbatim'],
        ['score', 'trimmed'],
        ['tags', 'trimmed'],
        ['meta', 'trimmed'],
      ]),
    );
  const text = fc.string({ unit: 'binary', maxLength: 30 });
  const values = fc.record({
    answer: text,
    notes: fc.option(text, { nil: null }),
    score: fc.integer(),
    tags: fc.array(text, { maxLength: 4 }),
    meta: fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  });
  const layout = fc.constantFrom(
    (body: string) => body,
    (body: string) => `\`\`\`json\n${body}\n\`\`\``,
    (body: string) => `Here you go:\n${body}\nAnything else?`,
  );

  it('streams string fields verbatim and other fields as their JSON text, for every split', () => {
    fc.assert(
      fc.property(values, fc.boolean(), layout, cuts, (value, indent, wrap, at) => {
        const body = indent ? json.formatCompletion(value, sig) : JSON.stringify(value);
        const completion = wrap(body);
        const { joined } = run(parser(), splitAt(completion, at));
        expect(joined.answer ?? '').toBe(value.answer);
        expect(joined.notes ?? '').toBe(value.notes ?? 'null');
        expect(JSON.parse(joined.score!)).toBe(value.score);
        expect(JSON.parse(joined.tags!)).toEqual(value.tags);
        expect(JSON.parse(joined.meta!)).toEqual(value.meta);
      }),
      { numRuns: 2000 },
    );
  });

  it('never emits quotes, keys or punctuation, and waits out split escapes', () => {
    const completion = '{"answer": "say \\"hi\\"\\n\\u00e9\\ud83e\\udd16", "score": 4}';
    for (let a = 0; a <= completion.length; a++) {
      const { deltas, joined } = run(parser(), [completion.slice(0, a), completion.slice(a)]);
      expect(joined).toEqual({ answer: 'say "hi"\né🤖', score: '4' });
      for (const delta of deltas) expect(delta.text).not.toMatch(/"answer|score|[{}\\]|", /);
    }
  });

  it('streams a string as it grows', () => {
    const p = parser();
    expect(p.push('{"answer": "The cap')).toEqual([{ field: 'answer', text: 'The cap' }]);
    expect(p.push('ital is Paris.", "score": 1')).toEqual([
      { field: 'answer', text: 'ital is Paris.' },
      { field: 'score', text: '1' },
    ]);
    expect(p.push('0 }')).toEqual([{ field: 'score', text: '0' }]);
    expect(p.end()).toEqual([]);
  });

  it('reads single quotes and bare keys, and ignores nested and unknown keys', () => {
    const { joined } = run(parser(), ["{answer: 'it\\'s', 'x': {\"answer\": \"no\"}, score: 3}"]);
    expect(joined.answer).toBe("it's");
    expect(joined.score).toBe('3');
    expect(run(parser(), ['{"x": {"answer": "no"}, "answer": "yes"}']).joined).toEqual({ answer: 'yes' });
  });
});

describe('XmlStreamParser', () => {
  const sig = signature('question -> answer, notes, score: int, tags: list[str]') as Signature;
  const xml = new XMLAdapter();
  const parser = () =>
    new XmlStreamParser(
      new Map([
        ['answer', 'text'],
        ['notes', 'text'],
        ['score', 'text'],
        ['tags', 'raw'],
      ]),
    );
  // XML 1.0 has no place for most control characters; the adapter's parse rejects them.
  const xmlText = fc
    .string({ unit: 'binary', maxLength: 30 })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids.
    .filter((s) => !/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(s));
  const values = fc.record({
    answer: xmlText,
    notes: xmlText,
    score: fc.integer(),
    tags: fc.array(xmlText, { maxLength: 3 }),
  });

  it('joins to the parsed value of text fields for every split', () => {
    fc.assert(
      fc.property(values, cuts, (value, at) => {
        const completion = xml.formatCompletion(value, sig);
        const parsed = xml.parse(sig, completion);
        const { joined } = run(parser(), splitAt(completion, at));
        expect(joined.answer ?? '').toBe(parsed.answer);
        expect(joined.notes ?? '').toBe(parsed.notes);
        expect(Number(joined.score)).toBe(parsed.score);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes entities, keeps CDATA, drops comments and normalizes line ends, split anywhere', () => {
    const completion =
      'Sure.\n<answer>\r\n  a &amp; b &lt;c&gt; &#233;&#x1F916; <![CDATA[<raw> & ]]]]><!-- hidden --> end\r</answer>\n<score>7</score>';
    const expected = xml.parse(signature('question -> answer, score: int') as Signature, completion);
    for (let a = 0; a <= completion.length; a++) {
      for (let b = a; b <= completion.length; b += 5) {
        const chunks = [completion.slice(0, a), completion.slice(a, b), completion.slice(b)];
        const { joined } = run(parser(), chunks);
        expect(joined.answer).toBe(expected.answer);
        expect(joined.score).toBe('7');
      }
    }
    expect(run(parser(), perChar(completion)).joined.answer).toBe(expected.answer);
  });

  it('streams a nested field as its inner XML, trimmed', () => {
    const { joined } = run(parser(), ['<tags>\n  <item>a</item>\n  <item>b</item>\n</tags>']);
    expect(joined.tags).toBe('<item>a</item>\n  <item>b</item>');
  });

  it('streams text as it arrives, holding only a possible tag or entity', () => {
    const p = parser();
    expect(p.push('<answer>Par')).toEqual([{ field: 'answer', text: 'Par' }]);
    expect(p.push('is &am')).toEqual([{ field: 'answer', text: 'is' }]);
    expect(p.push('p; co</ans')).toEqual([{ field: 'answer', text: ' & co' }]);
    expect(p.push('wer>')).toEqual([]);
    expect(p.end()).toEqual([]);
  });
});

describe('adapter completions through the parsers', () => {
  it('round-trips formatCompletion of each adapter', () => {
    const sig = signature('question -> answer') as Signature;
    const chat = new ChatAdapter();
    const text = chat.formatCompletion({ answer: 'Paris\nFrance' }, sig);
    expect(run(new ChatStreamParser(['answer']), perChar(text)).joined).toEqual({ answer: 'Paris\nFrance' });
  });
});
