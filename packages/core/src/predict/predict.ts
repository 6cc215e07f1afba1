import type { Demo } from '../adapter/types.js';
import { ConfigurationError } from '../errors.js';
import { isLanguageModel, type LanguageModel } from '../lm/types.js';
import { History } from '../primitives/history.js';
import { type LoadStateOptions, Module, PARAMETER, type Parameter } from '../primitives/module.js';
import { Prediction } from '../primitives/prediction.js';
import { resolveAdapter, settings } from '../settings.js';
import {
  ensureSignature,
  type FieldValues,
  type Signature,
  type SignatureState,
} from '../signature/signature.js';
import { checkInputs } from './check-inputs.js';
import { lmFromState } from './lm-state.js';
import { currentStreamSink } from './stream-sink.js';
import type {
  InputsOf,
  OutputsOf,
  PredictCallOptions,
  PredictConfig,
  PredictInputs,
  SignatureInput,
  TypedPrediction,
} from './types.js';

const CONTROL_KEYS = new Set(['config', 'lm', 'demos', 'signal']);

const resolveLm = (candidate: unknown): LanguageModel => {
  if (candidate === undefined || candidate === null) {
    throw new ConfigurationError(
      'No LM is loaded. Please configure the LM using `configure({ lm: new LM(...) })`. ' +
        "e.g, `configure({ lm: new LM('openai/gpt-4o-mini') })`",
    );
  }
  if (typeof candidate === 'string') {
    throw new ConfigurationError(
      `LM must be an instance of \`LM\` (or implement LanguageModel), not a string. Instead of using a string like 'configure({ lm: "${candidate}" })', please configure the LM like 'configure({ lm: new LM("${candidate}") })'`,
    );
  }
  if (!isLanguageModel(candidate)) {
    throw new ConfigurationError(
      `LM must implement LanguageModel ({ model, request() }), not ${typeof candidate}. Received \`lm=${String(candidate)}\`.`,
    );
  }
  return candidate;
};

/**
 * The basic predictor: formats the signature, demos and inputs with the active adapter, calls the
 * LM and parses the completion into a typed Prediction. The only learnable leaf of a program.
 */
export class Predict<const S extends SignatureInput = SignatureInput>
  extends Module<PredictInputs<S>, TypedPrediction<OutputsOf<S>>>
  implements Parameter
{
  readonly [PARAMETER] = true as const;
  signature: Signature<InputsOf<S>, OutputsOf<S>>;
  config: PredictConfig;
  lm: LanguageModel | undefined = undefined;
  demos: Demo[] = [];

  constructor(signature: S, config: PredictConfig = {}) {
    super();
    this.signature = ensureSignature(signature) as Signature<InputsOf<S>, OutputsOf<S>>;
    this.config = { ...config };
  }

  reset(): void {
    this.lm = undefined;
    this.demos = [];
  }

  async forward(call: PredictInputs<S>): Promise<TypedPrediction<OutputsOf<S>>> {
    const { config: callConfig, lm: callLm, demos: callDemos, signal } = call as PredictCallOptions;
    const lm = resolveLm(callLm ?? this.lm ?? settings.lm);
    const config: Record<string, unknown> = { ...this.config, ...callConfig };
    applySamplingRule(config, lm);

    const sig = this.signature as Signature;
    const inputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(call)) if (!CONTROL_KEYS.has(key)) inputs[key] = value;
    for (const field of Object.values(sig.inputFields)) {
      if (inputs[field.name] === undefined && field.hasDefault) inputs[field.name] = field.default;
      if (field.isHistory) inputs[field.name] = History.from(inputs[field.name]);
    }
    checkInputs(sig, inputs, settings.warnOnTypeMismatch ? settings.logger : undefined);

    const adapter = resolveAdapter();
    const sink = currentStreamSink();
    const request = {
      lm,
      config,
      signature: sig,
      demos: callDemos ?? this.demos,
      inputs,
      // A per-call signal and the stream's own (a consumer's `break`) both cancel the request.
      signal: signal && sink ? AbortSignal.any([signal, sink.signal]) : (signal ?? sink?.signal),
    };
    let outputs: Record<string, unknown>[] = [];
    if (sink && adapter.stream && lm.stream) {
      // Under streamify: forward field deltas as the LM writes them; the final outputs come last.
      for await (const event of adapter.stream(request)) {
        if (event.type === 'delta') sink.emit(this, event.field, event.text);
        else outputs = [event.outputs];
      }
    } else {
      outputs = await adapter.call(request);
    }
    const prediction = Prediction.fromCompletions(outputs) as TypedPrediction<OutputsOf<S>>;

    const trace = settings.trace;
    if (trace && settings.maxTraceSize > 0) {
      if (trace.length >= settings.maxTraceSize) trace.shift();
      trace.push({ predictor: this, inputs, prediction });
    }
    return prediction;
  }

  override dumpState(): Record<string, unknown> {
    return {
      traces: [],
      train: [],
      demos: this.demos.map((demo) =>
        typeof (demo as { toDict?: unknown }).toDict === 'function'
          ? (demo as { toDict(): Record<string, unknown> }).toDict()
          : JSON.parse(JSON.stringify(demo)),
      ),
      signature: (this.signature as Signature).dumpState(),
      lm: this.lm?.dumpState?.() ?? null,
    };
  }

  /** DSPy semantics: demos load as plain objects; the signature takes instructions and field metadata. */
  override loadState(state: Record<string, unknown>, options: LoadStateOptions = {}): this {
    if ('extended_signature' in state) {
      throw new ConfigurationError('Loading extended_signature is no longer supported in DSPy 2.6+');
    }
    const signatureState = state.signature as SignatureState | undefined;
    if (signatureState !== undefined && !isSignatureState(signatureState)) {
      throw new ConfigurationError(
        'Invalid predictor state: `signature` must be { instructions, fields: [{ prefix, description }] }.',
      );
    }
    if (state.demos !== undefined && !Array.isArray(state.demos)) {
      throw new ConfigurationError('Invalid predictor state: `demos` must be an array.');
    }
    const lm = state.lm === undefined || state.lm === null ? undefined : lmFromState(state.lm, options);
    this.demos = [...((state.demos as Demo[] | undefined) ?? [])];
    if (signatureState)
      this.signature = (this.signature as Signature).loadState(signatureState) as typeof this.signature;
    this.lm = lm;
    return this;
  }

  override toString(): string {
    return `Predict(${String(this.signature)})`;
  }
}

const isSignatureState = (value: unknown): value is SignatureState =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as SignatureState).instructions === 'string' &&
  Array.isArray((value as SignatureState).fields) &&
  (value as SignatureState).fields.every(
    (f) =>
      typeof f === 'object' &&
      f !== null &&
      typeof f.prefix === 'string' &&
      typeof f.description === 'string',
  );

/** DSPy's rule: n > 1 with a low or unset temperature samples at 0.7 instead. */
function applySamplingRule(config: Record<string, unknown>, lm: LanguageModel): void {
  const temperature = (config.temperature as number | undefined) || lm.defaults?.temperature;
  const n = (config.n as number | undefined) ?? lm.defaults?.n ?? 1;
  if (n > 1 && (temperature === undefined || temperature === null || temperature <= 0.15))
    config.temperature = 0.7;
}

export type AnyPredict = Predict<SignatureInput>;
export type { FieldValues };
