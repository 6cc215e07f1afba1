import { type ChatMessage, type CompletionFormat, ConfigurationError, type LMRequest } from '@dspy-ts/core';
import { pyText } from './format-value.js';
import type { NativeToolPlan } from './native-tools.js';

/** Keys of a Predict config that only make sense with native function calling. */
const TOOL_KEYS = new Set(['tools', 'tool_choice', 'parallel_tool_calls']);

const numberOption = (key: string, value: unknown): number => {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new ConfigurationError(`LM config '${key}' must be a number, got ${pyText(value)}.`);
  }
  return value;
};

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
