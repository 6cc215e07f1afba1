import { z } from 'zod';
import { InputError } from '../errors.js';

export type HistoryMessage = Readonly<Record<string, unknown>>;

const isPlainMessages = (value: unknown): value is { messages: unknown[] } =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as { messages?: unknown }).messages) &&
  (value as { messages: unknown[] }).messages.every((m) => typeof m === 'object' && m !== null);

/**
 * The conversation so far: a list of messages keyed by the signature's field names (inputs and
 * outputs of earlier turns). Immutable; equality is by value.
 *
 * A `History` can be built over a shared frozen array without copying (`History.view`), which is how
 * a session keeps 10,000 snapshots in linear memory.
 */
export class History {
  /** The zod schema of a History-typed field: accepts a History or a saved `{ messages: [...] }`. */
  static readonly schema = z
    .custom<History>((value) => value instanceof History || isPlainMessages(value), {
      message: 'expected a History (or an object with a `messages` array)',
    })
    .meta({ title: 'History' });

  #backing: readonly HistoryMessage[];
  #start: number;
  #end: number;
  #materialized: readonly HistoryMessage[] | undefined;
  // A view's slice is cached weakly: thousands of snapshots each read once (by an adapter) must
  // not each keep a full copy alive, or shared views would cost O(n^2) memory after all.
  #weakSlice: WeakRef<readonly HistoryMessage[]> | undefined;

  constructor(messages: readonly HistoryMessage[] = []) {
    if (!Array.isArray(messages)) {
      throw new InputError(
        'History expects an array of message objects, e.g. new History([{ question, answer }]).',
      );
    }
    this.#materialized = Object.freeze(messages.map((m) => Object.freeze({ ...m })));
    this.#backing = this.#materialized;
    this.#start = 0;
    this.#end = this.#materialized.length;
    Object.freeze(this);
  }

  /**
   * A History over `backing[start, end)` without copying: the backing array must be append-only
   * and hold frozen messages. Sessions use it so 10,000 snapshots share one array (O(n) memory).
   */
  static view(backing: readonly HistoryMessage[], start = 0, end = backing.length): History {
    const history = new History();
    history.#backing = backing;
    history.#start = start;
    history.#end = end;
    history.#materialized =
      start === 0 && end === backing.length && Object.isFrozen(backing) ? backing : undefined;
    return history;
  }

  /** The messages, oldest first (materialized on first read for a view). */
  get messages(): readonly HistoryMessage[] {
    if (this.#materialized) return this.#materialized;
    const cached = this.#weakSlice?.deref();
    if (cached) return cached;
    const slice = Object.freeze(this.#backing.slice(this.#start, this.#end));
    this.#weakSlice = new WeakRef(slice);
    return slice;
  }

  /** A History from a History, a saved `{ messages }` object, or undefined (empty). */
  static from(value: unknown): History {
    if (value instanceof History) return value;
    if (value === undefined) return new History();
    if (isPlainMessages(value)) return new History(value.messages as HistoryMessage[]);
    throw new InputError(
      `Expected a History for a History-typed field, got ${value === null ? 'null' : typeof value}. ` +
        'Pass new History([...]) or omit the field for an empty history.',
    );
  }

  get length(): number {
    return this.#end - this.#start;
  }

  /** The JSON form DSPy saves: `{ "messages": [...] }`. */
  toJSON(): { messages: HistoryMessage[] } {
    return { messages: this.messages.map((m) => ({ ...m })) };
  }

  equals(other: unknown): boolean {
    return other instanceof History && JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }

  toString(): string {
    return `History(messages=${JSON.stringify(this.messages)})`;
  }
}
