import type { ChatMessage, HistoryMessage, Signature } from '@dspy-ts/core';

const isFlat = (message: HistoryMessage): boolean => {
  for (const key of Object.keys(message)) {
    const value = message[key];
    if (typeof value === 'object' && value !== null) return false;
  }
  return true;
};

/**
 * The chat messages of history entries an adapter has already formatted. A session re-sends its
 * last turns on every call, and their entries are the same frozen objects each time (snapshots
 * share them), so each entry is formatted once per signature instead of once per call. Only
 * frozen entries of strings, numbers, booleans and null are kept: a nested object could change
 * in place between calls. Callers get fresh message objects, never the cached ones. A subclass's
 * `formatUserMessageContent` / `formatAssistantMessageContent` must therefore depend only on the
 * signature and the values, as DSPy's do.
 */
export class HistoryFormatCache {
  readonly #entries = new WeakMap<HistoryMessage, { signature: Signature; messages: ChatMessage[] }>();

  messages(signature: Signature, entry: HistoryMessage, format: () => ChatMessage[]): ChatMessage[] {
    const hit = this.#entries.get(entry);
    if (hit?.signature === signature) return hit.messages.map((message) => ({ ...message }));
    const messages = format();
    if (Object.isFrozen(entry) && isFlat(entry)) {
      this.#entries.set(entry, { signature, messages: messages.map((message) => ({ ...message })) });
    }
    return messages;
  }
}
