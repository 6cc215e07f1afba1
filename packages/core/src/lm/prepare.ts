import { cacheKey } from './cache.js';
import { isReasoningModel } from './model-name.js';
import { looksLikeSecret } from './option-names.js';
import type { ChatMessage, LMRequest } from './types.js';

/** One prepared call: what is sent, what keys the cache, and whether the cache is used. */
export interface PreparedCall {
  messages: ChatMessage[];
  /** Merged parameters without nulls, including `rollout_id` and `response_format`. */
  params: Record<string, unknown>;
  /** The HTTP body: model, messages and params without `rollout_id`. */
  body: Record<string, unknown>;
  useCache: boolean;
  /** SHA-256 of the canonical request; '' when the cache is not used. */
  key: string;
}

/** What an LM contributes to every call. */
export interface CallDefaults {
  /** The LM's full model string (`openai/gpt-4o-mini`), part of the cache key. */
  model: string;
  /** The model name the endpoint is sent (`gpt-4o-mini`). */
  requestModel: string;
  /** Request defaults (snake_case; `null` = not sent). */
  kwargs: Readonly<Record<string, unknown>>;
  /** Whether the cache is on unless the call says otherwise. */
  cache: boolean;
}

// Parameters the LM owns: never taken from request defaults or call extras.
const RESERVED_PARAMS = new Set(['model', 'messages', 'stream', 'stream_options', 'base_url', 'cache']);

// A parameter the LM owns or one that reads like a credential is never sent. The answer per name
// is memoized: the same few names come on every call, and the credential test is a regex.
const droppedParams = new Map<string, boolean>();
const isDroppedParam = (key: string): boolean => {
  let dropped = droppedParams.get(key);
  if (dropped === undefined) {
    dropped = RESERVED_PARAMS.has(key) || key.startsWith('api_') || looksLikeSecret(key);
    if (droppedParams.size >= 1024) droppedParams.clear();
    droppedParams.set(key, dropped);
  }
  return dropped;
};

/** Merges the LM's defaults with one request into the body to send and its cache key. */
export function prepareCall(req: LMRequest, lm: CallDefaults): PreparedCall {
  const maxKey = isReasoningModel(lm.model) ? 'max_completion_tokens' : 'max_tokens';
  const merged: Record<string, unknown> = { ...lm.kwargs };
  if (req.temperature !== undefined) merged.temperature = req.temperature;
  if (req.n !== undefined) merged.n = req.n;
  if (req.maxTokens !== undefined) merged[maxKey] = req.maxTokens;
  if (req.responseFormat !== undefined) merged.response_format = req.responseFormat;
  if (req.tools !== undefined) merged.tools = req.tools;
  if (req.toolChoice !== undefined) merged.tool_choice = req.toolChoice;
  Object.assign(merged, req.extra);
  if (maxKey === 'max_completion_tokens' && merged.max_tokens != null) {
    merged.max_completion_tokens = merged.max_tokens;
    merged.max_tokens = undefined;
  }
  // DSPy takes a per-call `cache` flag out of the call kwargs (it is never sent).
  const useCache = typeof merged.cache === 'boolean' ? merged.cache : lm.cache;

  const params: Record<string, unknown> = {};
  for (const key in merged) {
    const value = merged[key];
    if (value === null || value === undefined || isDroppedParam(key)) continue;
    params[key] = value;
  }
  const messages = req.messages.map((message) => ({ ...message }));
  const { rollout_id: _rolloutId, ...sent } = params;
  return {
    messages,
    params,
    body: { model: lm.requestModel, messages, ...sent },
    useCache,
    // Hashing the canonical request costs ~9 µs: only when the cache is used.
    key: useCache ? cacheKey({ model: lm.model, messages, ...params }) : '',
  };
}
