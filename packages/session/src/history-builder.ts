import { History, type HistoryMessage } from '@dspy-ts/core';
import { setOwn, type Turn } from './turn.js';

/** Which keys of a turn enter its history message. Compared by identity. */
export interface MessageFilter {
  readonly excludeFields: ReadonlySet<string>;
  readonly historyInputFields: ReadonlySet<string> | undefined;
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
 * The messages of one state's history, shared by every snapshot: an append-only array of frozen
 * messages, `[seed..., turn0, turn1, ...]`, of which `[start, end)` is live. Each snapshot is a
 * `History.view` over it, so N turns cost O(N) memory instead of Python's O(N^2) copies.
 *
 * Entries are never overwritten (older snapshots may still view them): after `popTurn` the next
 * append starts a fresh array from the live range, and a trim at the front either moves `start`
 * (no seed) or rebuilds (seed present).
 */
class MessageLog {
  backing: HistoryMessage[] = [];
  start = 0;
  seedLength = 0;
  /** The turns whose messages are live, in order (parallel to the messages after the seed). */
  turns: Turn[] = [];
  seed: History | undefined;
  filter: MessageFilter;

  constructor(seed: History | undefined, filter: MessageFilter) {
    this.filter = filter;
    this.rebuild(seed, []);
  }

  get end(): number {
    return this.start + this.seedLength + this.turns.length;
  }

  rebuild(seed: History | undefined, turns: readonly Turn[]): void {
    this.seed = seed;
    this.backing = [...(seed?.messages ?? [])];
    this.start = 0;
    this.seedLength = this.backing.length;
    this.turns = [];
    for (const turn of turns) this.append(turn);
  }

  append(turn: Turn): void {
    if (this.backing.length !== this.end) {
      // Stale entries past the live end (after a pop) may be viewed by old snapshots: copy, never overwrite.
      this.backing = this.backing.slice(this.start, this.end);
      this.start = 0;
    }
    this.backing.push(buildMessage(turn, this.filter));
    this.turns.push(turn);
  }

  /** Brings the log in line with `turns` (appends, pops, front trims) or rebuilds it. */
  sync(seed: History | undefined, turns: readonly Turn[], filter: MessageFilter): void {
    if (seed !== this.seed || filter !== this.filter) {
      this.filter = filter;
      this.rebuild(seed, turns);
      return;
    }
    const known = this.turns;
    if (turns.length > 0 && known.length > 0 && turns[0] !== known[0]) {
      const dropped = known.indexOf(turns[0]!);
      if (dropped > 0 && this.seedLength === 0) this.dropFront(dropped);
      else {
        this.rebuild(seed, turns);
        return;
      }
    }
    const common = Math.min(turns.length, known.length);
    if (common > 0 && turns[common - 1] !== known[common - 1]) {
      this.rebuild(seed, turns);
      return;
    }
    if (known.length > turns.length) known.length = turns.length;
    for (let i = known.length; i < turns.length; i++) this.append(turns[i]!);
  }

  dropFront(count: number): void {
    this.start += count;
    this.turns.splice(0, count);
    // Compact once the dead prefix outweighs the live part, so a capped session stays bounded.
    if (this.start > 64 && this.start > this.end - this.start) {
      this.backing = this.backing.slice(this.start, this.end);
      this.start = 0;
    }
  }

  view(maxTurns: number | undefined): History {
    const end = this.end;
    const from = maxTurns === undefined ? this.start : Math.max(this.start, end - maxTurns);
    return History.view(this.backing, from, end);
  }
}

const logs = new WeakMap<object, MessageLog>();

/**
 * The history the next call of a state will see: seed messages verbatim, then one
 * message per turn, cut to the last `maxTurns` messages. Cached per state and kept in sync with
 * its turn list, so building it is O(1) amortized per turn.
 */
export function buildHistory(
  owner: object,
  seed: History | undefined,
  turns: readonly Turn[],
  filter: MessageFilter,
  maxTurns: number | undefined,
): History {
  let log = logs.get(owner);
  if (!log) {
    log = new MessageLog(seed, filter);
    logs.set(owner, log);
  }
  log.sync(seed, turns, filter);
  return log.view(maxTurns);
}
