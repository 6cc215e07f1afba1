import { Example, History, InputError, Predict } from '@dspy-ts/core';

/**
 * One recorded call: the caller's inputs, the module's outputs, the exact History the module ran
 * with, and a score once `score()` ran. `inputs` and `outputs` are frozen: the session derives
 * history messages from them, so edit a turn with `popTurn()` + `addTurn()` instead.
 */
export interface Turn {
  readonly index: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly historySnapshot: History;
  /** `undefined` until scored (Python `None`; saved as `null`). */
  score?: number | undefined;
}

/** A record with string keys: prototype `Object.prototype` or `null`. */
export const isPlainRecord = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** `record[key] = value` that defines an own `__proto__` key instead of changing the prototype. */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/**
 * Deep copy for recorded values: arrays, plain objects, Map, Set and Date are
 * copied; History and other class instances are kept by reference since they are treated as
 * immutable. `structuredClone` is not used because it loses prototypes. Iterative (a work list,
 * not recursion), so a value nested thousands of levels deep copies instead of overflowing the stack.
 */
export function deepCopyValue<T>(value: T): T {
  const memo = new Map<object, unknown>();
  const unfilled: [source: object, copy: object][] = [];
  // An empty copy of a container, filled later from the work list; leaves are returned as they are.
  const copyOf = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    const known = memo.get(item);
    if (known !== undefined) return known;
    if (item instanceof Date) return new Date(item.getTime());
    let copy: object;
    if (Array.isArray(item)) copy = [];
    else if (item instanceof Map) copy = new Map();
    else if (item instanceof Set) copy = new Set();
    else if (isPlainRecord(item)) copy = Object.getPrototypeOf(item) === null ? Object.create(null) : {};
    else return item;
    memo.set(item, copy);
    unfilled.push([item, copy]);
    return copy;
  };
  const root = copyOf(value);
  for (let next = unfilled.pop(); next !== undefined; next = unfilled.pop()) {
    const [source, copy] = next;
    if (Array.isArray(source)) {
      for (const item of source) (copy as unknown[]).push(copyOf(item));
    } else if (source instanceof Map) {
      for (const [k, v] of source) (copy as Map<unknown, unknown>).set(copyOf(k), copyOf(v));
    } else if (source instanceof Set) {
      for (const item of source) (copy as Set<unknown>).add(copyOf(item));
    } else {
      for (const [k, v] of Object.entries(source)) setOwn(copy as Record<string, unknown>, k, copyOf(v));
    }
  }
  return root as T;
}

/** A frozen deep copy of a record, as stored on a turn. */
export function frozenRecord(record: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const copy = { ...record };
  // The common turn holds only strings and numbers: the shallow copy is already a deep one.
  for (const key of Object.keys(copy)) {
    const value = copy[key];
    if (typeof value === 'object' && value !== null) return Object.freeze(deepCopyValue(copy));
  }
  return Object.freeze(copy);
}

/** A turn as given to `new SessionState` or `state.append`: the snapshot defaults to an empty History. */
export interface TurnInit {
  index?: number | undefined;
  inputs?: Readonly<Record<string, unknown>> | undefined;
  outputs?: Readonly<Record<string, unknown>> | undefined;
  historySnapshot?: History | undefined;
  score?: number | null | undefined;
}

/** Throws InputError naming `at` (e.g. `SessionState turns[2]`) when `turn` is not a TurnInit. */
export function checkTurnInit(turn: unknown, at: string): asserts turn is TurnInit {
  if (!isPlainRecord(turn)) throw new InputError(`${at} must be an object.`);
  if (turn.index !== undefined && !Number.isInteger(turn.index))
    throw new InputError(`${at}.index must be an integer.`);
  for (const key of ['inputs', 'outputs'] as const) {
    if (turn[key] !== undefined && !isPlainRecord(turn[key]))
      throw new InputError(`${at}.${key} must be a record.`);
  }
  if (turn.historySnapshot !== undefined && !(turn.historySnapshot instanceof History)) {
    throw new InputError(`${at}.historySnapshot must be a History.`);
  }
  const score = turn.score;
  if (score !== undefined && score !== null && !(typeof score === 'number' && Number.isFinite(score))) {
    throw new InputError(`${at}.score must be a finite number or null.`);
  }
}

/** A stored turn with frozen copies of its inputs and outputs. */
export function makeTurn(init: {
  index: number;
  inputs: Readonly<Record<string, unknown>>;
  outputs: Readonly<Record<string, unknown>>;
  historySnapshot: History;
  score?: number | null | undefined;
}): Turn {
  return {
    index: init.index,
    inputs: frozenRecord(init.inputs),
    outputs: frozenRecord(init.outputs),
    historySnapshot: init.historySnapshot,
    score: init.score ?? undefined,
  };
}

/**
 * The input keys a turn records: for a Predict root only its signature's input
 * fields, else every key; never the history field.
 */
export function recordableInputs(
  inputs: Readonly<Record<string, unknown>>,
  module: unknown,
  historyField: string,
): Record<string, unknown> {
  const allowed = module instanceof Predict ? module.signature.inputFields : undefined;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    if (key === historyField) continue;
    if (allowed && !Object.hasOwn(allowed, key)) continue;
    setOwn(kept, key, value);
  }
  return kept;
}

/** How a module's result becomes `turn.outputs`, before copying. */
export function extractOutputs(result: unknown, module: unknown): Record<string, unknown> {
  if (result instanceof Example) {
    return Object.fromEntries(result.keys().map((key) => [key, result.get(key)]));
  }
  if (result instanceof Map) {
    return Object.fromEntries([...result].map(([key, value]) => [String(key), value]));
  }
  if (isPlainRecord(result)) return { ...result };
  if (typeof result === 'object' && result !== null) {
    const toJSON = (result as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      try {
        const dumped: unknown = toJSON.call(result);
        if (isPlainRecord(dumped)) return { ...dumped };
      } catch {
        // A failing dump falls through to the next rule, as in Python.
      }
    }
  }
  if (module instanceof Predict) {
    // Python: {k: getattr(result, k) for k in output_fields if hasattr(result, k)}, possibly empty.
    const holder = result === null || result === undefined ? {} : Object(result);
    const names = Object.keys(module.signature.outputFields).filter((name) => name in holder);
    return Object.fromEntries(names.map((name) => [name, (holder as Record<string, unknown>)[name]]));
  }
  return { output: result === undefined ? null : result };
}
