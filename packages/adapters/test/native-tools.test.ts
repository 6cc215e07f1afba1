import { ChatAdapter, JSONAdapter } from '@dspy-ts/adapters';
import { ConfigurationError, context, History, Predict, signature, ToolCalls } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import {
  asFixtureValue,
  FIXTURE_TOOLS,
  type FixtureCompletion,
  type LmCall,
  loadAgentFixture,
  RecordingLM,
} from './helpers/agent-fixtures.js';

interface NativeFixture {
  inputs: { question: string };
  lm_completions: FixtureCompletion[];
  result: Record<string, unknown>;
  lm_calls: LmCall[];
}

const NativeSig = signature(
  'question, tools: list[Tool] -> answer, tool_calls: ToolCalls',
  'Answer the question, calling tools when needed.',
);

describe('native function calling (fixture native__chat_on_tool_calls)', () => {
  const fixture = loadAgentFixture<NativeFixture>('native__chat_on_tool_calls');

  it('sends the tools in the request, not the prompt, and parses the tool calls', async () => {
    const lm = new RecordingLM(fixture.lm_completions, { functionCalling: true });
    const pred = await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      new Predict(NativeSig).call({ question: fixture.inputs.question, tools: FIXTURE_TOOLS }),
    );
    expect(lm.calls).toEqual(fixture.lm_calls);
    expect(pred.answer).toBe(fixture.result.answer);
    expect(asFixtureValue(pred.tool_calls)).toEqual(fixture.result.tool_calls);
    expect((pred.tool_calls as ToolCalls).toolCalls.map((call) => call.id)).toEqual(['call_1', 'call_2']);
    expect(await (pred.tool_calls as ToolCalls).execute(FIXTURE_TOOLS)).toEqual([
      'The weather in Paris is sunny, 21 C.',
      42,
    ]);
  });

  it('keeps tools and tool calls in the prompt when the model cannot call functions', async () => {
    const lm = new RecordingLM([
      '[[ ## answer ## ]]\nLet me check.\n\n[[ ## tool_calls ## ]]\n{"tool_calls": [{"name": "add", "args": {"a": 1, "b": 2}}]}\n\n[[ ## completed ## ]]',
    ]);
    const pred = await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      new Predict(NativeSig).call({ question: 'q', tools: FIXTURE_TOOLS }),
    );
    expect(lm.calls[0]!.kwargs.tools).toBeUndefined();
    expect(lm.calls[0]!.messages[1]!.content).toContain('[[ ## tools ## ]]');
    expect((pred.tool_calls as ToolCalls).toolCalls).toEqual([{ name: 'add', args: { a: 1, b: 2 } }]);
  });

  it('answers with a null ToolCalls when the model calls no tool', async () => {
    const lm = new RecordingLM(['[[ ## answer ## ]]\nNo tools needed.\n\n[[ ## completed ## ]]'], {
      functionCalling: true,
    });
    const pred = await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      new Predict(NativeSig).call({ question: 'q', tools: FIXTURE_TOOLS }),
    );
    expect(pred.answer).toBe('No tools needed.');
    expect(pred.tool_calls).toBeNull();
  });

  it('works the same through JSONAdapter', async () => {
    const lm = new RecordingLM(
      [
        {
          text: '{"answer": "Let me check."}',
          tool_calls: [{ id: 'c1', name: 'add', arguments: '{"a": 2, "b": 40}' }],
        },
      ],
      {
        functionCalling: true,
      },
    );
    const pred = await context({ lm, adapter: new JSONAdapter() }, () =>
      new Predict(NativeSig).call({ question: 'q', tools: FIXTURE_TOOLS }),
    );
    expect(lm.calls[0]!.kwargs.tools).toEqual(FIXTURE_TOOLS.map((tool) => tool.formatAsFunctionCall()));
    expect(lm.calls[0]!.messages[0]!.content).not.toContain('tool_calls');
    expect(pred.answer).toBe('Let me check.');
    expect((pred.tool_calls as ToolCalls).toolCalls).toEqual([
      { id: 'c1', name: 'add', args: { a: 2, b: 40 } },
    ]);
  });

  it('rejects a ToolCalls output without a tools input', async () => {
    const lm = new RecordingLM(['x'], { functionCalling: true });
    await expect(
      context(
        { lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true, useJsonAdapterFallback: false }) },
        () => new Predict('question -> tool_calls: ToolCalls').call({ question: 'q' }),
      ),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });
});

interface HistoryFixture {
  history: Record<string, unknown>[];
  inputs: { question: string };
  result: Record<string, unknown>;
  lm_calls: LmCall[];
}

describe('History with tool calls (fixture history_tools__chat_native)', () => {
  const fixture = loadAgentFixture<HistoryFixture>('history_tools__chat_native');
  const HistSig = signature('question, tools: list[Tool], history: History -> answer, tool_calls: ToolCalls');
  // The fixture records ToolCalls as DSPy serializes them (ids dropped); the calls had ids call_1, call_2.
  const first = fixture.history[0]!;
  const calls = new ToolCalls([
    { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } },
    { id: 'call_2', name: 'add', args: { a: 2, b: 40 } },
  ]).withResults(['The weather in Paris is sunny, 21 C.', 42]);
  const history = new History([{ ...first, tool_calls: calls }, fixture.history[1]!]);

  it('replays the calls natively: assistant tool_calls, then one tool message per result', async () => {
    const lm = new RecordingLM(['[[ ## answer ## ]]\nIt is 42.\n\n[[ ## completed ## ]]'], {
      functionCalling: true,
    });
    const pred = await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      new Predict(HistSig).call({ question: fixture.inputs.question, tools: FIXTURE_TOOLS, history }),
    );
    expect(lm.calls).toEqual(fixture.lm_calls);
    expect(pred.answer).toBe(fixture.result.answer);
    expect(pred.tool_calls).toBeNull();
  });

  it('reads the saved form of ToolCalls in a history message', async () => {
    const lm = new RecordingLM(['[[ ## answer ## ]]\nIt is 42.\n\n[[ ## completed ## ]]'], {
      functionCalling: true,
    });
    const saved = new History(JSON.parse(JSON.stringify(history.messages)));
    await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      new Predict(HistSig).call({ question: fixture.inputs.question, tools: FIXTURE_TOOLS, history: saved }),
    );
    expect(lm.calls[0]!.messages).toEqual(fixture.lm_calls[0]!.messages);
  });

  it('drops the results when they do not answer the calls by id', async () => {
    const lm = new RecordingLM(['[[ ## answer ## ]]\nok\n\n[[ ## completed ## ]]'], {
      functionCalling: true,
    });
    const unmatched = new ToolCalls(calls.toolCalls, {
      results: [
        { callId: 'other', name: 'get_weather', value: 'x' },
        { callId: 'call_2', name: 'add', value: 42 },
      ],
    });
    await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      new Predict(HistSig).call({
        question: 'q',
        tools: FIXTURE_TOOLS,
        history: new History([{ ...first, tool_calls: unmatched }]),
      }),
    );
    const roles = lm.calls[0]!.messages.map((message) => message.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'user']);
    expect(lm.calls[0]!.messages[2]!.tool_calls).toBeUndefined();
  });
});

describe('demos with tool calls (beyond DSPy)', () => {
  it('replays a demo that ran tools natively, so the model sees real tool use', async () => {
    const lm = new RecordingLM(['[[ ## answer ## ]]\nok\n\n[[ ## completed ## ]]'], {
      functionCalling: true,
    });
    const demo = {
      question: 'Weather in Paris?',
      answer: 'Sunny.',
      tool_calls: new ToolCalls([{ id: 'call_9', name: 'get_weather', args: { city: 'Paris' } }]).withResults(
        ['The weather in Paris is sunny, 21 C.'],
      ),
    };
    const predict = new Predict(NativeSig);
    predict.demos = [demo];
    await context({ lm, adapter: new ChatAdapter({ useNativeFunctionCalling: true }) }, () =>
      predict.call({ question: 'q', tools: FIXTURE_TOOLS }),
    );
    const messages = lm.calls[0]!.messages;
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(messages[2]).toMatchObject({
      content: '[[ ## answer ## ]]\nSunny.\n\n[[ ## completed ## ]]\n',
      tool_calls: [
        { id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
      ],
    });
    expect(messages[3]).toEqual({
      role: 'tool',
      tool_call_id: 'call_9',
      name: 'get_weather',
      content: 'The weather in Paris is sunny, 21 C.',
    });
  });
});
