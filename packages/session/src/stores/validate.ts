import { InputError } from '@dspy-ts/core';
import { SessionStateError } from '../errors.js';
import type { SessionStateDict } from '../state.js';
import { formatPath, readStateJson } from '../state-schema.js';

/** `SessionState.toDict()`: what every SessionStore holds per id. */
export type SessionStateJSON = SessionStateDict;
/** One turn of a SessionStateJSON: unlike `saveState`, its history snapshot is stored. */
export type SessionTurnJSON = SessionStateDict['turns'][number];

/** Shows an id in a message: quoted, escaped and cut when very long. */
export function showId(id: string): string {
  return JSON.stringify(id.length > 120 ? `${id.slice(0, 120)}…` : id);
}

/** Why `value` is not a complete stored state (the one SessionState schema), or undefined. */
function stateProblem(value: unknown): string | undefined {
  const { problem } = readStateJson(value, { complete: true });
  return problem && `${problem.message} at ${formatPath(problem.path)}`;
}

/**
 * Serializes and validates a state before a store writes it. Returns the JSON text to store.
 * Throws SessionStateError when the state is not JSON or not the `SessionState.toDict()` shape.
 */
export function encodeState(id: string, state: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(state);
  } catch (error) {
    throw new SessionStateError(
      `Cannot store session ${showId(id)}: the state is not JSON-serializable (${(error as Error).message}).`,
      { cause: error },
    );
  }
  if (text === undefined) {
    throw new SessionStateError(`Cannot store session ${showId(id)}: the state is ${typeof state}.`);
  }
  const problem = stateProblem(JSON.parse(text));
  if (problem !== undefined) {
    throw new SessionStateError(
      `Cannot store session ${showId(id)}: the state is not a SessionState.toDict() object (${problem}).`,
    );
  }
  return text;
}

/** The error for stored data that cannot be read; the data itself is never touched. */
export function corruptStateError(
  id: string,
  where: string,
  problem: string,
  cause?: unknown,
): SessionStateError {
  return new SessionStateError(
    `Stored session ${showId(id)} in ${where} is invalid (${problem}). ` +
      'It was left unchanged: repair it by hand, or remove it with store.delete(id).',
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Parses and validates a stored state (JSON text, or an already parsed value such as a pg jsonb
 * column). Throws SessionStateError naming the id, the location and the problem.
 */
export function decodeState(id: string, where: string, stored: unknown): SessionStateJSON {
  let value = stored;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch (error) {
      throw corruptStateError(id, where, `not valid JSON: ${(error as Error).message}`, error);
    }
  }
  const problem = stateProblem(value);
  if (problem !== undefined) throw corruptStateError(id, where, problem);
  return value as SessionStateJSON;
}

/** Ids are non-empty, well-formed strings without NUL. */
export function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') {
    throw new InputError(
      `A session id must be a non-empty string, got ${typeof id === 'string' ? 'an empty string' : typeof id}.`,
    );
  }
  if (id.includes('\0')) {
    throw new InputError(`A session id must not contain the NUL character (\\u0000), got ${showId(id)}.`);
  }
  // A lone surrogate has no UTF-8 form: Redis, PostgreSQL and file names would all alter it.
  if (/\p{Surrogate}/u.test(id)) {
    throw new InputError(
      `A session id must be well-formed Unicode (no lone surrogate code units), got ${showId(id)}.`,
    );
  }
}

export interface CheckedPutOptions {
  expectedVersion: number | undefined;
  /** Whole milliseconds, at least 1. */
  ttlMs: number | undefined;
}

export function checkPutOptions(opts: unknown): CheckedPutOptions {
  if (opts === undefined || opts === null) return { expectedVersion: undefined, ttlMs: undefined };
  if (typeof opts !== 'object') throw new InputError(`put() options must be an object, got ${typeof opts}.`);
  const { expectedVersion, ttlMs } = opts as { expectedVersion?: unknown; ttlMs?: unknown };
  if (
    expectedVersion !== undefined &&
    (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 0)
  ) {
    throw new InputError(
      `expectedVersion must be an integer >= 0 (0 = must not exist yet), got ${String(expectedVersion)}.`,
    );
  }
  if (ttlMs !== undefined && (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)) {
    throw new InputError(
      `ttlMs must be a positive number of milliseconds (omit it for no expiry), got ${String(ttlMs)}.`,
    );
  }
  return { expectedVersion, ttlMs: ttlMs === undefined ? undefined : Math.ceil(ttlMs) };
}

/** The literal prefix of `list()`, or undefined for all. */
export function checkListPrefix(opts: unknown): string | undefined {
  if (opts === undefined || opts === null) return undefined;
  if (typeof opts !== 'object') throw new InputError(`list() options must be an object, got ${typeof opts}.`);
  const { prefix } = opts as { prefix?: unknown };
  if (prefix === undefined) return undefined;
  if (typeof prefix !== 'string')
    throw new InputError(`list() prefix must be a string, got ${typeof prefix}.`);
  if (/\p{Surrogate}/u.test(prefix)) {
    throw new InputError(`list() prefix must be well-formed Unicode, got ${showId(prefix)}.`);
  }
  return prefix;
}

/** Ids sorted as the contract says: UTF-16 code unit order, whatever the backend's collation. */
export function sortIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}
