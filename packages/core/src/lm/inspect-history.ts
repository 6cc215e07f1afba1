import type { LMHistoryEntry } from './types.js';

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();

/**
 * The text `dspy.inspect_history(n)` prints for the last `n` entries, without its ANSI colors:
 * three blank lines, `[timestamp]`, each message as `<Role> message:` and its stripped content,
 * `Response:` and the first output, ` \t (and k other completions)` when there were more choices,
 * and three blank lines at the end.
 */
export function formatHistory(history: readonly LMHistoryEntry[], n = 1): string {
  let text = '';
  for (const entry of n > 0 ? history.slice(-n) : []) {
    text += '\n\n\n\n';
    text += `[${entry.timestamp}]\n\n`;
    for (const message of entry.messages) {
      text += `${capitalize(message.role)} message:\n\n`;
      text += `${message.content.trim()}\n`;
      text += '\n\n';
    }
    text += 'Response:\n\n';
    text += `${(entry.outputs[0] ?? '').trim()}\n\n`;
    if (entry.outputs.length > 1) text += ` \t (and ${entry.outputs.length - 1} other completions)\n`;
  }
  return `${text}\n\n\n\n`;
}
