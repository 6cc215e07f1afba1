import { AsyncLocalStorage } from 'node:async_hooks';
import { History } from '@dspy-ts/core';

/**
 * The history of the session call running in this async scope (Python: a contextvar). Each
 * session call publishes its own value for the length of its module invocation, so concurrent
 * calls, nested sessions and sessions sharing one predictor object never see each other's value.
 */
const ambientHistory = new AsyncLocalStorage<History>();

export const withSessionHistory = <T>(history: History, fn: () => T): T => ambientHistory.run(history, fn);

/** The history of the innermost session call in progress, or undefined outside any call. */
export const currentSessionHistory = (): History | undefined => ambientHistory.getStore();

/** Marks a prepared predictor; the value is the name of the History field it receives. */
const PREPARED = Symbol.for('dspy-ts.session.historyField');

type Forward = (this: unknown, inputs: unknown) => Promise<unknown>;
type Wrappable = { forward: Forward; [PREPARED]?: string };

/** The history field a predictor was prepared with, or undefined if it was never prepared. */
export const preparedField = (predictor: object): string | undefined => (predictor as Wrappable)[PREPARED];

/**
 * Makes `predictor.forward` receive the session's history under `field` when its inputs leave that
 * field out (absent or undefined). An explicit value always wins; an explicit `null` means "no
 * history" (an empty History for a field typed exactly History, since Predict rejects null there).
 *
 * The wrapper resolves `this` at call time and calls the forward in place when wrapping happened
 * (the prototype method or an instance-level fake), so a deep copy of a prepared predictor runs
 * with its own signature and demos (unlike Python, whose wrapper closes over the original's bound
 * method). The marker makes preparing twice a no-op; copies inherit both the wrapper and marker.
 */
export function wrapForInjection(predictor: object, field: string, exactHistory: boolean): void {
  const target = predictor as Wrappable;
  if (target[PREPARED] !== undefined) return;
  const original = target.forward;
  const wrapped: Forward = function (this: unknown, inputs: unknown) {
    const name = (this as Wrappable)[PREPARED] ?? field;
    let call = inputs;
    if (typeof inputs === 'object' && inputs !== null) {
      const value = (inputs as Record<string, unknown>)[name];
      const ambient = currentSessionHistory();
      if (value === undefined && ambient !== undefined) call = { ...inputs, [name]: ambient };
      else if (value === null && exactHistory) call = { ...inputs, [name]: new History() };
    }
    return original.call(this, call);
  };
  Object.defineProperty(target, 'forward', { value: wrapped, writable: true, configurable: true });
  Object.defineProperty(target, PREPARED, { value: field, writable: true, configurable: true });
}
