import { History, type Signature } from '@dspy-ts/core';
import type { InputSupplier } from '@dspy-ts/core/internal';

/** How a prepared predictor receives the session's history. */
export interface Injection {
  /** The input field the history goes to. */
  readonly field: string;
  /** The field is typed exactly History: an explicit `null` means an empty History there. */
  readonly exact: boolean;
}

// Prepared predictors are remembered here, never marked on the objects themselves. By predictor,
// so a later signature change (an optimizer rewriting instructions) keeps the injection; and by
// the signature the session created, so a deep copy of a prepared predictor (which shares its
// immutable signature) has it too. A signature the user supplied may be shared by predictors no
// session prepared, so it is never a key.
const byPredictor = new WeakMap<object, Injection>();
const bySignature = new WeakMap<Signature, Injection>();

const signatureOf = (predictor: object): Signature | undefined => {
  const signature = (predictor as { signature?: unknown }).signature;
  return typeof signature === 'object' && signature !== null ? (signature as Signature) : undefined;
};

/** The injection a predictor was prepared with, or undefined if no session prepared it. */
export function injectionOf(predictor: object): Injection | undefined {
  const own = byPredictor.get(predictor);
  if (own) return own;
  const signature = signatureOf(predictor);
  return signature ? bySignature.get(signature) : undefined;
}

/**
 * Records that `predictor` takes the session's history under `field`; `createdSignature` is the
 * signature the session gave it (with the appended field). Preparing twice keeps the first.
 */
export function prepareInjection(
  predictor: object,
  injection: Injection,
  createdSignature?: Signature,
): void {
  if (injectionOf(predictor)) return;
  byPredictor.set(predictor, injection);
  if (createdSignature) bySignature.set(createdSignature, injection);
}

/**
 * The supplier a session call installs in the call frame: a prepared predictor whose inputs leave
 * its history field out (absent or undefined) receives `history`. An explicit value always wins;
 * an explicit `null` means "no history" (an empty History for a field typed exactly History,
 * since Predict rejects null there). The innermost session call's supplier is the one in effect,
 * so nested sessions and sessions sharing one predictor never see each other's history.
 */
export function historySupplier(history: History): InputSupplier {
  return (predictor, inputs) => {
    const injection = injectionOf(predictor);
    if (!injection) return inputs;
    const value = inputs[injection.field];
    if (value === undefined) return { ...inputs, [injection.field]: history };
    if (value === null && injection.exact) return { ...inputs, [injection.field]: new History() };
    return inputs;
  };
}
