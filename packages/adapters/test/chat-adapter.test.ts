import { AdapterParseError, type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { ChatAdapter } from '../src/index.js';

const chat = new ChatAdapter();
const QA = signature('question -> answer') as Signature;
const INT = signature('question -> answer: int') as Signature;
const COT = signature('question -> reasoning, answer') as Signature;

describe('ChatAdapter.parse', () => {
  it('reads sections with or without the completed marker', () => {
    expect(chat.parse(QA, '[[ ## answer ## ]]\nDSPy is a framework.\n\n[[ ## completed ## ]]')).toEqual({
      answer: 'DSPy is a framework.',
    });
    expect(chat.parse(INT, '[[ ## answer ## ]]\n42')).toEqual({ answer: 42 });
    expect(
      chat.parse(COT, '[[ ## reasoning ## ]]\nThink.\n\n[[ ## answer ## ]]\nX\n\n[[ ## completed ## ]]'),
    ).toEqual({
      reasoning: 'Think.',
      answer: 'X',
    });
  });

  it('keeps text on the header line and joins multi-line values', () => {
    expect(chat.parse(QA, '[[ ## answer ## ]] inline\nmore\n\nlast')).toEqual({
      answer: 'inline\nmore\n\nlast',
    });
  });

  it('names the field and keeps the raw completion when coercion fails', () => {
    const completion = '[[ ## answer ## ]]\nforty-two';
    const error = (() => {
      try {
        chat.parse(INT, completion);
      } catch (e) {
        return e as AdapterParseError;
      }
    })();
    expect(error).toBeInstanceOf(AdapterParseError);
    expect(error?.message).toMatch(
      /^Failed to parse field answer with value forty-two from the LM response\. Error message: /,
    );
    expect(error?.completion).toBe(completion);
    expect(error?.missingFields).toEqual(['answer']);
    expect(error?.adapterName).toBe('ChatAdapter');
  });

  it('fails the key check with the parsed part and the missing fields', () => {
    try {
      chat.parse(COT, '[[ ## reasoning ## ]]\nr');
      expect.unreachable();
    } catch (e) {
      const error = e as AdapterParseError;
      expect(error.message).toBe(
        'Adapter ChatAdapter failed to parse the LM response. \n\nLM Response: [[ ## reasoning ## ]]\nr \n\n' +
          'Expected to find output fields in the LM response: [reasoning, answer] \n\n' +
          'Actual output fields parsed from the LM response: [reasoning] \n\n',
      );
      expect(error.missingFields).toEqual(['answer']);
      expect(error.parsedResult).toEqual({ reasoning: 'r' });
    }
  });

  it('keeps the first of duplicated sections and ignores preamble, inputs and unknown names', () => {
    const text =
      'Sure!\n[[ ## question ## ]]\nq\n[[ ## answer ## ]]\nfirst\n[[ ## other ## ]]\nx\n[[ ## answer ## ]]\nsecond';
    expect(chat.parse(QA, text)).toEqual({ answer: 'first' });
  });

  it('does not treat mid-line, unspaced or wrong-case markers as headers', () => {
    expect(() => chat.parse(QA, 'The [[ ## answer ## ]] is 4')).toThrow(AdapterParseError);
    expect(() => chat.parse(QA, '[[## answer ##]]\n4')).toThrow(AdapterParseError);
    expect(() => chat.parse(QA, '[[ ## Answer ## ]]\n4')).toThrow(AdapterParseError);
  });

  it('parses an indented header correctly (deviation from DSPy, which leaks "]]" into the value)', () => {
    expect(chat.parse(INT, '  [[ ## answer ## ]]\n42')).toEqual({ answer: 42 });
  });

  it('accepts an empty str value and drops text after the completed marker', () => {
    expect(chat.parse(QA, '[[ ## answer ## ]]\n\n[[ ## completed ## ]]\ntrailing')).toEqual({ answer: '' });
  });

  it('fills a missing Optional output with null and a declared default', () => {
    expect(chat.parse(signature('q -> a, b: Optional[int]') as Signature, '[[ ## a ## ]]\nx')).toEqual({
      a: 'x',
      b: null,
    });
  });
});

describe('ChatAdapter.formatCompletion (DummyLM format)', () => {
  it('writes sections joined by a blank line without the completed marker', () => {
    expect(chat.formatCompletion({ reasoning: 'r', answer: 42, tags: ['a'] })).toBe(
      '[[ ## reasoning ## ]]\nr\n\n[[ ## answer ## ]]\n42\n\n[[ ## tags ## ]]\n["a"]',
    );
  });
});

describe('ChatAdapter system message details', () => {
  it('lists descriptions and constraints and indents multi-line instructions', async () => {
    const { z } = await import('zod');
    const { InputField, OutputField } = await import('@dspy-ts/core');
    const sig = signature({
      instructions: 'Answer questions.\n\nBe brief.\n  Indented line.',
      inputs: {
        context: InputField(z.array(z.string()), { desc: 'Relevant passages' }),
        question: InputField(),
      },
      outputs: {
        answer: OutputField({ desc: 'Short answer' }),
        confidence: OutputField(z.number().gte(0).lte(1)),
        label: OutputField(z.enum(['yes', 'no']), { desc: 'Verdict' }),
      },
    }) as unknown as Signature;
    const system = chat.format(sig, [], { question: 'q' })[0]!.content ?? '';
    expect(system).toContain(
      "Your input fields are:\n1. `context` (list[str]): Relevant passages\n2. `question` (str):\nYour output fields are:\n1. `answer` (str): Short answer\n2. `confidence` (float): \nConstraints: greater than or equal to: 0, less than or equal to: 1\n3. `label` (Literal['yes', 'no']): Verdict",
    );
    expect(
      system.endsWith(
        'In adhering to this structure, your objective is: \n        Answer questions.\n        \n        Be brief.\n          Indented line.',
      ),
    ).toBe(true);
    expect(system).toContain(
      '{label}        # note: the value you produce must exactly match (no extra characters) one of: yes; no',
    );
  });

  it('writes JSON-schema notes with pydantic titles and sorted keys', async () => {
    const { z } = await import('zod');
    const { OutputField, InputField } = await import('@dspy-ts/core');
    const Address = z.object({ street: z.string(), zip: z.string().optional() }).meta({ title: 'Address' });
    const Person = z
      .object({ name: z.string(), tags: z.array(z.string()), address: Address })
      .meta({ title: 'Person' });
    const sig = signature({
      inputs: { q: InputField() },
      outputs: { out: OutputField(Person) },
    }) as unknown as Signature;
    const system = chat.format(sig, [], { q: 'x' })[0]!.content;
    expect(system).toContain(
      '{out}        # note: the value you produce must adhere to the JSON schema: {"type": "object", "$defs": {"Address": {"type": "object", "properties": {"street": {"type": "string", "title": "Street"}, "zip": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "title": "Zip"}}, "required": ["street"], "title": "Address"}}, "properties": {"address": {"$ref": "#/$defs/Address"}, "name": {"type": "string", "title": "Name"}, "tags": {"type": "array", "items": {"type": "string"}, "title": "Tags"}}, "required": ["name", "tags", "address"], "title": "Person"}',
    );
  });

  it('renders demos incomplete-first, drops input-only demos and uses None for present nulls', () => {
    const sig = signature('question -> answer, source') as Signature;
    const messages = chat.format(
      sig,
      [
        { question: 'a', answer: '1', source: 's' },
        { question: 'b', answer: null },
        { question: 'only input' },
      ],
      { question: 'q' },
    );
    expect(messages.map((m) => (m.content ?? '').split('\n')[0])).toEqual([
      'Your input fields are:',
      'This is an example of the task, though some input or output fields are not supplied.',
      '[[ ## answer ## ]]',
      '[[ ## question ## ]]',
      '[[ ## answer ## ]]',
      '[[ ## question ## ]]',
    ]);
    expect(messages[2]!.content).toBe(
      '[[ ## answer ## ]]\nNone\n\n[[ ## source ## ]]\nNot supplied for this particular example.\n\n[[ ## completed ## ]]\n',
    );
  });

  it('accepts Examples (toDict) as demos and rejects a null history', async () => {
    const { Example, InputError } = await import('@dspy-ts/core');
    const messages = chat.format(QA, [new Example({ question: 'x', answer: 'y' })], { question: 'q' });
    expect(messages).toHaveLength(4);
    const hist = signature('question, history: History -> answer') as Signature;
    expect(() => chat.format(hist, [], { question: 'q', history: null })).toThrow(InputError);
    expect(() => chat.format(hist, [], { question: 'q', history: [] })).toThrow(InputError);
    expect(
      chat.format(hist, [], { question: 'q', history: { messages: [{ question: 'a' }] } })[2]!.content,
    ).toBe('[[ ## answer ## ]]\nNone\n\n[[ ## completed ## ]]\n');
  });
});

describe('ChatAdapter history formatting across calls', () => {
  const hist = signature('question, history: History -> answer') as Signature;

  it('formats a repeated history entry the same way and hands out fresh message objects', async () => {
    const { History } = await import('@dspy-ts/core');
    const adapter = new ChatAdapter();
    const history = new History([{ question: 'Capital of France?', answer: 'Paris' }]);
    const first = adapter.format(hist, [], { question: 'And Spain?', history });
    const second = adapter.format(hist, [], { question: 'And Spain?', history });
    expect(second).toEqual(first);
    expect(second[1]).not.toBe(first[1]);
    (second[1] as { content: string }).content = 'changed by a caller';
    expect(adapter.format(hist, [], { question: 'And Spain?', history })).toEqual(first);
  });

  it('formats a history entry again when a nested value changed in place', async () => {
    const { History } = await import('@dspy-ts/core');
    const adapter = new ChatAdapter();
    const tags = ['a'];
    const history = new History([{ question: tags, answer: 'Paris' }]);
    const before = adapter.format(hist, [], { question: 'q', history })[1]!.content;
    tags.push('b');
    const after = adapter.format(hist, [], { question: 'q', history })[1]!.content;
    expect(before).not.toContain('b');
    expect(after).toContain('b');
  });
});
