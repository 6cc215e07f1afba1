/** One chat message as sent to an OpenAI-compatible endpoint. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'developer';
  content: string;
}

/** Token counts as reported by the provider (OpenAI's shape; nested objects sum key by key). */
export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  [key: string]: unknown;
}

/** What Predict (through its adapter) asks of a language model. */
export interface LMRequest {
  messages: ChatMessage[];
  /** An OpenAI `response_format` value, passed through untouched. */
  responseFormat?: unknown;
  temperature?: number | undefined;
  n?: number | undefined;
  maxTokens?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Any other request parameter (top_p, stop, seed, rollout_id, ...), merged into the request. */
  extra?: Readonly<Record<string, unknown>> | undefined;
}

export interface LMResponse {
  outputs: string[];
  usage?: Usage | undefined;
  /** True when the answer came from the cache (no request was made). */
  cacheHit?: boolean | undefined;
}

export interface LMHistoryEntry {
  messages: ChatMessage[];
  outputs: string[];
  usage?: Usage | undefined;
  model: string;
  timestamp: string;
  /** The request parameters, without secrets. */
  request: Readonly<Record<string, unknown>>;
  cacheHit?: boolean | undefined;
}

/** A chunk of a streamed completion: text appended to choice 0. */
export interface LMStreamChunk {
  text: string;
}

/**
 * The language-model interface that Predict calls. `LM` (openai SDK) and `DummyLM` implement it;
 * a user object may too.
 */
export interface LanguageModel {
  readonly model: string;
  request(req: LMRequest): Promise<LMResponse>;
  /** Optional streaming: yields text chunks of choice 0, then resolves to the full response. */
  stream?(req: LMRequest): AsyncIterable<LMStreamChunk>;
  history?: LMHistoryEntry[];
  capabilities?: { responseFormat?: 'none' | 'json_object' | 'json_schema' };
  /** Default request parameters, used by Predict's sampling rule (n > 1 raises temperature). */
  readonly defaults?: { temperature?: number | undefined; n?: number | undefined } | undefined;
  /** DSPy-shaped state for save files; `null` means nothing to save. */
  dumpState?(): Record<string, unknown>;
}

export const isLanguageModel = (value: unknown): value is LanguageModel =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { request?: unknown }).request === 'function' &&
  typeof (value as { model?: unknown }).model === 'string';
