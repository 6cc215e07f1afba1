import { randomUUID } from 'node:crypto';
import type { ActiveCall, Callback, CallKind, LmRetry } from './types.js';

/** What the dispatcher reads from the settings scope. */
export interface CallbackScope {
  /** The global and context callbacks in effect. */
  callbacks(): readonly Callback[];
  warn(message: string): void;
  active(): ActiveCall | undefined;
  run<T>(call: ActiveCall, fn: () => T): T;
}

// settings.ts binds its scope here when it loads: importing settings from this file would close a
// cycle (settings -> adapter types -> signature -> Tool -> this dispatcher).
let scope: CallbackScope = {
  callbacks: () => [],
  warn: (message) => console.warn(message),
  active: () => undefined,
  run: (_call, fn) => fn(),
};

export function bindCallbackScope(bound: CallbackScope): void {
  scope = bound;
}

type StartHandler = (callId: string, instance: object, inputs: Record<string, unknown>) => unknown;
type EndHandler = (callId: string, outputs: unknown, error: unknown) => unknown;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs one handler; a throw or a rejected promise is logged, never propagated. */
const safely = (run: () => unknown): void => {
  try {
    const result = run();
    if (result instanceof Promise) result.catch((error: unknown) => warn(error));
  } catch (error) {
    warn(error);
  }
};
const warn = (error: unknown): void => scope.warn(`Error in callback: ${describe(error)}`);

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';

/** A fresh call id, DSPy's `uuid4().hex`. */
export const newCallId = (): string => randomUUID().replaceAll('-', '');

/** The id of the call whose hooks are running in this async scope, if any callback is active. */
export const activeCallId = (): string | undefined => scope.active()?.id;

/** The callback call in progress in this async scope, with its parents. */
export const activeCall = (): ActiveCall | undefined => scope.active();

/**
 * Whether a call with these instance callbacks would be observed. Hot paths check this first so
 * that, with no callback registered, they build no inputs record and no closure for the handlers.
 */
export const hasCallbacks = (own?: readonly Callback[]): boolean =>
  (own !== undefined && own.length > 0) || scope.callbacks().length > 0;

/** An observed call whose start handlers ran: run code as that call, then end it (once). */
export interface OpenCall {
  run<T>(fn: () => T): T;
  end(outputs: unknown, error: unknown): void;
}

/**
 * Starts an observed call: runs the `on<kind>Start` handlers of the global and context callbacks
 * followed by `own` (the instance's). Undefined when no callback is registered: nothing to do.
 * For calls that are not one function call (a stream); `withCallbacks` covers the rest.
 */
export function openCall(
  kind: CallKind,
  instance: object,
  inputs: Record<string, unknown>,
  own?: readonly Callback[],
): OpenCall | undefined {
  const shared = scope.callbacks();
  if (shared.length === 0 && (own === undefined || own.length === 0)) return undefined;
  const callbacks = own === undefined || own.length === 0 ? shared : [...shared, ...own];
  const id = newCallId();
  for (const callback of callbacks) {
    const start = callback[`on${kind}Start`] as StartHandler | undefined;
    if (start) safely(() => start.call(callback, id, instance, inputs));
  }
  // The id becomes active only around the call itself, so start handlers still see the parent's.
  const active: ActiveCall = { id, kind, instance, callbacks, parent: scope.active() };
  let ended = false;
  return {
    run: (fn) => scope.run(active, fn),
    end: (outputs, error) => {
      if (ended) return;
      ended = true;
      for (const callback of callbacks) {
        const handler = callback[`on${kind}End`] as EndHandler | undefined;
        if (handler) safely(() => handler.call(callback, id, outputs, error));
      }
    },
  };
}

/**
 * Runs `fn` between the `on<kind>Start` / `on<kind>End` handlers of the global and context
 * callbacks followed by `own` (the instance's). With no callback registered it is `fn()` and
 * nothing else. `fn` may return a value or a promise; the end handlers wait for a promise.
 */
export function withCallbacks<T>(
  kind: CallKind,
  instance: object,
  inputs: Record<string, unknown>,
  fn: () => T,
  own?: readonly Callback[],
): T {
  const call = openCall(kind, instance, inputs, own);
  if (call === undefined) return fn();
  let result: T;
  try {
    result = call.run(fn);
  } catch (error) {
    call.end(undefined, error);
    throw error;
  }
  if (!isThenable(result)) {
    call.end(result, undefined);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      call.end(value, undefined);
      return value;
    },
    (error: unknown) => {
      call.end(undefined, error);
      throw error;
    },
  ) as T;
}

/**
 * Whether a `kind` call of `instance` is already running in this async scope (seen only while
 * callbacks are active, which is when it matters: a nested compile does not emit its hooks twice).
 */
export function isObserving(kind: CallKind, instance: object): boolean {
  for (let call = activeCall(); call; call = call.parent) {
    if (call.kind === kind && call.instance === instance) return true;
  }
  return false;
}

/** Reports a retried LM attempt to the callbacks of the LM call in progress (no-op without one). */
export function notifyLmRetry(retry: LmRetry): void {
  const call = activeCall();
  if (call?.kind !== 'Lm') return;
  for (const callback of call.callbacks) {
    const handler = callback.onLmRetry;
    if (handler) safely(() => handler.call(callback, call.id, retry));
  }
}
