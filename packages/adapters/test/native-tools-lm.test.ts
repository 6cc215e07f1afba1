import {
  context,
  DummyLM,
  LM,
  Predict,
  type StreamEvent,
  signature,
  streamify,
  ToolCalls,
} from '@dspy-ts/core';
import { type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatAdapter, JSONAdapter } from '../src/index.js';
import { FIXTURE_TOOLS } from './helpers/agent-fixtures.js';

const Ask = signature(
  'question, tools: list[Tool] -> answer, tool_calls: ToolCalls',
  'Answer the question, calling tools when needed.',
);
const native = new ChatAdapter({ useNativeFunctionCalling: true });
const CALLS = [
  { id: 'call_1', name: 'get_weather', arguments: '{"city": "Paris"}' },
  { id: 'call_2', name: 'add', arguments: '{"a": 2, "b": 40}' },
];

const collect = async (events: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
};

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ chunkSize: 5 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const makeLm = () =>
  new LM('openai/test-model', { baseURL: server.url, apiKey: 'test-key', cache: false, numRetries: 0 });

describe('native function calling through the openai SDK', () => {
  it('sends the tools and turns the response tool_calls into the ToolCalls output', async () => {
    server.script({
      content: '[[ ## answer ## ]]\nLet me check.\n\n[[ ## completed ## ]]',
      toolCalls: CALLS,
    });
    const pred = await context({ lm: makeLm(), adapter: native }, () =>
      new Predict(Ask).call({ question: 'Weather in Paris, and 2 + 40?', tools: FIXTURE_TOOLS }),
    );
    expect(server.requests[0]!.body!.tools).toEqual(FIXTURE_TOOLS.map((tool) => tool.formatAsFunctionCall()));
    expect(pred.answer).toBe('Let me check.');
    expect(await (pred.tool_calls as ToolCalls).execute(FIXTURE_TOOLS)).toEqual([
      'The weather in Paris is sunny, 21 C.',
      42,
    ]);
  });

  it('reads tool calls from a streamed answer (streamify)', async () => {
    server.script({
      content: '[[ ## answer ## ]]\nLet me check.\n\n[[ ## completed ## ]]',
      toolCalls: CALLS,
    });
    const events = await context({ lm: makeLm(), adapter: native }, () =>
      collect(streamify(new Predict(Ask))({ question: 'q', tools: FIXTURE_TOOLS })),
    );
    const deltas = events.filter((event) => event.type === 'delta').map((event) => event.text);
    expect(deltas.join('')).toBe('Let me check.');
    const last = events.at(-1)!;
    expect(last.type).toBe('prediction');
    const calls = (last as unknown as { prediction: { tool_calls: ToolCalls } }).prediction.tool_calls;
    expect(calls.toolCalls.map((call) => call.name)).toEqual(['get_weather', 'add']);
  });

  it('answers with tool calls only (no text)', async () => {
    server.script({ content: '', toolCalls: CALLS.slice(1) });
    const pred = await context({ lm: makeLm(), adapter: new JSONAdapter() }, () =>
      new Predict(Ask).call({ question: 'q', tools: FIXTURE_TOOLS }),
    );
    expect(pred.answer).toBeNull();
    expect((pred.tool_calls as ToolCalls).toolCalls).toEqual([
      { id: 'call_2', name: 'add', args: { a: 2, b: 40 } },
    ]);
  });
});

describe('DummyLM tool calls', () => {
  it('answers a ToolCalls value as native tool calls when the request offers tools', async () => {
    const lm = new DummyLM([
      { answer: 'checking', tool_calls: new ToolCalls([{ name: 'add', args: { a: 1, b: 2 } }]) },
    ]);
    const pred = await context({ lm, adapter: native }, () =>
      new Predict(Ask).call({ question: 'q', tools: FIXTURE_TOOLS }),
    );
    expect(lm.history[0]!.toolCalls).toEqual([
      [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":1,"b":2}' } }],
    ]);
    expect(lm.history[0]!.outputs[0]).not.toContain('tool_calls');
    expect((pred.tool_calls as ToolCalls).toolCalls).toEqual([
      { id: 'call_1', name: 'add', args: { a: 1, b: 2 } },
    ]);
  });

  it('streams under streamify with the tool calls in the final prediction', async () => {
    const lm = new DummyLM([
      { answer: 'checking', tool_calls: new ToolCalls([{ name: 'add', args: { a: 1, b: 2 } }]) },
    ]);
    const events = await context({ lm, adapter: native }, () =>
      collect(streamify(new Predict(Ask))({ question: 'q', tools: FIXTURE_TOOLS })),
    );
    const last = events.at(-1) as unknown as { prediction: { tool_calls: ToolCalls } };
    expect(last.prediction.tool_calls.toolCalls[0]!.name).toBe('add');
  });
});
