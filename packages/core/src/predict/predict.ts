import type { AdapterCallOptions, AdapterProtocol, Demo } from '../adapter/types.js';
import { currentFrame, type StreamSink } from '../call-context.js';
import { ConfigurationError, SignatureError } from '../errors.js';
import { isLanguageModel, type LanguageModel } from '../lm/types.js';
import { History } from '../primitives/history.js';
import { type LoadStateOptions, Module, PARAMETER, type Parameter } from '../primitives/module.js';
import { Prediction } from '../primitives/prediction.js';
import { resolveAdapter, settings, type TraceEntry } from '../settings.js';
import {
  ensureSignature,
  type FieldValues,
  type Signature,
  type SignatureState,
} from '../signature/signature.js';
import { checkInputs } from './check-inputs.js';
import { lmFromState } from './lm-state.js';
import type {
  InputsOf,
  OutputsOf,
  PredictCallOptions,
  PredictConfig,
  PredictInputs,
  SignatureInput,
  TypedPrediction,
} from './types.js';

/** Everything one predictor call runs with, as `Predict.preprocess` resolved it. */
export interface PreparedCall extends AdapterCallOptions {
  adapter: AdapterProtocol;
  inputs: Record<string, unknown>;
  /** The sink of an enclosing `streamify`, if any. */
  sink: StreamSink | undefined;
}

/** Input names a call reads as options; an input field under one of them could never be filled. */
const CALL_OPTION_NAMES: ReadonlySet<string> = new Set(['config', 'lm', 'demos', 'signal']);

function checkFieldNames(signature: Signature): void {
  const clashes = Object.keys(signature.inputFields).filter((name) => CALL_OPTION_NAMES.has(name));
  if (clashes.length > 0) {
    throw new SignatureError(
      `Input field${clashes.length > 1 ? 's' : ''} ${clashes.map((n) => `'${n}'`).join(', ')} ` +
        `clash${clashes.length > 1 ? '' : 'es'} with Predict's call options (config, lm, demos, signal). ` +
        'Rename the field, e.g. `config` -> `settings_text`.',
    );
  }
}

/** Appends a call to the context's trace list, if tracing is on (optimizers read it). */
function recordTrace(
  predictor: object,
  inputs: Record<string, unknown>,
  prediction: TraceEntry['prediction'],
): void {
  const trace = settings.trace;
  if (!trace || settings.maxTraceSize <= 0) return;
  if (trace.length >= settings.maxTraceSize) trace.shift();
  trace.push({ predictor, inputs, prediction });
}

// A function, not a #private method: deepCopy builds predictors with Object.create, which gives
// them no private brand.
async function complete(predictor: object, run: PreparedCall): Promise<Record<string, unknown>[]> {
  const { adapter, sink, lm } = run;
  if (!(sink && adapter.stream && lm.stream)) return adapter.call(run);
  // Under streamify: forward field deltas as the LM writes them; the final outputs come last.
  let outputs: Record<string, unknown>[] = [];
  for await (const event of adapter.stream(run)) {
    if (event.type === 'delta') sink.emit(predictor, event.field, event.text);
    else outputs = [event.outputs];
  }
  return outputs;
}

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
    checkFieldNames(this.signature as Signature);
    this.config = { ...config };
  }

  reset(): void {
    this.lm = undefined;
    this.demos = [];
  }

  /**
   * One call, in DSPy's three steps: `preprocess` resolves everything the call runs with, the
   * adapter formats, calls the LM and parses, and the trace records the call.
   */
  async forward(call: PredictInputs<S>): Promise<TypedPrediction<OutputsOf<S>>> {
    const run = this.preprocess(call);
    const outputs = await complete(this, run);
    // One choice (the usual case): its completions are built from the prediction when first read.
    const prediction = (
      outputs.length === 1 ? new Prediction(outputs[0]) : Prediction.fromCompletions(outputs)
    ) as TypedPrediction<OutputsOf<S>>;
    recordTrace(this, run.inputs, prediction);
    return prediction;
  }

  /**
   * Resolves one call: the LM (call option, then the predictor's, then settings), the adapter,
   * the config (the predictor's, then the call's), the demos (call option, then the predictor's)
   * and the input values (the call's, then what the call frame supplies, e.g. a session's history,
   * then field defaults), checked against the signature.
   */
  preprocess(call: PredictInputs<S>): PreparedCall {
    const frame = currentFrame();
    const given = frame.supplyInputs ? frame.supplyInputs(this, call) : call;
    const {
      config: callConfig,
      lm: callLm,
      demos: callDemos,
      signal,
      ...inputs
    } = given as PredictCallOptions & Record<string, unknown>;
    const lm = resolveLm(callLm ?? this.lm ?? settings.lm);
    const config: Record<string, unknown> = { ...this.config, ...callConfig };
    applySamplingRule(config, lm);

    const sig = this.signature as Signature;
    for (const field of Object.values(sig.inputFields)) {
      if (inputs[field.name] === undefined && field.hasDefault) inputs[field.name] = field.default;
      if (field.isHistory) inputs[field.name] = History.from(inputs[field.name]);
    }
    checkInputs(sig, inputs, settings.warnOnTypeMismatch ? settings.logger : undefined);

    const sink = frame.streamSink;
    return {
      lm,
      adapter: resolveAdapter(),
      config,
      signature: sig,
      demos: callDemos ?? this.demos,
      inputs,
      // A per-call signal and the stream's own (a consumer's `break`) both cancel the request.
      signal: signal && sink ? AbortSignal.any([signal, sink.signal]) : (signal ?? sink?.signal),
      sink,
    };
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
  // Read once: an LM may build its defaults on each access.
  const defaults = lm.defaults;
  const temperature = (config.temperature as number | undefined) || defaults?.temperature;
  const n = (config.n as number | undefined) ?? defaults?.n ?? 1;
  if (n > 1 && (temperature === undefined || temperature === null || temperature <= 0.15))
    config.temperature = 0.7;
}

export type AnyPredict = Predict<SignatureInput>;
export type { FieldValues };
