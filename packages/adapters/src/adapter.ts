import {
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterProtocol,
  type AdapterStreamEvent,
  type Callback,
  type ChatMessage,
  ConfigurationError,
  type Demo,
  type LMResponse,
  type LMToolCall,
  type Signature,
  settings,
} from '@dspy-ts/core';
import { hasCallbacks, requestLm, withCallbacks } from '@dspy-ts/core/internal';
import { buildRequest } from './build-request.js';
import { pyText } from './format-value.js';
import { HistoryFormatCache } from './history-cache.js';
import {
  fieldDescription,
  formatFieldValue,
  historyFieldName,
  historyOf,
  joinUserContent,
  presentInputs,
  taskDescription,
  type UserContentOptions,
} from './layout.js';
import { type NativeToolPlan, planNativeTools, toolCallsOutput } from './native-tools.js';
import { completeOutputs } from './output-defaults.js';
import { isRetryable } from './retryable.js';
import type { FieldDelta, FieldStreamParser } from './streaming/field-text.js';
import { lmChunks, withoutStreamed } from './streaming/lm-chunks.js';
import { demoMessages, historyTurnMessages } from './turn-messages.js';

type Values = Readonly<Record<string, unknown>>;

export interface AdapterOptions {
  /**
   * Native function calling: a `list[Tool]` input and a `ToolCalls` output go through the LM's
   * function calling instead of the prompt, and `tools` / `tool_choice` stay in the request.
   */
  useNativeFunctionCalling?: boolean | undefined;
}

/** One LM round trip of a call, by the response format it asks for. */
export interface Attempt {
  /** Built when the attempt starts, so a schema that cannot be built fails this attempt only. */
  responseFormat?: (() => unknown) | undefined;
  /** Logged when this attempt replaces a failed one. */
  retryWarning?: string | undefined;
}

/** A call's attempts, in order: at least one. */
export type Attempts = readonly [Attempt, ...Attempt[]];

const ONE_ATTEMPT: Attempts = [{}];

interface SignatureLayout {
  historyName: string | undefined;
  withoutHistory: Signature;
  /** Set on first use (after the History input is checked). */
  system?: string;
}

/**
 * DSPy's `Adapter`: turns a signature, demos and inputs into chat messages, calls the LM, and
 * parses each completion back into typed outputs. A call runs `format` (system message, demos,
 * history, the current input), one LM request, `parse` for every choice, then the output defaults;
 * native function calling and retries in another format (`attempts`, `fallbackAdapter`) wrap
 * that path. Subclasses write their format through the `format*` steps and `parse`.
 */
export abstract class Adapter implements AdapterProtocol {
  abstract readonly name: string;
  readonly useNativeFunctionCalling: boolean;
  /** Callbacks for this adapter's format and parse calls only, after the global ones. */
  callbacks: Callback[] = [];

  constructor(options: AdapterOptions = {}) {
    this.useNativeFunctionCalling = options.useNativeFunctionCalling ?? false;
  }

  /** Parses one completion into output values; throws AdapterParseError when it cannot. */
  abstract parse(signature: Signature, completion: string): Record<string, unknown>;

  /** Renders output values the way this adapter expects an LM to answer (DummyLM answers with it). */
  abstract formatCompletion(values: Values, signature?: Signature): string;

  /** Streams choice 0 as field deltas, then `done` with the outputs; only adapters that can parse incrementally have it. */
  stream?(options: AdapterCallOptions): AsyncIterable<AdapterStreamEvent>;

  // ---- The call path ----

  /** Formats, calls the LM, parses every choice; a failed attempt moves to the next one, then to the fallback adapter. */
  async call(options: AdapterCallOptions): Promise<Record<string, unknown>[]> {
    const attempts = this.attempts(options);
    for (let i = 0; ; i++) {
      const attempt = attempts[i]!;
      if (i > 0 && attempt.retryWarning) settings.logger.warn(attempt.retryWarning);
      try {
        return await this.callOnce(options, attempt.responseFormat?.());
      } catch (error) {
        if (!isRetryable(error, options.signal)) throw error;
        if (i + 1 < attempts.length) continue;
        const fallback = this.fallbackAdapter();
        if (!fallback) throw error;
        return fallback.call(options);
      }
    }
  }

  /** The response formats a call tries in turn. One attempt with the config's own format by default. */
  protected attempts(_options: AdapterCallOptions): Attempts {
    return ONE_ATTEMPT;
  }

  /** The adapter that retries a call whose attempts all failed (ChatAdapter: a JSONAdapter). None by default. */
  protected fallbackAdapter(): Adapter | undefined {
    return undefined;
  }

  /** `call` as a stream (an adapter's `stream`): the same attempts and fallback; a retry's deltas skip fields shown already. */
  protected async *streamCall(
    options: AdapterCallOptions,
    parser: () => FieldStreamParser,
  ): AsyncGenerator<AdapterStreamEvent, void, undefined> {
    const streamed = new Set<string>();
    const attempts = this.attempts(options);
    for (let i = 0; ; i++) {
      const attempt = attempts[i]!;
      if (i > 0 && attempt.retryWarning) settings.logger.warn(attempt.retryWarning);
      let outputs: Record<string, unknown>;
      try {
        outputs = yield* this.streamOnce(options, parser(), streamed, attempt.responseFormat?.());
      } catch (error) {
        if (!isRetryable(error, options.signal)) throw error;
        if (i + 1 < attempts.length) continue;
        const fallback = this.fallbackAdapter();
        if (!fallback?.stream) throw error;
        yield* withoutStreamed(fallback.stream(options), streamed);
        return;
      }
      yield { type: 'done', outputs };
      return;
    }
  }

  /** The native-tools plan and the LM request of one round trip (DSPy's `_call_preprocess` and `format`). */
  private prepareRequest(options: AdapterCallOptions, responseFormat: unknown) {
    const { lm, config, signature, demos, inputs, signal } = options;
    const plan = planNativeTools(this.useNativeFunctionCalling, lm, signature, inputs);
    const messages = hasCallbacks(this.callbacks)
      ? withCallbacks(
          'AdapterFormat',
          this,
          { signature: plan.signature, demos, inputs },
          () => this.format(plan.signature, demos, inputs),
          this.callbacks,
        )
      : this.format(plan.signature, demos, inputs);
    const request = buildRequest(messages, config, {
      signal,
      responseFormat,
      keepTools: this.useNativeFunctionCalling,
      plan,
      completionFormat: this,
    });
    return { plan, request };
  }

  /** One LM round trip, every choice parsed. `responseFormat` overrides the config's. */
  private async callOnce(
    options: AdapterCallOptions,
    responseFormat: unknown,
  ): Promise<Record<string, unknown>[]> {
    const { plan, request } = this.prepareRequest(options, responseFormat);
    const response = await requestLm(options.lm, request);
    return response.outputs.map((output: string | null | undefined, index) =>
      this.postprocess(plan, options.signature, output, response.toolCalls?.[index]),
    );
  }

  /**
   * `callOnce` as a stream: yields field deltas of choice 0 as the LM writes them, then parses the
   * whole text and returns the outputs. `streamed` names the fields shown so far: a retry skips
   * the deltas of fields an earlier attempt streamed, and adds its own.
   */
  private async *streamOnce(
    options: AdapterCallOptions,
    parser: FieldStreamParser,
    streamed: Set<string>,
    responseFormat: unknown,
  ): AsyncGenerator<AdapterStreamEvent, Record<string, unknown>, undefined> {
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
    const chunks = lmChunks(options.lm, request)[Symbol.asyncIterator]();
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
    return this.postprocess(plan, options.signature, completion, response?.toolCalls?.[0]);
  }

  /**
   * One choice's outputs (DSPy's `_call_postprocess`): the text parsed with the prompt's signature
   * (under native calling a parse failure is tolerated when the model answered with tool calls),
   * the caller's output defaults, every missing output null, the tool calls as the ToolCalls output.
   */
  private postprocess(
    plan: NativeToolPlan,
    signature: Signature,
    text: string | null | undefined,
    toolCalls: readonly LMToolCall[] | undefined,
  ): Record<string, unknown> {
    const calls = plan.outputName && toolCalls?.length ? toolCalls : undefined;
    let parsed: Record<string, unknown>;
    if (text && !calls) parsed = this.parseObserved(plan.signature, text);
    else if (calls) {
      try {
        const prose = text && Object.keys(plan.signature.outputFields).length > 0;
        parsed = prose ? this.parseObserved(plan.signature, text) : {};
      } catch (error) {
        if (!(error instanceof AdapterParseError)) throw error;
        parsed = {};
      }
    } else {
      throw new AdapterParseError({
        adapterName: this.name,
        completion: pyText(text ?? null),
        signature,
        message: 'The LM returned an empty or null response.',
      });
    }
    const values = completeOutputs(signature, parsed);
    if (calls && plan.outputName) values[plan.outputName] = toolCallsOutput(calls);
    return values;
  }

  /** `parse` between the onAdapterParseStart / End callbacks. */
  private parseObserved(signature: Signature, completion: string): Record<string, unknown> {
    if (!hasCallbacks(this.callbacks)) return this.parse(signature, completion);
    return withCallbacks(
      'AdapterParse',
      this,
      { signature, completion },
      () => this.parse(signature, completion),
      this.callbacks,
    );
  }

  // ---- Formatting: DSPy's `format` and the steps a subclass overrides ----

  // Signatures are immutable, so what format derives from the signature alone (the system message,
  // the signature without its History field) is computed once per signature, not on every call.
  readonly #layouts = new WeakMap<Signature, SignatureLayout>();
  readonly #history = new HistoryFormatCache();

  #layout(signature: Signature): SignatureLayout {
    let layout = this.#layouts.get(signature);
    if (!layout) {
      const historyName = historyFieldName(signature);
      layout = { historyName, withoutHistory: historyName ? signature.delete(historyName) : signature };
      this.#layouts.set(signature, layout);
    }
    return layout;
  }

  /** The messages of one call: system message, demos (incomplete first), history turns, the current input. */
  format(signature: Signature, demos: readonly Demo[], inputs: Values): ChatMessage[] {
    const layout = this.#layout(signature);
    const { historyName, withoutHistory } = layout;
    const history = historyName ? this.formatConversationHistory(withoutHistory, historyName, inputs) : [];
    layout.system ??= this.formatSystemMessage(signature);
    const messages: ChatMessage[] = [
      { role: 'system', content: layout.system },
      ...this.formatDemos(signature, demos),
      ...history,
    ];
    const content = this.formatUserMessageContent(withoutHistory, inputs, { mainRequest: true });
    if (content) messages.push({ role: 'user', content });
    return messages;
  }

  /** The field description, the field structure and the task description, one per line. */
  formatSystemMessage(signature: Signature): string {
    return `${this.formatFieldDescription(signature)}\n${this.formatFieldStructure(signature)}\n${this.formatTaskDescription(signature)}`;
  }

  /** The numbered input and output fields with their types and descriptions. */
  formatFieldDescription(signature: Signature): string {
    return fieldDescription(signature);
  }

  /** How inputs are given and outputs must be written. Every format defines its own. */
  formatFieldStructure(_signature: Signature): string {
    throw new ConfigurationError(
      `${this.name} does not define formatFieldStructure: override it, or override format itself.`,
    );
  }

  /** The objective: the signature's instructions. */
  formatTaskDescription(signature: Signature): string {
    return taskDescription(signature);
  }

  /**
   * The text of a user message: prefix, a `[[ ## name ## ]]` block per input present (DSPy's
   * ChatAdapter layout, which the JSONAdapter shares), the output requirements on the main
   * request, suffix. ReAct formats its trajectory with it.
   */
  formatUserMessageContent(signature: Signature, inputs: Values, options: UserContentOptions = {}): string {
    return joinUserContent({
      prefix: options.prefix,
      blocks: presentInputs(signature, inputs).map(
        (field) => `[[ ## ${field.name} ## ]]\n${formatFieldValue(field, inputs[field.name])}`,
      ),
      requirements: options.mainRequest ? this.userMessageOutputRequirements(signature) : undefined,
      suffix: options.suffix,
    });
  }

  /** The sentence that closes the main request, telling the LM how to answer. None by default. */
  userMessageOutputRequirements(_signature: Signature): string | undefined {
    return undefined;
  }

  /** The text of an assistant message; `missingFieldMessage` replaces absent outputs (none given: None). */
  formatAssistantMessageContent(
    _signature: Signature,
    _outputs: Values,
    _missingFieldMessage?: string,
  ): string {
    throw new ConfigurationError(
      `${this.name} does not define formatAssistantMessageContent: override it, or override format itself.`,
    );
  }

  /** The demos as user / assistant pairs: incomplete ones first, then complete ones; others are dropped. */
  formatDemos(signature: Signature, demos: readonly Demo[]): ChatMessage[] {
    return demoMessages(this, signature, demos);
  }

  /** The History input's turns as user / assistant messages, tool calls replayed. `signature` is without the History field. */
  formatConversationHistory(signature: Signature, historyFieldName: string, inputs: Values): ChatMessage[] {
    const history = historyOf(inputs, historyFieldName);
    return (history?.messages ?? []).flatMap((turn) =>
      this.#history.messages(signature, turn, () => historyTurnMessages(this, signature, turn)),
    );
  }
}
