import { History, type HistoryMessage } from '@dspy-ts/core';
import { setOwn, type Turn } from './turn.js';

/** Which keys of a turn enter its history message. Compared by identity. */
export interface MessageFilter {
  readonly excludeFields: ReadonlySet<string>;
  readonly historyInputFields: ReadonlySet<string> | undefined;
}

/** How a session reads a state as History: the message filter, the seed when the state has none, the window. */
export interface HistoryView extends MessageFilter {
  readonly initialHistory: History | undefined;
  readonly maxTurns: number | undefined;
}

/**
 * One turn's history message: inputs in order (minus excluded keys, and only allowed ones when an
 * allow-list is set), then outputs (minus excluded keys; an output overwrites an input of the same
 * name in place). A message whose keys were all filtered out is still `{}`.
 */
export function buildMessage(turn: Turn, filter: MessageFilter): HistoryMessage {
  const message: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(turn.inputs)) {
    if (filter.excludeFields.has(key)) continue;
    if (filter.historyInputFields && !filter.historyInputFields.has(key)) continue;
    setOwn(message, key, value);
  }
  for (const [key, value] of Object.entries(turn.outputs)) {
    if (!filter.excludeFields.has(key)) setOwn(message, key, value);
  }
  return Object.freeze(message);
}

/**
 * The history messages of one state, shared by every snapshot: an append-only array of frozen
 * messages, `[seed..., turn0, turn1, ...]`, of which `[start, end)` is live. Each snapshot is a
 * `History.view` over it, so N turns cost O(N) memory instead of Python's O(N^2) copies. Its
 * SessionState tells it about pops and front trims; messages of new turns are built when the
 * next History is asked for, so building it is O(1) amortized per turn.
 *
 * Entries are never overwritten (older snapshots may still view them): after a pop the next
 * append starts a fresh array from the live range.
 */
export class MessageLog {
  readonly seed: History | undefined;
  readonly filter: MessageFilter;
  #backing: HistoryMessage[];
  #start = 0;
  readonly #seedLength: number;
  /** How many of the state's turns, from its first, have their message in the live range. */
  #built = 0;

  constructor(seed: History | undefined, filter: MessageFilter) {
    this.seed = seed;
    this.filter = filter;
    this.#backing = [...(seed?.messages ?? [])];
    this.#seedLength = this.#backing.length;
  }

  /** True when this log was built for `seed` and `filter` (by identity). */
  serves(seed: History | undefined, filter: MessageFilter): boolean {
    return seed === this.seed && filter === this.filter;
  }

  get #end(): number {
    return this.#start + this.#seedLength + this.#built;
  }

  /** The state now has `length` turns, after pops: messages past them leave the live range. */
  truncate(length: number): void {
    this.#built = Math.min(this.#built, length);
  }

  /**
   * The state dropped its `count` oldest turns. False when the log cannot follow (a seed sits
   * before them and entries are never overwritten): the state builds a new log instead.
   */
  dropFront(count: number): boolean {
    if (this.#seedLength > 0) return false;
    const built = Math.min(count, this.#built);
    this.#start += built;
    this.#built -= built;
    // Compact once the dead prefix outweighs the live part, so a capped session stays bounded.
    if (this.#start > 64 && this.#start > this.#end - this.#start) {
      this.#backing = this.#backing.slice(this.#start, this.#end);
      this.#start = 0;
    }
    return true;
  }

  /** The messages of `turns` (the state's, all of them), cut to the last `maxTurns` (seed messages count). */
  view(turns: readonly Turn[], maxTurns: number | undefined): History {
    if (this.#built < turns.length && this.#backing.length !== this.#end) {
      // Stale entries past the live end (after a pop) may be viewed by old snapshots: copy, never overwrite.
      this.#backing = this.#backing.slice(this.#start, this.#end);
      this.#start = 0;
    }
    for (; this.#built < turns.length; this.#built++) {
      this.#backing.push(buildMessage(turns[this.#built]!, this.filter));
    }
    const end = this.#end;
    const from = maxTurns === undefined ? this.#start : Math.max(this.#start, end - maxTurns);
    return History.view(this.#backing, from, end);
  }
}
