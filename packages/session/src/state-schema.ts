import { z } from 'zod';
import { isPlainRecord } from './turn.js';

/** The `version` of `SessionState.toDict()` this package reads and writes. */
export const SUPPORTED_STATE_VERSION = 1;

/**
 * How deep saved JSON may nest (objects and arrays). Python's json module stops near the same
 * depth (its recursion limit), and every walker after loading (copying, freezing, saving) can then
 * recurse safely: deeper data is a SessionStateError, never a stack overflow.
 */
export const MAX_NESTING = 1000;

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `turns[3].inputs.question`-style paths for error messages; `(root)` for the value itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(root)';
}

/** A problem found in loaded JSON: where, and what was expected. */
export interface JsonProblem {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * The first prototype-polluting key (`__proto__`, `constructor`, `prototype`) or nesting deeper
 * than MAX_NESTING, found without recursion (any depth is safe to scan).
 */
export function structureProblem(value: unknown): JsonProblem | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= MAX_NESTING) {
      return { path, message: `the data nests deeper than ${MAX_NESTING} levels` };
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(current);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) {
        return { path: [...path, key], message: `forbidden key '${key}' (prototype pollution guard)` };
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push({ value: (current as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}

// The pieces a saved session file (`persistence.ts`) shares with the state schema.
export const jsonRecord = z.custom<Record<string, unknown>>(isPlainRecord, { message: 'expected an object' });
export const historyJson = z.looseObject({ messages: z.array(jsonRecord) });
export const turnIndex = z.number().int().min(0);
export const turnScore = z.number().nullable();
// Python writes str(l2_memory): a number reads as its text; an object or a list is an error.
export const l2MemoryJson = z.union([z.string(), z.number(), z.null()]).optional();
const record = jsonRecord;
const history = historyJson;
const index = turnIndex;
const score = turnScore;

/**
 * The one schema of `SessionState.toDict()` JSON: `SessionState.fromDict`, the `node_states` of a
 * saved session file and every store read it with these rules. `complete` is the stores' check of
 * what they write (every key present, as `toDict()` produces it); readers accept Python's
 * omissions (a missing index is the turn's position, a missing snapshot an empty History, a
 * missing or null `l2_memory` ''). Unknown keys are kept (a newer writer may add some).
 */
function stateSchema(complete: boolean) {
  const opt = <T extends z.ZodType>(schema: T) => (complete ? schema : schema.optional());
  const turn = z.looseObject({
    index: opt(index),
    inputs: opt(record),
    outputs: opt(record),
    history_snapshot: opt(history),
    score: opt(score),
  });
  const state: z.ZodType<StateJson> = z.lazy(() =>
    z.looseObject({
      version: z.literal(SUPPORTED_STATE_VERSION).optional(),
      turns: opt(z.array(turn)),
      initial_history: opt(history.nullable()),
      l2_memory: complete ? z.string() : l2MemoryJson,
      node_states: complete ? z.record(z.string(), state) : z.record(z.string(), state).nullable().optional(),
    }),
  );
  return state;
}

/** A turn as the schema reads it. */
export interface TurnJson {
  index?: number | undefined;
  inputs?: Record<string, unknown> | undefined;
  outputs?: Record<string, unknown> | undefined;
  history_snapshot?: { messages: Record<string, unknown>[] } | undefined;
  score?: number | null | undefined;
  [key: string]: unknown;
}

/** A state as the schema reads it (every key optional unless the store's complete check ran). */
export interface StateJson {
  version?: number | undefined;
  turns?: TurnJson[] | undefined;
  initial_history?: { messages: Record<string, unknown>[] } | null | undefined;
  l2_memory?: string | number | null | undefined;
  node_states?: Record<string, StateJson> | null | undefined;
  [key: string]: unknown;
}

const readerSchema = stateSchema(false);
const completeSchema = stateSchema(true);

/** The first turn whose index (defaulting to its position) repeats an earlier one. */
export function duplicateIndex(turns: readonly { index?: number | undefined }[]): number | undefined {
  const seen = new Set<number>();
  for (const [i, turn] of turns.entries()) {
    const value = turn.index ?? i;
    if (seen.has(value)) return i;
    seen.add(value);
  }
  return undefined;
}

/** Duplicate turn indexes (after defaulting to positions) in this state or any node state. */
function indexProblem(state: StateJson, path: PropertyKey[]): JsonProblem | undefined {
  const pending: { state: StateJson; path: PropertyKey[] }[] = [{ state, path }];
  while (pending.length > 0) {
    const { state: current, path: at } = pending.pop()!;
    const turns = current.turns ?? [];
    const i = duplicateIndex(turns);
    if (i !== undefined) {
      return { path: [...at, 'turns', i, 'index'], message: `duplicate turn index ${turns[i]!.index ?? i}` };
    }
    for (const [name, node] of Object.entries(current.node_states ?? {})) {
      pending.push({ state: node, path: [...at, 'node_states', name] });
    }
  }
  return undefined;
}

/**
 * Checks `value` against the SessionState schema. Returns the parsed state, or the first problem
 * with its JSON path. `complete` requires every key `toDict()` writes (the stores' check).
 */
export function readStateJson(
  value: unknown,
  options: { complete?: boolean | undefined; path?: readonly PropertyKey[] | undefined } = {},
): { state: StateJson; problem?: undefined } | { state?: undefined; problem: JsonProblem } {
  const base = [...(options.path ?? [])];
  const structural = structureProblem(value);
  if (structural) return { problem: { ...structural, path: [...base, ...structural.path] } };
  if (isPlainRecord(value) && value.version !== undefined && value.version !== SUPPORTED_STATE_VERSION) {
    return {
      problem: {
        path: [...base, 'version'],
        message: `Unsupported SessionState version: ${JSON.stringify(value.version)} (supported: ${SUPPORTED_STATE_VERSION})`,
      },
    };
  }
  const parsed = (options.complete ? completeSchema : readerSchema).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: { path: [...base, ...issue.path], message: issue.message } };
  }
  const duplicate = indexProblem(parsed.data, base);
  return duplicate ? { problem: duplicate } : { state: parsed.data };
}
