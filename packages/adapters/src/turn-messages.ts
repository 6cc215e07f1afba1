import {
  type ChatMessage,
  type Demo,
  InputField,
  signature as makeSignature,
  type Signature,
  ToolCalls,
} from '@dspy-ts/core';
import { matchedResults, nativeToolMessages, toolCallsOf, toolResultsValue } from './history-tools.js';
import {
  classifyDemos,
  INCOMPLETE_DEMO_PREFIX,
  NOT_SUPPLIED,
  NOT_SUPPLIED_HISTORY,
  type UserContentOptions,
} from './layout.js';

type Values = Readonly<Record<string, unknown>>;

/**
 * Demos and history turns as user / assistant messages (DSPy's `format_demos` and
 * `format_conversation_history`), written by an adapter's own message content methods.
 */
export interface MessageWriter {
  readonly useNativeFunctionCalling: boolean;
  formatUserMessageContent(signature: Signature, values: Values, options?: UserContentOptions): string;
  formatAssistantMessageContent(signature: Signature, values: Values, missingFieldMessage?: string): string;
}

/** How DSPy shows tool results without native calling: one `tool_call_results` input. */
const TOOL_RESULTS_SIGNATURE = makeSignature({
  inputs: { tool_call_results: InputField({ desc: '${tool_call_results}' }) },
  outputs: {},
});

/** The demos as message pairs: incomplete ones first, with their prefix; the rest are dropped. */
export function demoMessages(
  writer: MessageWriter,
  signature: Signature,
  demos: readonly Demo[],
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const { incomplete, complete } = classifyDemos(signature, demos);
  for (const demo of incomplete) {
    messages.push({
      role: 'user',
      content: writer.formatUserMessageContent(signature, demo, { prefix: INCOMPLETE_DEMO_PREFIX }),
    });
    messages.push({
      role: 'assistant',
      content: writer.formatAssistantMessageContent(signature, demo, NOT_SUPPLIED),
    });
  }
  for (const demo of complete) {
    messages.push({ role: 'user', content: writer.formatUserMessageContent(signature, demo) });
    // Beyond DSPy: under native calling, a demo that ran tools (a recorded turn) shows its real
    // tool calls and results, as history does, so a compiled agent's demos teach tool use.
    const calls = writer.useNativeFunctionCalling ? toolCallsOf(demo)?.[1] : undefined;
    if (calls && matchedResults(calls)) {
      const assistant = (sig: Signature, values: Values) =>
        writer.formatAssistantMessageContent(sig, values, NOT_SUPPLIED_HISTORY);
      messages.push(...nativeToolMessages(signature, demo, calls, assistant));
      continue;
    }
    messages.push({
      role: 'assistant',
      content: writer.formatAssistantMessageContent(signature, demo, NOT_SUPPLIED_HISTORY),
    });
  }
  return messages;
}

/** One history turn as chat messages: user, then assistant (tool calls replayed as DSPy does). */
export function historyTurnMessages(
  writer: MessageWriter,
  signature: Signature,
  turn: Values,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const user = writer.formatUserMessageContent(signature, turn);
  if (user) messages.push({ role: 'user', content: user });
  const found = toolCallsOf(turn);
  if (!found) {
    messages.push({ role: 'assistant', content: writer.formatAssistantMessageContent(signature, turn) });
    return messages;
  }
  const [name, calls] = found;
  if (writer.useNativeFunctionCalling) {
    const assistant = (sig: Signature, values: Values) => writer.formatAssistantMessageContent(sig, values);
    return [...messages, ...nativeToolMessages(signature, turn, calls, assistant)];
  }
  const results = calls.results;
  const values = results ? { ...turn, [name]: new ToolCalls(calls.toolCalls) } : turn;
  messages.push({ role: 'assistant', content: writer.formatAssistantMessageContent(signature, values) });
  if (results) {
    const content = writer.formatUserMessageContent(TOOL_RESULTS_SIGNATURE, {
      tool_call_results: toolResultsValue(results),
    });
    messages.push({ role: 'user', content });
  }
  return messages;
}
