import { type ChatMessage, type LMToolCall, type Signature, ToolCalls } from '@dspy-ts/core';
import { pyJson, toJsonData } from './format-value.js';
import { isToolCallsField } from './native-tools.js';

type Values = Readonly<Record<string, unknown>>;

/**
 * A history message holding ToolCalls (DSPy 3.3.1's `format_conversation_history`): with native
 * function calling, its tool calls and their results replay as an assistant message with
 * `tool_calls` and one `role: 'tool'` message per result; otherwise they are text.
 */

/** The first value of the message that is a ToolCalls (or its saved form), with its key. */
export function toolCallsOf(message: Values): [string, ToolCalls] | undefined {
  for (const [name, value] of Object.entries(message)) {
    if (ToolCalls.isToolCalls(value)) return [name, ToolCalls.from(value)];
  }
  return undefined;
}

/** A tool result as a `tool` message's content: text as is, anything else as Python JSON. */
export const toolResultContent = (value: unknown): string =>
  typeof value === 'string' ? value : pyJson(toJsonData(value));

const openAIToolCall = (call: ToolCalls.ToolCall): LMToolCall => ({
  id: call.id ?? '',
  type: 'function',
  function: { name: call.name, arguments: pyJson(toJsonData(call.args)) },
});

/** The results, when they answer the calls one for one by id (DSPy drops them otherwise). */
export function matchedResults(calls: ToolCalls): readonly ToolCalls.Result[] | undefined {
  const results = calls.results;
  if (!results) return undefined;
  const ids = calls.toolCalls.map((call) => call.id);
  const resultIds = results.map((result) => result.callId);
  const same = ids.length === resultIds.length && ids.every((id, i) => id === resultIds[i]);
  return same && ids.every(Boolean) ? results : undefined;
}

/** The native replay of one history message's tool calls (after its user message). */
export function nativeToolMessages(
  signature: Signature,
  message: Values,
  calls: ToolCalls,
  assistantContent: (signature: Signature, values: Values) => string,
): ChatMessage[] {
  let contentSignature = signature;
  for (const field of Object.values(signature.outputFields)) {
    const value = message[field.name];
    if (isToolCallsField(field) || value === undefined || value === null) {
      contentSignature = contentSignature.delete(field.name);
    }
  }
  const content =
    Object.keys(contentSignature.outputFields).length > 0 ? assistantContent(contentSignature, message) : '';
  const results = matchedResults(calls);
  const messages: ChatMessage[] = [];
  if (content || results) {
    messages.push({
      role: 'assistant',
      content: content || null,
      ...(results ? { tool_calls: calls.toolCalls.map(openAIToolCall) } : {}),
    });
  }
  for (const result of results ?? []) {
    messages.push({
      role: 'tool',
      tool_call_id: result.callId ?? '',
      name: result.name,
      content: toolResultContent(result.value),
    });
  }
  return messages;
}

/** The tool results as DSPy shows them without native calling: a `tool_call_results` input block. */
export const toolResultsValue = (results: readonly ToolCalls.Result[]): unknown => ({
  tool_call_results: results.map((result) => ({
    call_id: result.callId ?? null,
    name: result.name,
    value: toJsonData(result.value),
    is_error: result.isError === true,
  })),
});
