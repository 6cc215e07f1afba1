import { Module } from '../primitives/module.js';
import { type FieldSpec, OutputField } from '../signature/field.js';
import { ensureSignature, type Signature } from '../signature/signature.js';
import { Predict } from './predict.js';
import type {
  InputsOf,
  OutputsOf,
  PredictConfig,
  PredictInputs,
  SignatureInput,
  TypedPrediction,
} from './types.js';

type CotSignature<S> = Signature<InputsOf<S>, { reasoning: string } & OutputsOf<S>>;

export interface ChainOfThoughtOptions extends PredictConfig {
  /** Replaces the default `reasoning` output field (name and spec). */
  rationaleField?: { name: string; field: FieldSpec } | undefined;
}

/** Predict with a `reasoning` output prepended: the LM thinks step by step before answering. */
export class ChainOfThought<const S extends SignatureInput = SignatureInput> extends Module<
  PredictInputs<S>,
  TypedPrediction<{ reasoning: string } & OutputsOf<S>>
> {
  predict: Predict<CotSignature<S>>;

  constructor(signature: S, options: ChainOfThoughtOptions = {}) {
    super();
    const { rationaleField, ...config } = options;
    const base = ensureSignature(signature);
    const extended = rationaleField
      ? base.prepend(rationaleField.name, rationaleField.field as FieldSpec)
      : base.prepend('reasoning', OutputField({ desc: '${reasoning}' }));
    this.predict = new Predict(extended as CotSignature<S>, config);
  }

  forward(inputs: PredictInputs<S>): Promise<TypedPrediction<{ reasoning: string } & OutputsOf<S>>> {
    return this.predict.call(inputs as never) as Promise<
      TypedPrediction<{ reasoning: string } & OutputsOf<S>>
    >;
  }
}
