import type { Attributes } from '@opentelemetry/api';
import { splitModel } from '../lm/model-name.js';
import type { ChatMessage, LMResponse, Usage } from '../lm/types.js';

/**
 * How dspy-ts calls become span names and attributes. LM and tool spans follow the OpenTelemetry
 * GenAI semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/); the rest use
 * the `dspy.` namespace.
 */

type Values = Record<string, unknown>;

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Drops undefined values (OpenTelemetry rejects them with a diagnostic). */
export function defined(
  values: Record<string, string | number | boolean | string[] | undefined>,
): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) attributes[key] = value;
  return attributes;
}

/** The class name of an instance: `Predict`, `ChainOfThought`, a user's Module. */
export const className = (instance: object): string =>
  (instance as { constructor?: { name?: unknown } }).constructor?.name?.toString() || 'Module';

/** `provider/name` of an LM, as the spans name them (`openai`, `gpt-4o-mini`). */
export function lmIdentity(instance: object): { provider: string; model: string } {
  const full = stringOf((instance as { model?: unknown }).model) ?? 'unknown';
  const { provider, name } = splitModel(full);
  const own = stringOf((instance as { provider?: unknown }).provider);
  return { provider: own ?? (full.includes('/') ? provider : full), model: name };
}

/** The request side of a `chat <model>` span: the call's parameters over the LM's defaults. */
export function lmRequestAttributes(instance: object, request: Values): Attributes {
  const { provider, model } = lmIdentity(instance);
  const extra = (request.extra ?? {}) as Values;
  const defaults = ((instance as { kwargs?: unknown }).kwargs ?? {}) as Values;
  return defined({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.request.temperature': numberOf(request.temperature) ?? numberOf(defaults.temperature),
    'gen_ai.request.max_tokens':
      numberOf(request.maxTokens) ??
      numberOf(defaults.max_tokens) ??
      numberOf(defaults.max_completion_tokens),
    'gen_ai.request.choice.count': numberOf(request.n) ?? numberOf(defaults.n),
    'gen_ai.request.top_p': numberOf(extra.top_p),
    'gen_ai.request.seed': numberOf(extra.seed),
  });
}

const tokens = (usage: Usage | undefined, key: 'prompt_tokens' | 'completion_tokens'): number | undefined =>
  numberOf(usage?.[key]);

/** The response side of a `chat <model>` span: finish reasons, token usage, a cache hit. */
export function lmResponseAttributes(response: LMResponse): Attributes {
  const reasons = response.finishReasons?.map((reason) => reason ?? 'unknown');
  return defined({
    'gen_ai.response.finish_reasons': reasons,
    'gen_ai.usage.input_tokens': tokens(response.usage, 'prompt_tokens'),
    'gen_ai.usage.output_tokens': tokens(response.usage, 'completion_tokens'),
    'dspy.lm.cache_hit': response.cacheHit === true,
  });
}

/** GenAI's message shape (`{ role, parts: [{ type: 'text', content }] }`) as a JSON string. */
export const inputMessages = (messages: readonly ChatMessage[]): string =>
  JSON.stringify(messages.map(({ role, content }) => ({ role, parts: [{ type: 'text', content }] })));

export const outputMessages = (outputs: readonly string[], reasons: LMResponse['finishReasons']): string =>
  JSON.stringify(
    outputs.map((content, index) => ({
      role: 'assistant',
      parts: [{ type: 'text', content }],
      finish_reason: reasons?.[index] ?? 'stop',
    })),
  );

/** A tool's name: its `name` property, else its class name. */
export const toolName = (instance: object): string =>
  stringOf((instance as { name?: unknown }).name) ?? className(instance);

/** The request side of an `execute_tool <name>` span. */
export const toolAttributes = (instance: object, inputs: Values): Attributes =>
  defined({
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': toolName(instance),
    'gen_ai.tool.call.id': stringOf(inputs.callId),
    'gen_ai.tool.description': stringOf((instance as { desc?: unknown }).desc),
  });

/** JSON text of a value for an opted-in content attribute; unserializable values become their String(). */
export function contentText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
