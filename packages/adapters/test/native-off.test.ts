import { ChatAdapter, JSONAdapter } from '@dspy-ts/adapters';
import { context, Predict, signature, type ToolCalls } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import {
  asFixtureValue,
  FIXTURE_TOOLS,
  type LmCall,
  loadAgentFixture,
  RecordingLM,
} from './helpers/agent-fixtures.js';

// Generated with the real Python DSPy 3.3.1 (fixtures/agents/native_off__generated.py): native
// function calling off, so the tools and the tool calls stay in the prompt as text.
type Case = { result: Record<string, unknown>; lm_calls: LmCall[] };
const fixture = loadAgentFixture<{ chat_off: Case; json_off: Case }>('native_off__generated');

const NativeSig = signature(
  'question, tools: list[Tool] -> answer, tool_calls: ToolCalls',
  'Answer the question, calling tools when needed.',
);

describe('tool calls as text, native calling off (generated fixture native_off__generated)', () => {
  const cases = [
    ['chat_off', new ChatAdapter({ useNativeFunctionCalling: false }), fixture.chat_off],
    ['json_off', new JSONAdapter({ useNativeFunctionCalling: false }), fixture.json_off],
  ] as const;
  for (const [name, adapter, expected] of cases) {
    it(`${name}: shows the tools and the ToolCalls format in the prompt, parses the calls from text`, async () => {
      const completion =
        name === 'chat_off'
          ? '[[ ## answer ## ]]\nLet me check.\n\n[[ ## tool_calls ## ]]\n{"tool_calls": [{"name": "get_weather", "args": {"city": "Paris"}}]}\n\n[[ ## completed ## ]]'
          : '{"answer": "Let me check.", "tool_calls": {"tool_calls": [{"name": "get_weather", "args": {"city": "Paris"}}]}}';
      const lm = new RecordingLM([completion], { functionCalling: true });
      const pred = await context({ lm, adapter }, () =>
        new Predict(NativeSig).call({ question: 'Weather in Paris, and 2 + 40?', tools: FIXTURE_TOOLS }),
      );
      expect(lm.calls).toEqual(expected.lm_calls);
      expect(pred.answer).toBe(expected.result.answer);
      expect(asFixtureValue(pred.tool_calls as ToolCalls)).toEqual(expected.result.tool_calls);
    });
  }
});
