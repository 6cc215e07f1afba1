import PQueue from 'p-queue';
import { z } from 'zod';
import type { Callback } from '../callbacks/types.js';
import { ConfigurationError, LMAbortError } from '../errors.js';
import { settings } from '../settings.js';
import {
  type CachedCompletion,
  checkCacheOptions,
  LMCache,
  type LMCacheOptions,
  withToolCalls,
} from './cache.js';
import { appendHistory, isoNow } from './history-log.js';
import { formatHistory } from './inspect-history.js';
import { checkReasoningModel, isReasoningModel } from './model-name.js';
import { checkRequestDefaultNames } from './option-names.js';
import { type CallDefaults, type PreparedCall, prepareCall } from './prepare.js';
import { type Route, resolveRoute } from './providers.js';
import { LM_CLASS_MARKER, type LMStateOptions, parseLMState } from './state.js';
import { ChatTransport, type Completion } from './transport.js';
import type { LanguageModel, LMHistoryEntry, LMRequest, LMResponse, LMStreamChunk, Usage } from './types.js';
import { addUsage } from './usage.js';
import { recordLmUsage } from './usage-tracker.js';

export interface LMOptions {
  /** Default: the provider's variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, ...). Never written to history, errors, logs or state. */
  apiKey?: string | undefined;
  /** Any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp). Default: the provider's endpoint (`OPENAI_BASE_URL` for `openai/`). */
  baseURL?: string | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  n?: number | undefined;
  /** Default true: memory LRU + disk. `{ dir }` picks the disk folder, `{ disk: false }` keeps it in memory. */
  cache?: boolean | LMCacheOptions | undefined;
  /** Retries after the first attempt on 429, 408, 5xx, connection errors and timeouts (default 3). */
  numRetries?: number | undefined;
  /** Backoff: the first retry waits up to this many ms, doubling per retry (default 250). */
  retryBaseMs?: number | undefined;
  /** Backoff cap in ms (default 8000). A server's Retry-After wins over both. */
  retryMaxMs?: number | undefined;
  /** Max in-flight HTTP requests of this LM and its copies (default unbounded). */
  concurrency?: number | undefined;
  /** Per-attempt timeout in ms (for streams: the wait for each chunk), default 120000. A timeout is retried. */
  timeoutMs?: number | undefined;
  /** Extra HTTP headers for every request. */
  headers?: Readonly<Record<string, string>> | undefined;
  capabilities?: LanguageModel['capabilities'] | undefined;
  /** Callbacks for this LM's requests only (DSPy's `LM(callbacks=...)`). */
  callbacks?: Callback[] | undefined;
  /** Any other request default, sent as given (snake_case: `top_p`, `stop`, `seed`, ...); `null` is not sent. */
  [param: string]: unknown;
}

const OPTION_KEYS = new Set([
  'apiKey',
  'baseURL',
  'temperature',
  'maxTokens',
  'n',
  'cache',
  'numRetries',
  'retryBaseMs',
  'retryMaxMs',
  'concurrency',
  'timeoutMs',
  'headers',
  'capabilities',
  'callbacks',
]);

const NumericOptions = z.object({
  numRetries: z.number().int().min(0).optional(),
  retryBaseMs: z.number().min(0).optional(),
  retryMaxMs: z.number().min(0).optional(),
  concurrency: z.number().int().min(1).optional(),
  timeoutMs: z.number().positive().optional(),
});

/**
 * DSPy's LM for any OpenAI-compatible Chat Completions endpoint, through the openai SDK.
 *
 * - `model` is `provider/name`, routed by the provider table (providers.ts) to that provider's
 *   endpoint and key variable; the request sends `name` (`openai/gpt-4o-mini` -> `gpt-4o-mini`).
 *   With a `baseURL`, a model of any other shape is sent as it is.
 * - Cache: on by default. The memory LRU is shared by every LM using the same disk folder (as
 *   DSPy shares its cache process-wide); a hit makes no request, adds no usage, but is recorded
 *   in `history`. The key is the SHA-256 of the canonical request (never the key or base URL).
 * - Retries, backoff, timeouts and concurrency are ours (the SDK's retries are off).
 * - The API key stays in a private client: errors, history, logs, `String(lm)` and
 *   `dumpState()` never contain it. A missing key fails at the first request that misses the cache.
 */
export class LM implements LanguageModel {
  readonly model: string;
  /** The routing provider (`openai`, `anthropic`, ...; `openai_compatible` for an unknown prefix with a `baseURL`). */
  readonly provider: string;
  /** Where requests go; undefined means the openai SDK's default endpoint. */
  readonly baseURL: string | undefined;
  readonly modelType = 'chat' as const;
  /** Default request parameters, DSPy's `lm.kwargs` (snake_case; `null` = not sent). */
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly cache: boolean;
  readonly numRetries: number;
  readonly capabilities: NonNullable<LanguageModel['capabilities']>;
  history: LMHistoryEntry[] = [];
  callbacks: Callback[];
  /** Running token totals of the requests this LM made (cache hits excluded). */
  readonly usage: Usage = {};
  readonly #options: LMOptions;
  readonly #route: Route;
  readonly #cacheOptions: LMCacheOptions;
  #cacheStore: LMCache | undefined;
  #queue: PQueue | undefined;
  #transport: ChatTransport;
  #warnedRollout = false;
  readonly #callDefaults: CallDefaults;

  constructor(model: string, options: LMOptions = {}) {
    if (typeof model !== 'string' || model === '') {
      throw new ConfigurationError("LM needs a model name such as 'openai/gpt-4o-mini'.");
    }
    const numeric = NumericOptions.safeParse(
      Object.fromEntries(Object.keys(NumericOptions.shape).map((key) => [key, options[key] ?? undefined])),
    );
    if (!numeric.success) {
      const issue = numeric.error.issues[0];
      throw new ConfigurationError(`Invalid LM option \`${String(issue?.path[0])}\`: ${issue?.message}.`);
    }
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      if (!OPTION_KEYS.has(key) && value !== undefined) params[key] = value;
    }
    checkRequestDefaultNames(Object.keys(params));
    const maxTokens = options.maxTokens;
    if (params.rollout_id === null) delete params.rollout_id;
    checkReasoningModel(model, options.temperature, maxTokens);

    this.#route = resolveRoute(model, options);
    this.model = model;
    this.provider = this.#route.provider;
    this.baseURL = this.#route.baseURL;
    const maxKey = isReasoningModel(model) ? 'max_completion_tokens' : 'max_tokens';
    this.kwargs = Object.freeze({
      temperature: options.temperature ?? null,
      [maxKey]: maxTokens ?? null,
      ...(options.n === undefined ? {} : { n: options.n }),
      ...params,
    });
    this.cache = options.cache !== false;
    this.#callDefaults = {
      model,
      requestModel: this.#route.requestModel,
      kwargs: this.kwargs,
      cache: this.cache,
    };
    this.#cacheOptions = typeof options.cache === 'object' ? { ...options.cache } : {};
    checkCacheOptions(this.#cacheOptions);
    this.numRetries = options.numRetries ?? 3;
    this.capabilities = {
      responseFormat: this.#route.responseFormat,
      functionCalling: true,
      ...options.capabilities,
    };
    this.callbacks = [...(options.callbacks ?? [])];
    // Kept as given: a copy with another model routes to that model's provider.
    this.#options = { ...options };
    this.#queue =
      options.concurrency === undefined ? undefined : new PQueue({ concurrency: options.concurrency });
    this.#transport = this.#makeTransport();
  }

  /** Default temperature and n, read by Predict's sampling rule. */
  get defaults(): { temperature: number | undefined; n: number | undefined } {
    return { temperature: numberOrUndefined(this.kwargs.temperature), n: numberOrUndefined(this.kwargs.n) };
  }

  async request(req: LMRequest): Promise<LMResponse> {
    const call = this.#prepare(req);
    this.#throwIfAborted(req.signal);
    const cache = this.#cacheFor(call);
    const hit = cache ? await cache.get(call.key) : undefined;
    if (hit) {
      this.#record(call, hit, undefined, true);
      return { ...hit, cacheHit: true };
    }
    const completion = await this.#transport.complete(call.body, req.signal);
    return this.#finish(call, cache, completion);
  }

  /**
   * Streams choice 0's text as it arrives (retried until the first chunk; a later failure is an
   * LMError from the iteration). Returns the full response. A cache hit yields the cached text as
   * one chunk; a completed stream is cached. Breaking out of the loop cancels the request.
   */
  async *stream(req: LMRequest): AsyncGenerator<LMStreamChunk, LMResponse, undefined> {
    const call = this.#prepare(req);
    this.#throwIfAborted(req.signal);
    const cache = this.#cacheFor(call);
    const hit = cache ? await cache.get(call.key) : undefined;
    if (hit) {
      this.#record(call, hit, undefined, true);
      if (hit.outputs[0]) yield { text: hit.outputs[0] };
      return { ...hit, cacheHit: true };
    }
    const completion = yield* this.#transport.stream(call.body, req.signal);
    return this.#finish(call, cache, completion);
  }

  /** The last `n` calls as `dspy.inspect_history` prints them (without colors). */
  inspectHistory(n = 1): string {
    return formatHistory(this.history, n);
  }

  /**
   * A copy with its own history and usage. Known options (`temperature`, `cache`, `model`, ...) are
   * replaced; anything else is a request default (`null` removes it): `lm.copy({ rollout_id: 1 })`.
   * The copy shares this LM's concurrency limit unless `concurrency` is given.
   */
  copy(overrides: LMOptions & { model?: string | undefined } = {}): LM {
    const { model = this.model, ...changes } = overrides;
    const options: LMOptions = { ...this.#options, callbacks: this.callbacks };
    for (const [key, value] of Object.entries(this.kwargs)) {
      if (key === 'temperature' || key === 'n') options[key] = numberOrUndefined(value);
      else if (key === 'max_tokens' || key === 'max_completion_tokens')
        options.maxTokens = numberOrUndefined(value);
    }
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === undefined) delete options[key];
      else options[key] = value;
    }
    const copy = new LM(model, options);
    if (changes.concurrency === undefined && this.#queue) {
      copy.#queue = this.#queue;
      copy.#transport = copy.#makeTransport();
    }
    return copy;
  }

  /** DSPy-shaped state. Never holds the API key or base URL. */
  dumpState(): Record<string, unknown> {
    const { max_completion_tokens: reasoningMax, ...kwargs } = this.kwargs;
    return {
      _dspy_lm_class: LM_CLASS_MARKER,
      model: this.model,
      model_type: this.modelType,
      cache: this.cache,
      num_retries: this.numRetries,
      ...kwargs,
      ...(reasoningMax === undefined ? {} : { max_tokens: reasoningMax }),
      finetuning_model: null,
      launch_kwargs: {},
      train_kwargs: {},
    };
  }

  /** Rebuilds an LM from `dumpState()` output (ours or Python's `dspy.clients.lm.LM`). */
  static fromState(state: Readonly<Record<string, unknown>>, options: LMStateOptions = {}): LM {
    const parsed = parseLMState(state, options);
    return new LM(parsed.model, {
      ...parsed.params,
      ...(parsed.maxTokens === undefined ? {} : { maxTokens: parsed.maxTokens }),
      ...(parsed.cache === undefined ? {} : { cache: parsed.cache }),
      ...(parsed.numRetries === undefined ? {} : { numRetries: parsed.numRetries }),
      ...(parsed.baseURL === undefined ? {} : { baseURL: parsed.baseURL }),
    });
  }

  toString(): string {
    return `LM(${this.model})`;
  }

  toJSON(): Record<string, unknown> {
    return this.dumpState();
  }

  #makeTransport(): ChatTransport {
    const options = this.#options;
    const route = this.#route;
    return new ChatTransport({
      model: this.model,
      provider: this.provider,
      apiKey: route.apiKey,
      baseURL: route.baseURL,
      keyEnv: route.keyEnv,
      keyRequired: route.keyRequired,
      headers: options.headers ?? {},
      retry: {
        numRetries: this.numRetries,
        baseMs: options.retryBaseMs ?? 250,
        maxMs: options.retryMaxMs ?? 8000,
      },
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      queue: this.#queue,
    });
  }

  #prepare(req: LMRequest): PreparedCall {
    const call = prepareCall(req, this.#callDefaults);
    const { params } = call;
    if (params.rollout_id !== undefined && params.temperature === 0 && !this.#warnedRollout) {
      this.#warnedRollout = true;
      settings.logger.warn(
        'rollout_id has no effect when temperature=0; set temperature>0 to bypass the cache.',
      );
    }
    return call;
  }

  /** The cache store when this call uses the cache (created on first use). */
  #cacheFor(call: PreparedCall): LMCache | undefined {
    if (!call.useCache) return undefined;
    this.#cacheStore ??= new LMCache(this.#cacheOptions);
    return this.#cacheStore;
  }

  async #finish(call: PreparedCall, cache: LMCache | undefined, completion: Completion): Promise<LMResponse> {
    if (completion.finishReasons.includes('length')) {
      const maxTokens = call.params.max_tokens ?? call.params.max_completion_tokens;
      settings.logger.warn(
        `LM response was truncated due to exceeding max_tokens=${pyValue(maxTokens)}. You can inspect the latest LM interactions with \`dspy.inspect_history()\`. To avoid truncation, consider passing a larger max_tokens when setting up dspy.LM. You may also consider increasing the temperature (currently ${pyValue(call.params.temperature)})  if the reason for truncation is repetition.`,
      );
    }
    if (completion.usage) addUsage(this.usage, completion.usage);
    recordLmUsage(this.model, completion.usage);
    const answer = withToolCalls(completion.outputs, completion.toolCalls);
    this.#record(call, answer, completion.usage, false);
    // Only a finished completion is cached: a cut stream would be replayed forever after a restart.
    if (completion.complete && cache) await cache.set(call.key, answer);
    const { usage, finishReasons } = completion;
    return answer.toolCalls
      ? { outputs: answer.outputs, toolCalls: answer.toolCalls, usage, cacheHit: false, finishReasons }
      : { outputs: answer.outputs, usage, cacheHit: false, finishReasons };
  }

  #record(call: PreparedCall, answer: CachedCompletion, usage: Usage | undefined, cacheHit: boolean): void {
    appendHistory(this.history, {
      messages: call.messages,
      outputs: [...answer.outputs],
      ...(answer.toolCalls ? { toolCalls: [...answer.toolCalls] } : {}),
      usage,
      model: this.model,
      timestamp: isoNow(),
      // Built for this call and never changed after: no copy needed.
      request: call.params,
      cacheHit,
    });
  }

  #throwIfAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted) {
      throw new LMAbortError('The request was aborted by its AbortSignal.', {
        model: this.model,
        provider: this.provider,
      });
    }
  }
}

/**
 * Two minutes per attempt (DSPy waits 600 s): longer than a long non-streamed completion takes,
 * short enough that a hung server frees a web app's request and concurrency slot in minutes.
 */
export const DEFAULT_TIMEOUT_MS = 120_000;

const numberOrUndefined = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** Python's rendering of a value in DSPy's messages (`None` for missing). */
const pyValue = (value: unknown): string => (value === undefined || value === null ? 'None' : String(value));
