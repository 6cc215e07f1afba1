import { ConfigurationError } from '../errors.js';

/** What a structured-output request may ask of an endpoint (the LM's `capabilities.responseFormat`). */
export type ResponseFormatSupport = 'none' | 'json_object' | 'json_schema';

/** One provider's OpenAI-compatible endpoint, as DSPy users name it in `provider/model`. */
export interface Provider {
  /** The endpoint; undefined when it only comes from `baseURLEnv` (a server you run). */
  readonly baseURL: string | undefined;
  /** Variables that override the endpoint, first set wins. */
  readonly baseURLEnv: readonly string[];
  /** Variables holding the API key, first set wins (LiteLLM's names first). */
  readonly keyEnv: readonly string[];
  /** A server you run accepts any key; a hosted API refuses a request without one. */
  readonly keyRequired: boolean;
  /** What the endpoint accepts as `response_format` (JSONAdapter asks for no more). */
  readonly responseFormat: ResponseFormatSupport;
}

const hosted = (
  baseURL: string,
  keyEnv: readonly string[],
  responseFormat: ResponseFormatSupport = 'json_schema',
): Provider => ({ baseURL, baseURLEnv: [], keyEnv, keyRequired: true, responseFormat });

const selfHosted = (
  baseURL: string | undefined,
  baseURLEnv: readonly string[],
  keyEnv: readonly string[],
): Provider => ({ baseURL, baseURLEnv, keyEnv, keyRequired: false, responseFormat: 'json_schema' });

/**
 * The providers `new LM('<provider>/<model>')` routes to their own OpenAI-compatible endpoint and
 * key. The README's provider table documents the same rows; keep the two in step.
 */
export const PROVIDERS: Readonly<Record<string, Provider>> = Object.freeze({
  // No base URL: the openai SDK's default, https://api.openai.com/v1.
  openai: {
    baseURL: undefined,
    baseURLEnv: ['OPENAI_BASE_URL'],
    keyEnv: ['OPENAI_API_KEY'],
    keyRequired: true,
    responseFormat: 'json_schema',
  },
  // Anthropic's compatibility layer ignores `response_format`: JSON comes from the prompt alone.
  anthropic: hosted('https://api.anthropic.com/v1/', ['ANTHROPIC_API_KEY'], 'none'),
  gemini: hosted('https://generativelanguage.googleapis.com/v1beta/openai/', ['GEMINI_API_KEY']),
  groq: hosted('https://api.groq.com/openai/v1', ['GROQ_API_KEY'], 'json_object'),
  openrouter: hosted('https://openrouter.ai/api/v1', ['OPENROUTER_API_KEY'], 'json_object'),
  together_ai: hosted(
    'https://api.together.xyz/v1',
    ['TOGETHERAI_API_KEY', 'TOGETHER_API_KEY'],
    'json_object',
  ),
  deepseek: hosted('https://api.deepseek.com/v1', ['DEEPSEEK_API_KEY'], 'json_object'),
  mistral: hosted('https://api.mistral.ai/v1', ['MISTRAL_API_KEY']),
  xai: hosted('https://api.x.ai/v1', ['XAI_API_KEY']),
  fireworks_ai: hosted(
    'https://api.fireworks.ai/inference/v1',
    ['FIREWORKS_AI_API_KEY', 'FIREWORKS_API_KEY'],
    'json_object',
  ),
  ollama: selfHosted('http://localhost:11434/v1', ['OLLAMA_API_BASE'], []),
  ollama_chat: selfHosted('http://localhost:11434/v1', ['OLLAMA_API_BASE'], []),
  vllm: selfHosted(undefined, ['HOSTED_VLLM_API_BASE', 'VLLM_API_BASE'], ['HOSTED_VLLM_API_KEY']),
  hosted_vllm: selfHosted(undefined, ['HOSTED_VLLM_API_BASE', 'VLLM_API_BASE'], ['HOSTED_VLLM_API_KEY']),
  lm_studio: selfHosted('http://localhost:1234/v1', ['LM_STUDIO_API_BASE'], ['LM_STUDIO_API_KEY']),
});

/** The provider name of a model with an unknown prefix sent to a `baseURL` the caller gave. */
export const CUSTOM_PROVIDER = 'openai_compatible';

/** Where one LM's requests go: resolved once, at construction. */
export interface Route {
  provider: string;
  /** The model name the request carries (the prefix removed for a known provider). */
  requestModel: string;
  baseURL: string | undefined;
  apiKey: string | undefined;
  /** The variable a missing key should be set in (for the error message). */
  keyEnv: string | undefined;
  keyRequired: boolean;
  responseFormat: ResponseFormatSupport;
}

type Env = Readonly<Record<string, string | undefined>>;

const firstSet = (env: Env, names: readonly string[]): string | undefined =>
  names.map((name) => env[name]).find((value) => value !== undefined && value !== '');

const knownList = (): string => Object.keys(PROVIDERS).join(', ');

/**
 * Routes `provider/name` to the provider's endpoint and key. `baseURL` and `apiKey` given by the
 * caller always win. A model without a prefix is an OpenAI model. An unknown prefix needs a
 * `baseURL` (any OpenAI-compatible server): then the whole string is the model name, so
 * `meta-llama/Llama-3-8B` reaches a vLLM server as it is.
 */
export function resolveRoute(
  model: string,
  options: { apiKey?: string | undefined; baseURL?: string | undefined },
  env: Env = process.env,
): Route {
  const slash = model.indexOf('/');
  const prefix = slash === -1 ? 'openai' : model.slice(0, slash);
  const provider = PROVIDERS[prefix];
  if (!provider) {
    if (options.baseURL === undefined) {
      throw new ConfigurationError(
        `Unknown provider '${prefix}' in model '${model}'. Known providers: ${knownList()}. ` +
          `For any other OpenAI-compatible server pass its address: new LM('${model}', { baseURL: 'http://host:port/v1' }).`,
      );
    }
    return {
      provider: CUSTOM_PROVIDER,
      requestModel: model,
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? env.OPENAI_API_KEY,
      keyEnv: 'OPENAI_API_KEY',
      keyRequired: false,
      responseFormat: 'json_schema',
    };
  }
  const baseURL = options.baseURL ?? firstSet(env, provider.baseURLEnv) ?? provider.baseURL;
  if (baseURL === undefined && prefix !== 'openai') {
    throw new ConfigurationError(
      `Model '${model}' needs the address of your ${prefix} server: set ${provider.baseURLEnv.join(' or ')} ` +
        `or pass new LM('${model}', { baseURL: 'http://host:port/v1' }).`,
    );
  }
  const requestModel = slash === -1 ? model : model.slice(slash + 1);
  return {
    provider: prefix,
    requestModel,
    baseURL: baseURL === undefined ? undefined : withOllamaPath(prefix, baseURL, options.baseURL),
    apiKey: options.apiKey ?? firstSet(env, provider.keyEnv),
    keyEnv: provider.keyEnv[0],
    keyRequired: provider.keyRequired,
    responseFormat: provider.responseFormat,
  };
}

/** `OLLAMA_API_BASE` is usually the server root (`http://gpu:11434`); its OpenAI API is under `/v1`. */
function withOllamaPath(prefix: string, baseURL: string, given: string | undefined): string {
  if (given !== undefined || !prefix.startsWith('ollama') || /\/v1\/?$/.test(baseURL)) return baseURL;
  return `${baseURL.replace(/\/+$/, '')}/v1`;
}
