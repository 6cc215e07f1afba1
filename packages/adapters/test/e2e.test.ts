import { readFileSync } from 'node:fs';
import { ChainOfThought, type ChatMessage, context, History, LM, Predict } from '@dspy-ts/core';
import { type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Adapter, ChatAdapter, JSONAdapter, TemplateAdapter, XMLAdapter } from '../src/index.js';

// End to end: Predict + the real LM client (openai SDK) against a local OpenAI-compatible server.
// The server records the exact request bodies; the expected messages are the ones Python DSPy 3.3.1 sends.
interface SpecCase {
  signature: 'str' | 'int' | 'cot';
  adapter: string;
  case: 'a' | 'b' | 'c';
  messages: ChatMessage[];
}
const { cases } = JSON.parse(
  readFileSync(new URL('./fixtures/spec-section12.json', import.meta.url), 'utf8'),
) as {
  cases: SpecCase[];
};
const expected = (adapter: string, sig: SpecCase['signature'], c: SpecCase['case']) =>
  cases.find((x) => x.adapter === adapter && x.signature === sig && x.case === c)!.messages;

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const makeLm = () =>
  new LM('openai/test-model', { baseURL: server.url, apiKey: 'test-key', cache: false, numRetries: 0 });
const run = <T>(adapter: Adapter, fn: (lm: LM) => Promise<T>) => {
  const lm = makeLm();
  return context({ lm, adapter }, () => fn(lm));
};
const sentMessages = (i = 0) => server.requests[i]!.body!.messages as ChatMessage[];
const demo = { question: '2+2?', answer: '4' };

describe('Predict + LM against a local OpenAI-compatible server', () => {
  it('ChatAdapter sends DSPy messages and parses the typed answer', async () => {
    server.script('[[ ## answer ## ]]\n42\n\n[[ ## completed ## ]]');
    const predict = new Predict('question -> answer: int');
    predict.demos = [demo];
    const prediction = await run(new ChatAdapter(), () => predict.call({ question: 'What is DSPy?' }));
    expect(prediction.answer).toBe(42);
    expect(server.requestCount).toBe(1);
    expect(sentMessages()).toEqual(expected('ChatAdapter', 'int', 'b'));
    expect(server.requests[0]!.body).not.toHaveProperty('response_format');
  });

  it('ChatAdapter falls back to JSONAdapter with structured outputs after a bad answer', async () => {
    server.script('I think it is forty-two.', '{"answer": 42}');
    const predict = new Predict('question -> answer: int');
    const prediction = await run(new ChatAdapter(), () => predict.call({ question: 'What is DSPy?' }));
    expect(prediction.answer).toBe(42);
    expect(server.requestCount).toBe(2);
    expect(sentMessages(1)).toEqual(expected('JSONAdapter', 'int', 'a'));
    expect(server.requests[1]!.body!.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'DSPyProgramOutputs',
        strict: true,
        schema: {
          type: 'object',
          properties: { answer: { type: 'integer', title: 'Answer' } },
          required: ['answer'],
          additionalProperties: false,
          title: 'DSPyProgramOutputs',
        },
      },
    });
  });

  it('JSONAdapter runs ChainOfThought with history', async () => {
    server.script('{"reasoning": "It is a framework.", "answer": "A framework"}');
    const cot = new ChainOfThought('question, history: History -> answer');
    const history = new History([
      { question: 'Hi', answer: 'Hello!' },
      { question: 'Who are you?', answer: 'An assistant.' },
    ]);
    const prediction = await run(new JSONAdapter(), () => cot.call({ question: 'What is DSPy?', history }));
    expect(prediction.reasoning).toBe('It is a framework.');
    expect(prediction.answer).toBe('A framework');
    expect(sentMessages()).toEqual(expected('JSONAdapter', 'cot', 'c'));
    expect((server.requests[0]!.body!.response_format as { type: string }).type).toBe('json_schema');
  });

  it('XMLAdapter sends DSPy messages and parses the tags', async () => {
    server.script('<reasoning>\nSimple.\n</reasoning>\n\n<answer>\nA framework\n</answer>');
    const cot = new ChainOfThought('question -> answer');
    cot.predict.demos = [demo];
    const prediction = await run(new XMLAdapter(), () => cot.call({ question: 'What is DSPy?' }));
    expect(prediction.answer).toBe('A framework');
    expect(sentMessages()).toEqual(expected('XMLAdapter', 'cot', 'b'));
  });

  it('TemplateAdapter sends exactly the rendered templates', async () => {
    server.script(' 42\n');
    const adapter = new TemplateAdapter({
      messages: [
        { role: 'system', content: '{instruction}' },
        { role: 'user', content: 'Question: {question}' },
      ],
      parseMode: 'full_text',
    });
    const predict = new Predict('question -> answer: int');
    predict.demos = [demo];
    const prediction = await run(adapter, () => predict.call({ question: 'What is DSPy?' }));
    expect(prediction.answer).toBe(42);
    expect(sentMessages()).toEqual([
      { role: 'system', content: 'Given the fields `question`, produce the fields `answer`.' },
      { role: 'user', content: 'question: 2+2?' },
      { role: 'assistant', content: '4' },
      { role: 'user', content: 'Question: What is DSPy?' },
    ]);
  });
});
