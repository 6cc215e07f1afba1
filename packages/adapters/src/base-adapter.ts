import {
  type Adapter,
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterStreamEvent,
  type Callback,
  type ChatMessage,
  type CompletionFormat,
  ConfigurationError,
  type Demo,
  InputError,
  LMError,
  type LMRequest,
  type LMResponse,
  type LMToolCall,
  type Signature,
} from '@dspy-ts/core';
import { requestLm, withCallbacks } from '@dspy-ts/core/internal';
import { pyText } from './format-value.js';
import { applyOutputDefaults } from './layout.js';
import { type NativeToolPlan, nativeOutputs, planNativeTools } from './native-tools.js';
import type { FieldDelta, FieldStreamParser } from './streaming/field-text.js';
import { lmChunks } from './streaming/lm-chunks.js';

/** Keys of a Predict config that only make sense with native function calling. */
const TOOL_KEYS = new Set(['tools', 'tool_choice', 'parallel_tool_calls']);

const numberOption = (key: string, value: unknown): number => {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new ConfigurationError(`LM config '${key}' must be a number, got ${pyText(value)}.`);
  }
  return value;
};

/**
 * Whether a failed attempt may be retried in another format. DSPy retries on anything but an LM
 * error; we also rethrow input and configuration errors (and aborts), which would fail the same way again.
 */
export const isRetryable = (error: unknown, signal: AbortSignal | undefined): boolean =>
  !(
    error instanceof LMError ||
    error instanceof InputError ||
    error instanceof ConfigurationError ||
    signal?.aborted
  );

/**
 * The LM request for one adapter call: `temperature`, `n` and `max_tokens` / `maxTokens` become
 * the typed fields, `response_format` the response format, everything else goes to `extra`.
 */
export function buildRequest(
  messages: ChatMessage[],
  config: Readonly<Record<string, unknown>>,
  options: {
    signal?: AbortSignal | undefined;
    responseFormat?: unknown;
    keepTools?: boolean | undefined;
    plan?: NativeToolPlan | undefined;
    completionFormat?: CompletionFormat | undefined;
  },
): LMRequest {
  const request: LMRequest = { messages };
  if (options.completionFormat) request.completionFormat = options.completionFormat;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (key === 'temperature') request.temperature = numberOption(key, value);
    else if (key === 'n') request.n = numberOption(key, value);
    else if (key === 'max_tokens' || key === 'maxTokens') request.maxTokens = numberOption(key, value);
    else if (key === 'response_format' || key === 'responseFormat') request.responseFormat = value;
    else if (TOOL_KEYS.has(key) && !options.keepTools) continue;
    else extra[key] = value;
  }
  if (options.responseFormat !== undefined) request.responseFormat = options.responseFormat;
  // The signature's tools replace any `tools` of the config, as DSPy's lm_kwargs["tools"] does.
  if (options.plan?.tools) {
    request.tools = options.plan.tools;
    delete extra.tools;
  }
  if (Object.keys(extra).length > 0) request.extra = extra;
  if (options.signal) request.signal = options.signal;
  return request;
}

/**
 * The call path every adapter shares (DSPy's Adapter.__call__): format, one LM request with this
 * adapter marked active (so DummyLM answers in its format), parse every choice, apply the output
 * defaults and report missing outputs as null. Fallbacks are added by subclasses.
 */
export abstract class BaseAdapter implements Adapter {
  abstract readonly name: string;
  /**
   * Native function calling: a `list[Tool]` input and a `ToolCalls` output go through the LM's
   * function calling instead of the prompt, and `tools` / `tool_choice` stay in the request.
   */
  readonly useNativeFunctionCalling: boolean = false;
  /** Callbacks for this adapter's format and parse calls only, after the global ones. */
  callbacks: Callback[] = [];

  abstract format(
    signature: Signature,
    demos: readonly Demo[],
    inputs: Readonly<Record<string, unknown>>,
  ): ChatMessage[];
  abstract parse(signature: Signature, completion: string): Record<string, unknown>;
  abstract formatCompletion(values: Readonly<Record<string, unknown>>, signature?: Signature): string;

  call(options: AdapterCallOptions): Promise<Record<string, unknown>[]> {
    return this.callOnce(options);
  }

  /** The native-tools plan and the LM request of one round trip, streamed or not. */
  private prepareRequest(options: AdapterCallOptions, responseFormat: unknown) {
    const { lm, config, signature, demos, inputs, signal } = options;
    const plan = planNativeTools(this.useNativeFunctionCalling, lm, signature, inputs);
    const messages = this.formatObserved(plan.signature, demos, inputs);
    const request = buildRequest(messages, config, {
      signal,
      responseFormat,
      keepTools: this.useNativeFunctionCalling,
      plan,
      completionFormat: this,
    });
    return { plan, request };
  }

  /** One LM round trip without any fallback. `responseFormat` overrides the config's. */
  protected async callOnce(
    options: AdapterCallOptions,
    responseFormat?: unknown,
  ): Promise<Record<string, unknown>[]> {
    const { lm, signature } = options;
    const { plan, request } = this.prepareRequest(options, responseFormat);
    const response = await requestLm(lm, request);
    return response.outputs.map((output: string | null | undefined, index) =>
      this.choiceOutputs(plan, signature, output, response.toolCalls?.[index]),
    );
  }

  /** One choice's outputs: parsed, defaults applied, the model's tool calls as the ToolCalls output. */
  protected choiceOutputs(
    plan: NativeToolPlan,
    signature: Signature,
    output: string | null | undefined,
    toolCalls: readonly LMToolCall[] | undefined,
  ): Record<string, unknown> {
    if (plan.outputName) {
      return nativeOutputs({
        adapterName: this.name,
        plan,
        original: signature,
        text: output,
        toolCalls,
        parse: (sig, text) => this.parseObserved(sig, text),
      });
    }
    if (output === '' || output === null || output === undefined) {
      throw new AdapterParseError({
        adapterName: this.name,
        completion: pyText(output ?? null),
        signature,
        message: 'The LM returned an empty or null response.',
      });
    }
    return this.finalize(signature, this.parseObserved(signature, output));
  }

  /** `format` between the onAdapterFormatStart / End callbacks. */
  protected formatObserved(
    signature: Signature,
    demos: readonly Demo[],
    inputs: Readonly<Record<string, unknown>>,
  ): ChatMessage[] {
    return withCallbacks(
      'AdapterFormat',
      this,
      { signature, demos, inputs },
      () => this.format(signature, demos, inputs),
      this.callbacks,
    );
  }

  /** `parse` between the onAdapterParseStart / End callbacks. */
  protected parseObserved(signature: Signature, completion: string): Record<string, unknown> {
    return withCallbacks(
      'AdapterParse',
      this,
      { signature, completion },
      () => this.parse(signature, completion),
      this.callbacks,
    );
  }

  /**
   * `callOnce` as a stream: yields field deltas of choice 0 as the LM writes them, then parses the
   * whole text as `callOnce` does and returns the outputs. `streamed` names the fields shown so
   * far: a retry skips the deltas of fields an earlier attempt streamed, and adds its own.
   */
  protected async *streamOnce(
    options: AdapterCallOptions,
    parser: FieldStreamParser,
    streamed: Set<string>,
    responseFormat?: unknown,
  ): AsyncGenerator<AdapterStreamEvent, Record<string, unknown>, undefined> {
    const { lm, signature } = options;
    const { plan, request } = this.prepareRequest(options, responseFormat);
    const earlier = new Set(streamed);
    const events = function* (deltas: FieldDelta[]): Generator<AdapterStreamEvent> {
      for (const delta of deltas) {
        if (earlier.has(delta.field)) continue;
        streamed.add(delta.field);
        yield { type: 'delta', field: delta.field, text: delta.text };
      }
    };
    let completion = '';
    const chunks = lmChunks(lm, request)[Symbol.asyncIterator]();
    let response: LMResponse | undefined;
    for (;;) {
      const next = await chunks.next();
      if (next.done) {
        response = next.value;
        break;
      }
      completion += next.value.text;
      yield* events(parser.push(next.value.text));
    }
    yield* events(parser.end());
    if (plan.outputName) return this.choiceOutputs(plan, signature, completion, response?.toolCalls?.[0]);
    if (completion === '') {
      throw new AdapterParseError({
        adapterName: this.name,
        completion,
        signature,
        message: 'The LM returned an empty or null response.',
      });
    }
    return this.finalize(signature, this.parseObserved(signature, completion));
  }

  /** Step 4: defaults again, then any output still absent is null, in signature order. */
  protected finalize(signature: Signature, parsed: Record<string, unknown>): Record<string, unknown> {
    const values = applyOutputDefaults(signature, parsed);
    for (const name of Object.keys(signature.outputFields))
      if (!Object.hasOwn(values, name)) values[name] = null;
    return values;
  }
}
