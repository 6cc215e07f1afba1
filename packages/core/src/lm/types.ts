import type { Callback } from '../callbacks/types.js';

/** A tool call as it travels in a chat message or an LM response (OpenAI's shape). */
export interface LMToolCall {
  id: string;
  type: 'function';
  /** `arguments` is the JSON text of the arguments, as the provider sends it. */
  function: { name: string; arguments: string };
}

/**
 * One chat message as sent to an OpenAI-compatible endpoint. An assistant message may carry the
 * `tool_calls` it made (then `content` may be null); a `'tool'` message answers one call by id.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'developer' | 'tool';
  content: string | null;
  tool_calls?: LMToolCall[] | undefined;
  tool_call_id?: string | undefined;
  /** The tool's name, on a `'tool'` message. */
  name?: string | undefined;
}

/** Token counts as reported by the provider (OpenAI's shape; nested objects sum key by key). */
export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  [key: string]: unknown;
}

/** How a caller expects completions written: the adapter that will parse them. */
export interface CompletionFormat {
  formatCompletion(values: Readonly<Record<string, unknown>>): string;
}

/** What Predict (through its adapter) asks of a language model. */
export interface LMRequest {
  messages: ChatMessage[];
  /** An OpenAI `response_format` value, passed through untouched. */
  responseFormat?: unknown;
  /** Function definitions the model may call (native function calling), sent as `tools`. */
  tools?: readonly object[] | undefined;
  /** OpenAI's `tool_choice` (`'auto'`, `'required'`, `{ type: 'function', function: { name } }`). */
  toolChoice?: unknown;
  temperature?: number | undefined;
  n?: number | undefined;
  maxTokens?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Any other request parameter (top_p, stop, seed, rollout_id, ...), merged into the request. */
  extra?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The format the caller parses (adapters set themselves). Never sent: real LMs ignore it; a
   * scripted LM (DummyLM) renders its answers in it so the real parse path runs.
   */
  completionFormat?: CompletionFormat | undefined;
}

export interface LMResponse {
  outputs: string[];
  /** Per choice, the tool calls the model made (absent or empty when it made none). */
  toolCalls?: (LMToolCall[] | undefined)[] | undefined;
  usage?: Usage | undefined;
  /** True when the answer came from the cache (no request was made). */
  cacheHit?: boolean | undefined;
  /** Why each choice stopped (`stop`, `length`, `tool_calls`, ...), when the provider said. */
  finishReasons?: Array<string | null> | undefined;
}

export interface LMHistoryEntry {
  messages: ChatMessage[];
  outputs: string[];
  /** Per choice, the tool calls of the answer (only when the model made some). */
  toolCalls?: (LMToolCall[] | undefined)[] | undefined;
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
  capabilities?: {
    responseFormat?: 'none' | 'json_object' | 'json_schema';
    /** Whether the model takes `tools` and answers with tool calls (native function calling). */
    functionCalling?: boolean;
  };
  /** Default request parameters, used by Predict's sampling rule (n > 1 raises temperature). */
  readonly defaults?: { temperature?: number | undefined; n?: number | undefined } | undefined;
  /** DSPy-shaped state for save files; `null` means nothing to save. */
  dumpState?(): Record<string, unknown>;
  /** Callbacks for this LM's requests only, after the global ones. */
  callbacks?: readonly Callback[] | undefined;
}

export const isLanguageModel = (value: unknown): value is LanguageModel =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { request?: unknown }).request === 'function' &&
  typeof (value as { model?: unknown }).model === 'string';
