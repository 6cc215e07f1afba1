import { settings } from '../settings.js';
import type { LMHistoryEntry } from './types.js';

// The text size of each entry of a history array, in the array's order, and their sum, keyed by the
// array itself: a user who replaces `lm.history` starts a fresh count, and one who adds or removes
// entries in place is caught by the length check. A parallel array rather than a WeakMap per entry:
// a WeakMap entry per call costs a hash insert and ephemeron work in every garbage collection.
const tallies = new WeakMap<LMHistoryEntry[], { bytes: number; sizes: number[] }>();

const textSize = (value: unknown): number =>
  typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);

/** The entry's message and output text, in characters (bytes for ASCII text). */
function sizeOf(entry: LMHistoryEntry): number {
  let size = 0;
  for (const message of entry.messages) size += textSize(message.content);
  for (const output of entry.outputs) size += output.length;
  if (entry.toolCalls) size += textSize(entry.toolCalls);
  return size;
}

let isoSecond = Number.NaN;
let isoPrefix = '';

/**
 * The current time as `Date.toISOString()` writes it (`2026-12-03T08:15:02.117Z`). The text up to
 * the second is formatted once per second: `new Date().toISOString()` on every call costs more.
 */
export function isoNow(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${isoPrefix}${String(now - second * 1000).padStart(3, '0')}Z`;
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
  let tally = tallies.get(history);
  if (tally === undefined || tally.sizes.length !== history.length) {
    const sizes = history.map(sizeOf);
    tally = { bytes: sizes.reduce((sum, size) => sum + size, 0), sizes };
    tallies.set(history, tally);
  }
  const size = sizeOf(entry);
  history.push(entry);
  tally.sizes.push(size);
  tally.bytes += size;
  // shift() left-trims in place; splice(0, k) copied the whole 10,000-entry array on every call.
  while (history.length > maxEntries || (history.length > 1 && tally.bytes > maxBytes)) {
    history.shift();
    tally.bytes -= tally.sizes.shift() ?? 0;
  }
}
