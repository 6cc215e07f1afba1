import { settings } from '../settings.js';
import type { LMHistoryEntry } from './types.js';

// The running text size of each history array, keyed by the array itself: a user who replaces
// `lm.history` starts a fresh count, and one who edits it in place is caught by the length check.
const totals = new WeakMap<LMHistoryEntry[], { bytes: number; length: number }>();
const sizes = new WeakMap<LMHistoryEntry, number>();

const textSize = (value: unknown): number =>
  typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);

/** The entry's message and output text, in characters (bytes for ASCII text). */
function sizeOf(entry: LMHistoryEntry): number {
  let size = sizes.get(entry);
  if (size === undefined) {
    size = 0;
    for (const message of entry.messages) size += textSize(message.content);
    for (const output of entry.outputs) size += output.length;
    if (entry.toolCalls) size += textSize(entry.toolCalls);
    sizes.set(entry, size);
  }
  return size;
}

/**
 * Appends `entry` to an LM's history unless `settings.disableHistory`, then drops the oldest
 * entries past `settings.maxHistorySize` entries or `settings.maxHistoryBytes` of text. A session
 * re-sends its whole conversation on every turn, so without the byte bound the history of a long
 * conversation grows with its square. The newest entry is always kept, for `inspectHistory()`.
 */
export function appendHistory(history: LMHistoryEntry[], entry: LMHistoryEntry): void {
  const maxEntries = settings.maxHistorySize;
  if (settings.disableHistory || maxEntries <= 0) return;
  const maxBytes = settings.maxHistoryBytes;
  let total = totals.get(history);
  if (total === undefined || total.length !== history.length) {
    total = { bytes: 0, length: history.length };
    for (const kept of history) total.bytes += sizeOf(kept);
    totals.set(history, total);
  }
  history.push(entry);
  total.bytes += sizeOf(entry);
  // shift() left-trims in place; splice(0, k) copied the whole 10,000-entry array on every call.
  while (history.length > maxEntries || (history.length > 1 && total.bytes > maxBytes)) {
    const dropped = history.shift();
    if (dropped) total.bytes -= sizeOf(dropped);
  }
  total.length = history.length;
}
