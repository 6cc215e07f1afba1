import { AsyncLocalStorage } from 'node:async_hooks';
import type { ActiveCall } from './callbacks/types.js';
import type { UsageByModel } from './lm/usage.js';
import type { Settings } from './settings-types.js';

/** Where predictors send field deltas while a program runs under `streamify`. */
export interface StreamSink {
  emit(predictor: object, field: string, text: string): void;
  readonly signal: AbortSignal;
}

/**
 * Fills in inputs that a predictor's caller left out. A session installs one for the length of
 * its module call to hand its history to the predictors it prepared; `Predict.preprocess` asks it
 * once per call, before defaults and validation. Returns `inputs` itself when it has nothing to add.
 */
export type InputSupplier = (
  predictor: object,
  inputs: Readonly<Record<string, unknown>>,
) => Readonly<Record<string, unknown>>;

/**
 * The ambient state of one call, read in one place. Every value a call inherits from its caller
 * without an argument lives here: the settings overridden by `context()` (the trace list is one of
 * them), the usage tracker of a top-level call under `trackUsage`, the stream sink of `streamify`,
 * and the input supplier of a session.
 *
 * Extending it: a core concept adds a readonly optional field here and sets it with `withFrame`
 * (callbacks or a parent span id belong here). A sibling package keeps its own per-call values in
 * a `FrameSlot` (symbol-keyed entries of the same frame), so the whole project shares this one
 * AsyncLocalStorage: Node propagates every instance on every promise, so each extra one costs
 * every await.
 */
export interface CallFrame {
  /** Settings overridden by `context()` for this scope (merged with the enclosing ones). */
  readonly overrides?: Readonly<Partial<Settings>> | undefined;
  /** Where LMs add the usage they report, per model (a top-level call under `trackUsage`). */
  readonly usage?: UsageByModel | undefined;
  /** Where predictors send field deltas while a program runs under `streamify`. */
  readonly streamSink?: StreamSink | undefined;
  /** Supplies inputs the caller of a predictor left out (a session's history). */
  readonly supplyInputs?: InputSupplier | undefined;
  /** The call whose callbacks are running (module, LM, tool, ...), with its parents. */
  readonly activeCall?: ActiveCall | undefined;
  /** Per-call values of other packages, keyed by their `FrameSlot`. */
  readonly [slot: symbol]: unknown;
}

const EMPTY: CallFrame = Object.freeze({});
const frames = new AsyncLocalStorage<CallFrame>();

/** The frame of the call running in this async scope (an empty frame outside any). */
export const currentFrame = (): CallFrame => frames.getStore() ?? EMPTY;

/** Runs `fn` in a frame that is the current one with `patch` applied; the caller's frame is untouched. */
export function withFrame<T>(patch: CallFrame, fn: () => T): T {
  const parent = frames.getStore();
  return frames.run(parent ? { ...parent, ...patch } : patch, fn);
}

/**
 * A typed, named entry of the call frame for a package outside core (a session's call tree, a
 * lock's holders, an optimizer's running set). Values are scoped like the rest of the frame.
 */
export class FrameSlot<T> {
  readonly #key: symbol;

  constructor(name: string) {
    this.#key = Symbol(name);
  }

  /** The value set by the innermost enclosing `run`, or undefined. */
  get(): T | undefined {
    return frames.getStore()?.[this.#key] as T | undefined;
  }

  run<R>(value: T, fn: () => R): R {
    return withFrame(this.patch(value), fn);
  }

  /** The frame patch that sets this slot, to combine with other fields in one `withFrame`. */
  patch(value: T): CallFrame {
    return { [this.#key]: value };
  }
}
