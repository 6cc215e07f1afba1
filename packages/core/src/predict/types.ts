import type { Demo } from '../adapter/types.js';
import type { LanguageModel } from '../lm/types.js';
import type { Prediction } from '../primitives/prediction.js';
import type { CallInputs, ParseInputs, ParseOutputs } from '../signature/infer.js';
import type { FieldValues, Signature } from '../signature/signature.js';

/** What a predictor accepts as its signature: a DSPy string or a Signature. */
export type SignatureInput = string | Signature<FieldValues, FieldValues>;

export type InputsOf<S> = S extends string
  ? ParseInputs<S>
  : S extends Signature<infer I, FieldValues>
    ? I
    : FieldValues;
export type OutputsOf<S> = S extends string
  ? ParseOutputs<S>
  : S extends Signature<FieldValues, infer O>
    ? O
    : FieldValues;

/** An object type without its string and number index signatures. */
type WithoutIndex<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

/**
 * A Prediction whose output fields are typed: exactly the signature's fields (reading any other
 * name is a type error, so `pred.answr` does not compile), and still assignable to `Prediction`.
 */
export type TypedPrediction<O> = WithoutIndex<Prediction> & Readonly<O>;

/**
 * Keys of a call that control the call instead of filling an input field. A type alias, not an
 * interface, so call inputs stay assignable to `Record<string, unknown>` (generic modules accept them).
 */
export type PredictCallOptions = {
  /** LM request parameters for this call, merged over the predictor's config. */
  config?: Readonly<Record<string, unknown>> | undefined;
  lm?: LanguageModel | undefined;
  demos?: readonly Demo[] | undefined;
  signal?: AbortSignal | undefined;
};

export type PredictInputs<S> = CallInputs<InputsOf<S>> & PredictCallOptions;

/** Default LM request parameters of a predictor (snake_case keys are passed through as they are). */
export interface PredictConfig {
  temperature?: number | undefined;
  n?: number | undefined;
  maxTokens?: number | undefined;
  [key: string]: unknown;
}
