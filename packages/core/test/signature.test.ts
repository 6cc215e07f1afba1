import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { History, InputField, OutputField, SignatureError, signature } from '../src/index.js';
import { inferPrefix } from '../src/internal.js';

describe('signature strings', () => {
  it('parses names, types and order', () => {
    const sig = signature('context: list[str], question: str -> answer: int');
    expect(Object.keys(sig.inputFields)).toEqual(['context', 'question']);
    expect(Object.keys(sig.outputFields)).toEqual(['answer']);
    expect(sig.inputFields.context!.typeName).toBe('list[str]');
    expect(sig.outputFields.answer!.typeName).toBe('int');
    expect(String(sig)).toBe('context, question -> answer');
  });

  it('ignores whitespace, newlines and a trailing comma', () => {
    const sig = signature('\ta,\n b , -> c,');
    expect(Object.keys(sig.fields)).toEqual(['a', 'b', 'c']);
    expect(Object.keys(signature('question->answer').fields)).toEqual(['question', 'answer']);
  });

  it('allows an empty input side', () => {
    expect(Object.keys(signature('-> answer').inputFields)).toEqual([]);
    expect(signature('-> b').instructions).toBe('Given the fields , produce the fields `b`.');
  });

  it('rejects a signature without output fields, naming the fix', () => {
    expect(() => signature('question -> ')).toThrow(SignatureError);
    expect(() => signature('question ->')).toThrow(/no output fields.*'question -> answer'/);
  });

  it('computes the default instructions once', () => {
    const sig = signature('context, question -> answer');
    expect(sig.instructions).toBe('Given the fields `context`, `question`, produce the fields `answer`.');
    const cot = sig.prepend('reasoning', OutputField({ desc: '${reasoning}' }));
    expect(cot.instructions).toBe(sig.instructions);
    expect(Object.keys(cot.outputFields)).toEqual(['reasoning', 'answer']);
  });

  it('treats empty instructions as the default and cleans indented text', () => {
    expect(signature('q -> a', '').instructions).toBe('Given the fields `q`, produce the fields `a`.');
    expect(signature('q -> a', '\n   Answer well.\n     Be brief.\n').instructions).toBe(
      'Answer well.\n  Be brief.',
    );
  });

  it('flags untyped inputs only', () => {
    const sig = signature('a, b: str -> c');
    expect(sig.inputFields.a!.isTypeUndefined).toBe(true);
    expect(sig.inputFields.b!.isTypeUndefined).toBe(false);
    expect(sig.outputFields.c!.isTypeUndefined).toBe(false);
  });

  it.each([
    ['Optional[str]', 'Union[str, NoneType]'],
    ['str | None', 'Union[str, NoneType]'],
    ['None | int', 'Union[int, NoneType]'],
    ["Literal['yes', 'no']", "Literal['yes', 'no']"],
    [`Literal["it's", 'a']`, `Literal["it's", 'a']`],
    ['dict[str, int]', 'dict[str, int]'],
    ['list [str]', 'list[str]'],
    ['History', 'History'],
    ['dspy.History', 'History'],
    ['tuple[int, str]', 'tuple[int, str]'],
    ['Any', 'Any'],
    ['bool', 'bool'],
  ])('renders %s as %s', (written, shown) => {
    expect(signature(`x: ${written} -> y`).inputFields.x!.typeName).toBe(shown);
  });

  it('builds zod schemas that validate values', () => {
    const sig = signature("a: list[int], b: Literal['x', 'y'], c: Optional[float], d: dict[str, bool] -> e");
    const f = sig.inputFields;
    expect(f.a!.schema.safeParse([1, 2]).success).toBe(true);
    expect(f.a!.schema.safeParse(['1']).success).toBe(false);
    expect(f.b!.schema.safeParse('x').success).toBe(true);
    expect(f.b!.schema.safeParse('z').success).toBe(false);
    expect(f.c!.schema.safeParse(null).success).toBe(true);
    expect(f.d!.schema.safeParse({ k: true }).success).toBe(true);
  });

  it('marks History fields', () => {
    const sig = signature('history: History, question -> answer');
    expect(sig.inputFields.history!.isHistory).toBe(true);
    expect(sig.inputFields.history!.schema).toBe(History.schema);
  });

  it('uses customTypes with their meta title or key', () => {
    const Person = z.object({ name: z.string() });
    expect(signature('p: Person -> q', { customTypes: { Person } }).inputFields.p!.typeName).toBe('Person');
    const Titled = z.object({ name: z.string() }).meta({ title: 'Human' });
    expect(signature('p: Person -> q', { customTypes: { Person: Titled } }).inputFields.p!.typeName).toBe(
      'Human',
    );
  });

  describe('rejects bad strings with SignatureError', () => {
    it.each([
      ['question answer', "must contain exactly one '->'"],
      ['a -> b -> c', "must contain exactly one '->'"],
      ['a, a -> b', "Duplicate field 'a'"],
      ['a -> a', "distinct names, but found duplicates: 'a'"],
      ['a,,b -> c', 'Empty field'],
      ['1a -> c', "Invalid field name '1a'"],
      ['a-b -> c', "Invalid field name 'a-b'"],
      ['a b -> c', "Invalid field name 'a b'"],
      ['class -> b', "Invalid field name 'class'"],
      ['a: Foo -> b', 'Unknown name: Foo'],
      ['a: list[Foo] -> b', 'Unknown name: Foo'],
      ["a: str = 'x' -> b", 'Default values are not supported'],
      ['*rest -> b', 'Unsupported'],
      ["a: 'str' -> b", 'Field types must be types'],
      ['a: Optional[str, int] -> b', 'Optional must have exactly one type argument'],
      ['a: list[str -> b', "Expected ']'"],
      ['a: -> b', 'Missing type'],
    ])('%s', (text, message) => {
      expect(() => signature(text)).toThrow(SignatureError);
      expect(() => signature(text)).toThrow(message);
    });
  });
});

describe('object signatures', () => {
  const Typed = signature({
    instructions: 'Classify the review.',
    inputs: { review: InputField(z.string(), { desc: 'raw review text' }) },
    outputs: { label: OutputField(z.enum(['pos', 'neg'])), score: OutputField(z.number().min(0).max(1)) },
  });

  it('keeps descriptions, instructions and type names', () => {
    expect(Typed.instructions).toBe('Classify the review.');
    expect(Typed.inputFields.review!.desc).toBe('raw review text');
    expect(Typed.outputFields.label!.typeName).toBe("Literal['pos', 'neg']");
    expect(Typed.outputFields.score!.typeName).toBe('float');
    expect(Typed.outputFields.label!.desc).toBe('${label}');
    expect(Typed.outputFields.label!.prefix).toBe('Label:');
  });

  it('renders numeric constraints as DSPy text', () => {
    expect(Typed.outputFields.score!.constraints).toBe(
      'greater than or equal to: 0, less than or equal to: 1',
    );
  });

  it('rejects a field declared on the wrong side', () => {
    expect(() => signature({ inputs: { a: OutputField() }, outputs: {} } as never)).toThrow(SignatureError);
  });
});

describe('signature operations', () => {
  const base = signature('question -> answer');

  it('never mutates the original', () => {
    const more = base.append('context', InputField()).withInstructions('New.');
    expect(Object.keys(base.fields)).toEqual(['question', 'answer']);
    expect(Object.keys(more.inputFields)).toEqual(['question', 'context']);
    expect(base.instructions).toBe('Given the fields `question`, produce the fields `answer`.');
    expect(Object.isFrozen(base)).toBe(true);
  });

  it('inserts with negative indexes and rejects out-of-range ones with DSPy text', () => {
    const sig = base.insert(-1, 'b', OutputField()).insert(0, 'a', OutputField());
    expect(Object.keys(sig.outputFields)).toEqual(['a', 'answer', 'b']);
    expect(() => base.insert(5, 'x', InputField())).toThrow(
      'Invalid index to insert: 5, index must be in the range of [0, 1] for input fields, but received: 5.',
    );
  });

  it('refuses to insert an existing name (Python silently replaces it)', () => {
    expect(() => base.append('answer', OutputField())).toThrow(SignatureError);
  });

  it('deletes fields, ignoring unknown names', () => {
    expect(Object.keys(base.delete('answer').fields)).toEqual(['question']);
    expect(Object.keys(base.delete('nope').fields)).toEqual(['question', 'answer']);
  });

  it('updates field metadata and type', () => {
    const sig = base.withUpdatedFields('answer', { desc: 'short', schema: z.int() });
    expect(sig.outputFields.answer!.desc).toBe('short');
    expect(sig.outputFields.answer!.typeName).toBe('int');
    expect(sig.outputFields.answer!.prefix).toBe('Answer:');
  });

  it('compares with equals on metadata, not types or order', () => {
    expect(base.equals(signature('question -> answer: int'))).toBe(true);
    expect(base.equals(base.withInstructions('x'))).toBe(false);
    expect(base.equals(base.withUpdatedFields('answer', { desc: 'd' }))).toBe(false);
  });

  it('dumps and loads state positionally', () => {
    const state = base
      .withInstructions('Be terse.')
      .withUpdatedFields('answer', { prefix: 'A:' })
      .dumpState();
    expect(state).toEqual({
      instructions: 'Be terse.',
      fields: [
        { prefix: 'Question:', description: '${question}' },
        { prefix: 'A:', description: '${answer}' },
      ],
    });
    const loaded = base.loadState(state);
    expect(loaded.instructions).toBe('Be terse.');
    expect(loaded.outputFields.answer!.prefix).toBe('A:');
  });
});

describe('inferPrefix', () => {
  it.each([
    ['camelCaseText', 'Camel Case Text'],
    ['snake_case_text', 'Snake Case Text'],
    ['text2number', 'Text 2 Number'],
    ['HTMLParser', 'HTML Parser'],
    ['HTTPResponseCode', 'HTTP Response Code'],
    ['myURL', 'My URL'],
    ['URL', 'URL'],
    ['sql_query2', 'Sql Query 2'],
    ['answer_1', 'Answer 1'],
    ['a', 'A'],
    ['_private', ' Private'],
    ['x_y__z', 'X Y  Z'],
  ])('%s -> %s', (name, prefix) => {
    expect(inferPrefix(name)).toBe(prefix);
  });
});

describe('zod 3 schemas', () => {
  it('accepts zod/v3 schemas in fields with their Python type names', async () => {
    const { z: z3 } = await import('zod/v3');
    const sig = signature({
      inputs: { tags: InputField(z3.array(z3.string()), { desc: 'tags' }) },
      outputs: {
        count: OutputField(z3.number().int()),
        label: OutputField(z3.enum(['a', 'b'])),
        note: OutputField(z3.string().nullable()),
      },
    });
    expect(sig.inputFields.tags!.typeName).toBe('list[str]');
    expect(sig.inputFields.tags!.isTypeUndefined).toBe(false);
    expect(sig.outputFields.count!.typeName).toBe('int');
    expect(sig.outputFields.label!.typeName).toBe("Literal['a', 'b']");
    expect(sig.outputFields.note!.typeName).toBe('Union[str, NoneType]');
    expect(sig.outputFields.count!.schema.safeParse(3).success).toBe(true);
  });
});
