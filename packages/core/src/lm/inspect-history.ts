import { pyJsonDumps } from '../python/json-dumps.js';
import type { LMHistoryEntry, LMToolCall } from './types.js';

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();

/** The arguments as Python JSON when they parse, else the raw text (as DSPy prints them). */
const argumentsText = (text: string): string => {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? pyJsonDumps(parsed, { ensureAscii: false }) : text;
  } catch {
    return text;
  }
};

const toolCallsText = (calls: readonly LMToolCall[] | undefined): string =>
  calls && calls.length > 0
    ? `Tool calls:\n\n${calls.map((call) => `${call.function.name}: ${argumentsText(call.function.arguments)}\n\n`).join('')}`
    : '';

/**
 * The text `dspy.inspect_history(n)` prints for the last `n` entries, without its ANSI colors:
 * three blank lines, `[timestamp]`, each message as `<Role> message:` and its stripped content
 * (and `Tool calls:` with `name: arguments` lines), `Response:` and the first output (or its tool
 * calls), ` \t (and k other completions)` when there were more choices, three blank lines at the end.
 */
export function formatHistory(history: readonly LMHistoryEntry[], n = 1): string {
  let text = '';
  for (const entry of n > 0 ? history.slice(-n) : []) {
    text += '\n\n\n\n';
    text += `[${entry.timestamp}]\n\n`;
    for (const message of entry.messages) {
      text += `${capitalize(message.role)} message:\n\n`;
      if (typeof message.content === 'string') text += `${message.content.trim()}\n`;
      text += toolCallsText(message.tool_calls);
      text += '\n\n';
    }
    const output = entry.outputs[0] ?? '';
    const calls = entry.toolCalls?.[0];
    if (!calls?.length || output) text += `Response:\n\n${output.trim()}\n\n`;
    text += toolCallsText(calls);
    if (entry.outputs.length > 1) text += ` \t (and ${entry.outputs.length - 1} other completions)\n`;
  }
  return `${text}\n\n\n\n`;
}
