import { AdapterParseError, InputField, OutputField, type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { XMLAdapter } from '../src/index.js';

const xml = new XMLAdapter();
const Address = z.object({ street: z.string(), zip: z.string().nullable() }).meta({ title: 'Address' });
const Person = z
  .object({ name: z.string(), tags: z.array(z.string()), address: Address })
  .meta({ title: 'Person' });
const NESTED = signature({
  inputs: { q: InputField() },
  outputs: { tags: OutputField(z.array(z.string())), person: OutputField(Person) },
}) as unknown as Signature;

describe('XMLAdapter.parse', () => {
  it('reads stripped text, decoded entities and CDATA', () => {
    expect(xml.parse(signature('q -> answer: int') as Signature, '<answer> 42 </answer>')).toEqual({
      answer: 42,
    });
    expect(xml.parse(signature('q -> r') as Signature, '<r>\nr &amp; s\n</r>')).toEqual({ r: 'r & s' });
    expect(xml.parse(signature('q -> a') as Signature, '<a><![CDATA[x < y]]></a>')).toEqual({ a: 'x < y' });
  });

  it('ignores surrounding prose and code fences', () => {
    expect(xml.parse(signature('q -> a: int') as Signature, 'Here:\n```xml\n<a>\n4\n</a>\n```')).toEqual({
      a: 4,
    });
  });

  it('turns a repeated tag for a str field into the Python text of a list (DSPy quirk)', () => {
    expect(xml.parse(signature('q -> a') as Signature, '<a>one</a><a>two</a>')).toEqual({
      a: "['one', 'two']",
    });
  });

  it('reads lists from <item> children or from JSON text', () => {
    const sig = signature('q -> tags: list[str]') as Signature;
    expect(xml.parse(sig, '<tags><item>a</item><item>b</item></tags>')).toEqual({ tags: ['a', 'b'] });
    expect(xml.parse(sig, '<tags>["a", "b"]</tags>')).toEqual({ tags: ['a', 'b'] });
    expect(xml.parse(sig, '<tags></tags>')).toEqual({ tags: [] });
  });

  it('reads nested models, with an empty Optional as null', () => {
    const text =
      '<tags><item>x</item></tags><person><name>A&amp;B</name><tags><item>t</item></tags><address><street>S</street><zip /></address></person>';
    expect(xml.parse(NESTED, text)).toEqual({
      tags: ['x'],
      person: { name: 'A&B', tags: ['t'], address: { street: 'S', zip: null } },
    });
  });

  it('keeps inner markup of a str field that has child elements', () => {
    expect(xml.parse(signature('q -> a') as Signature, '<a>r <b>bold</b> end</a>')).toEqual({
      a: 'r <b>bold</b> end',
    });
  });

  it('fails on malformed XML with the parser message', () => {
    expect(() => xml.parse(signature('q -> answer') as Signature, '<answer>a & b</answer>')).toThrow(
      /^Failed to parse XML: /,
    );
    expect(() => xml.parse(signature('q -> answer') as Signature, '<answer>a</wrong>')).toThrow(
      AdapterParseError,
    );
  });

  it('names the field whose value has the wrong type, and fills a missing Optional with null', () => {
    expect(() => xml.parse(signature('q -> a: int') as Signature, '<a>x</a>')).toThrow(
      /^Failed to parse field a with value x: /,
    );
    expect(xml.parse(signature('q -> a, b: Optional[int]') as Signature, '<a>x</a>')).toEqual({
      a: 'x',
      b: null,
    });
  });
});

describe('XMLAdapter formatting', () => {
  it('writes nested outputs as elements and escapes only str outputs', () => {
    const messages = xml.format(
      NESTED,
      [
        {
          q: 'a < b & c',
          tags: ['a', 'b<c'],
          person: { name: 'A&B', tags: [], address: { street: 'S', zip: null } },
        },
      ],
      { q: 'x' },
    );
    expect(messages[1]!.content).toBe('<q>\na < b & c\n</q>');
    expect(messages[2]!.content).toBe(
      '<tags><item>a</item><item>b&lt;c</item></tags>\n\n<person><name>A&amp;B</name><tags /><address><street>S</street><zip /></address></person>',
    );
    expect(
      xml.format(signature('q -> a') as Signature, [{ q: 'x', a: 'R&D <x>' }], { q: 'y' })[2]!.content,
    ).toBe('<a>\nR&amp;D &lt;x>\n</a>');
  });

  it('shows nested skeletons in the structure and the requirements', () => {
    const [system, user] = xml.format(NESTED, [], { q: 'x' });
    expect(system!.content).toContain(
      '<q>\n{q}\n</q>\n\n<tags><item>...</item></tags>\n\n<person><name>...</name><tags><item>...</item></tags><address><street>...</street><zip>...</zip></address></person>\nIn adhering',
    );
    expect(user!.content).toBe(
      '<q>\nx\n</q>\n\nRespond with the corresponding output fields wrapped in XML tags `<tags>`, then `<person>`. Use this nested XML structure: <tags><item>...</item></tags> <person><name>...</name><tags><item>...</item></tags><address><street>...</street><zip>...</zip></address></person>',
    );
  });

  it('writes dict keys that are not identifiers as <entry key=...>', () => {
    const sig = signature('q -> d: dict[str, int]') as Signature;
    expect(xml.format(sig, [{ q: 'x', d: { ok: 1, 'a b': 2, 'x-y': 3 } }], { q: 'y' })[2]!.content).toBe(
      '<d><ok>1</ok><entry key="a b">2</entry><x-y>3</x-y></d>',
    );
    expect(xml.parse(sig, '<d><ok>1</ok><entry key="a b">2</entry></d>')).toEqual({ d: { ok: 1, 'a b': 2 } });
  });

  it('formats completions that parse back, escaping text', () => {
    const sig = signature('q -> a, tags: list[str]') as Signature;
    const text = xml.formatCompletion({ a: 'x & <y>', tags: ['p', 'q'] });
    expect(text).toBe('<a>\nx &amp; &lt;y&gt;\n</a>\n\n<tags><item>p</item><item>q</item></tags>');
    expect(xml.parse(sig, text)).toEqual({ a: 'x & <y>', tags: ['p', 'q'] });
  });
});
