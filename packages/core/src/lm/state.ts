import { ConfigurationError } from '../errors.js';
import { settings } from '../settings.js';
import { looksLikeSecret } from './option-names.js';

/**
 * The class marker this port writes: Python's built-in `dspy.LM`, the class ours stands for, because
 * Python refuses to load any other marker without `allow_unsafe_lm_state`. Files from earlier
 * versions of this port carry `dspy_ts.LM`, still accepted on load.
 */
export const LM_CLASS_MARKER = 'dspy.clients.lm.LM';
const ACCEPTED_MARKERS = new Set([LM_CLASS_MARKER, 'dspy_ts.LM']);
const UNSAFE_KEYS = ['api_base', 'base_url', 'model_list'] as const;
// Keys of DSPy's state that are LM attributes (or finetuning data), never request parameters.
const ATTRIBUTE_KEYS = new Set([
  '_dspy_lm_class',
  'model',
  'model_type',
  'cache',
  'num_retries',
  'finetuning_model',
  'launch_kwargs',
  'train_kwargs',
  'use_developer_role',
  'provider',
  'callbacks',
  'api_key',
  ...UNSAFE_KEYS,
]);
const POLLUTING_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface LMStateOptions {
  /** Keep `api_base` / `base_url` from the state (only for trusted files). */
  allowUnsafeLmState?: boolean | undefined;
}

/** What `LM.fromState` needs to rebuild an LM. */
export interface ParsedLMState {
  model: string;
  cache: boolean | undefined;
  numRetries: number | undefined;
  baseURL: string | undefined;
  maxTokens: number | undefined;
  /** Request defaults (temperature, top_p, ...), DSPy snake_case keys. */
  params: Record<string, unknown>;
}

const pyList = (keys: readonly string[]): string => `[${keys.map((key) => `'${key}'`).join(', ')}]`;

function expectType<T>(state: Readonly<Record<string, unknown>>, key: string, type: string): T | undefined {
  const value = state[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) {
    throw new ConfigurationError(
      `Invalid LM state: \`${key}\` must be a ${type} or null, got ${JSON.stringify(value)}.`,
    );
  }
  return value as T;
}

/**
 * Reads a DSPy-shaped LM state (ours or Python's `dspy.clients.lm.LM`). Custom LM classes are
 * refused; `api_base`, `base_url` and `model_list` are dropped with DSPy's warning unless allowed.
 */
export function parseLMState(
  state: Readonly<Record<string, unknown>>,
  options: LMStateOptions = {},
): ParsedLMState {
  const marker = state._dspy_lm_class;
  if (marker !== undefined && marker !== null && !ACCEPTED_MARKERS.has(String(marker))) {
    throw new ConfigurationError(
      `Refusing to import custom serialized LM class \`${String(marker)}\`. Pass allow_unsafe_lm_state=True when loading trusted files to enable custom LM classes.`,
    );
  }
  const model = state.model;
  if (typeof model !== 'string' || model === '') {
    throw new ConfigurationError(
      'Invalid LM state: `model` must be a non-empty string such as "openai/gpt-4o-mini".',
    );
  }
  const unsafe = UNSAFE_KEYS.filter((key) => state[key] !== undefined);
  if (unsafe.length > 0 && !options.allowUnsafeLmState) {
    settings.logger.warn(
      `Ignoring unsafe LM config key(s) during state load: ${pyList(unsafe)}. Pass allow_unsafe_lm_state=True to preserve these keys for trusted files.`,
    );
  }
  const modelType = state.model_type;
  if (modelType !== undefined && modelType !== null && modelType !== 'chat') {
    settings.logger.warn(
      `LM state has model_type '${String(modelType)}'; dspy-ts only speaks 'chat', which it will use.`,
    );
  }
  const baseURL = options.allowUnsafeLmState
    ? (expectType<string>(state, 'api_base', 'string') ?? expectType<string>(state, 'base_url', 'string'))
    : undefined;

  const params: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    if (ATTRIBUTE_KEYS.has(key) || POLLUTING_KEYS.has(key)) continue;
    if (looksLikeSecret(key)) secrets.push(key);
    else params[key] = value;
  }
  if (secrets.length > 0) {
    settings.logger.warn(
      `Ignoring LM state key(s) that look like secrets: ${pyList(secrets)}. Pass credentials as \`apiKey\` or \`headers\`.`,
    );
  }
  for (const key of ['temperature', 'max_tokens', 'max_completion_tokens', 'n']) {
    expectType<number>(state, key, 'number');
  }
  // Reasoning models keep max_tokens as max_completion_tokens in memory; both names load.
  const maxTokens = (params.max_tokens ?? params.max_completion_tokens ?? undefined) as number | undefined;
  delete params.max_tokens;
  delete params.max_completion_tokens;

  return {
    model,
    cache: expectType<boolean>(state, 'cache', 'boolean'),
    numRetries: expectType<number>(state, 'num_retries', 'number'),
    baseURL,
    maxTokens,
    params,
  };
}
