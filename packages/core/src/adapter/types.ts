import type { ChatMessage, LanguageModel } from '../lm/types.js';
import type { Signature } from '../signature/signature.js';

/** A few-shot demo: an Example or a plain object keyed by field name (loaded programs hold plain objects). */
export type Demo = Readonly<Record<string, unknown>> | { toDict(): Record<string, unknown> };

/** Everything one adapter call needs. `config` holds LM request parameters (temperature, n, ...). */
export interface AdapterCallOptions {
  lm: LanguageModel;
  config: Readonly<Record<string, unknown>>;
  signature: Signature;
  demos: readonly Demo[];
  inputs: Readonly<Record<string, unknown>>;
  signal?: AbortSignal | undefined;
}

/** One event of a streamed adapter call: new text of an output field, then the parsed outputs. */
export type AdapterStreamEvent =
  | { type: 'delta'; field: string; text: string }
  | { type: 'done'; outputs: Record<string, unknown> };

/**
 * What Predict and `configure({ adapter })` need of an adapter: turn a signature + demos + inputs
 * into chat messages, call the LM, and turn each completion back into typed values.
 *
 * A structural interface, so core depends on no implementation. The implementations, and the
 * `Adapter` base class users subclass (DSPy's `dspy.Adapter`), live in @dspy-ts/adapters; this is
 * named `AdapterProtocol` so that a file importing both packages sees one `Adapter`: the class.
 */
export interface AdapterProtocol {
  readonly name: string;
  format(
    signature: Signature,
    demos: readonly Demo[],
    inputs: Readonly<Record<string, unknown>>,
  ): ChatMessage[];
  /** Parses one completion into output values; throws AdapterParseError when it cannot. */
  parse(signature: Signature, completion: string): Record<string, unknown>;
  /** Formats, calls the LM, parses every completion (with this adapter's fallbacks). One object per choice. */
  call(options: AdapterCallOptions): Promise<Record<string, unknown>[]>;
  /** Renders output values the way this adapter expects an LM to answer (DummyLM uses it). */
  formatCompletion(values: Readonly<Record<string, unknown>>, signature?: Signature): string;
  /**
   * The user-message text of these fields, without the closing instructions (DSPy's
   * `format_user_message_content`); ReAct formats its trajectory with it. Optional.
   */
  formatUserMessageContent?(signature: Signature, values: Readonly<Record<string, unknown>>): string;
  /** Streams one completion as field deltas (optional; see streamify). */
  stream?(options: AdapterCallOptions): AsyncIterable<AdapterStreamEvent>;
}

export const isAdapter = (value: unknown): value is AdapterProtocol =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as AdapterProtocol).format === 'function' &&
  typeof (value as AdapterProtocol).parse === 'function' &&
  typeof (value as AdapterProtocol).call === 'function';
