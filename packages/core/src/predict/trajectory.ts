import type { AdapterProtocol } from '../adapter/types.js';
import { pyJsonDumps } from '../python/json-dumps.js';
import { signature } from '../signature/signature.js';

const chatValue = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'object' && value !== null
      ? pyJsonDumps(value, { ensureAscii: false })
      : String(value);

/**
 * The trajectory as the active adapter formats a user message's fields (DSPy's
 * `format_user_message_content` over `Signature("thought_0, ... -> x")`, every field a str). An
 * adapter without that hook gets the Chat layout.
 */
export function formatTrajectory(
  adapter: AdapterProtocol,
  trajectory: Readonly<Record<string, unknown>>,
): string {
  const keys = Object.keys(trajectory);
  if (keys.length === 0) return '';
  if (adapter.formatUserMessageContent) {
    return adapter.formatUserMessageContent(signature(`${keys.join(', ')} -> x`), trajectory);
  }
  return keys.map((key) => `[[ ## ${key} ## ]]\n${chatValue(trajectory[key])}`).join('\n\n');
}
