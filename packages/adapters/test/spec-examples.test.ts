import { readFileSync } from 'node:fs';
import { type ChatMessage, History, OutputField, type Signature, signature } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { type Adapter, ChatAdapter, JSONAdapter, XMLAdapter } from '../src/index.js';

interface SpecCase {
  signature: 'str' | 'int' | 'cot';
  adapter: 'ChatAdapter' | 'JSONAdapter' | 'XMLAdapter';
  case: 'a' | 'b' | 'c';
  title: string;
  messages: ChatMessage[];
}
const { cases } = JSON.parse(
  readFileSync(new URL('./fixtures/spec-section12.json', import.meta.url), 'utf8'),
) as {
  cases: SpecCase[];
};

const adapters: Record<SpecCase['adapter'], () => Adapter> = {
  ChatAdapter: () => new ChatAdapter(),
  JSONAdapter: () => new JSONAdapter(),
  XMLAdapter: () => new XMLAdapter(),
};

const build = (kind: SpecCase['signature'], withHistory: boolean): Signature => {
  const answer = kind === 'int' ? 'answer: int' : 'answer';
  const base = signature(`question${withHistory ? ', history: History' : ''} -> ${answer}`) as Signature;
  return kind === 'cot'
    ? (base.prepend('reasoning', OutputField({ desc: '${reasoning}' })) as Signature)
    : base;
};

const history = new History([
  { question: 'Hi', answer: 'Hello!' },
  { question: 'Who are you?', answer: 'An assistant.' },
]);

describe('worked examples captured from Python DSPy (Chat, JSON, XML; demos; history)', () => {
  it('has all 27 cases', () => expect(cases).toHaveLength(27));
  for (const c of cases) {
    it(`${c.adapter} on ${c.signature} (${c.case}) ${c.title}`, () => {
      const sig = build(c.signature, c.case === 'c');
      const demos = c.case === 'b' ? [{ question: '2+2?', answer: '4' }] : [];
      const inputs = c.case === 'c' ? { question: 'What is DSPy?', history } : { question: 'What is DSPy?' };
      const messages = adapters[c.adapter]().format(sig, demos, inputs);
      expect(messages).toEqual(c.messages);
    });
  }
});
