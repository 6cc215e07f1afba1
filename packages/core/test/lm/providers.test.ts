import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, LMAuthError, LMTimeoutError, LMUnexpectedError } from '../../src/errors.js';
import { connectionCause, describeEndpoint } from '../../src/lm/connection-cause.js';
import { LM } from '../../src/lm/lm.js';
import { PROVIDERS } from '../../src/lm/providers.js';
import { FAKE_KEY, rejection, useHarness, user } from './helpers.js';

// Every variable the table reads, cleared per test so the developer's own keys never leak in.
const VARIABLES = [
  ...new Set(Object.values(PROVIDERS).flatMap((p) => [...p.keyEnv, ...p.baseURLEnv])),
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
];

const clearEnv = (values: Record<string, string> = {}) => {
  for (const name of VARIABLES) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('provider routing', () => {
  const h = useHarness({ reply: 'ok' });

  it.each([
    ['anthropic/claude-3-5-haiku-latest', 'anthropic', 'https://api.anthropic.com/v1/'],
    ['gemini/gemini-2.0-flash', 'gemini', 'https://generativelanguage.googleapis.com/v1beta/openai/'],
    ['groq/llama-3.1-8b-instant', 'groq', 'https://api.groq.com/openai/v1'],
    ['openrouter/openai/gpt-4o-mini', 'openrouter', 'https://openrouter.ai/api/v1'],
    ['together_ai/meta-llama/Llama-3-8b-chat-hf', 'together_ai', 'https://api.together.xyz/v1'],
    ['deepseek/deepseek-chat', 'deepseek', 'https://api.deepseek.com/v1'],
    ['mistral/mistral-small-latest', 'mistral', 'https://api.mistral.ai/v1'],
    ['xai/grok-3-mini', 'xai', 'https://api.x.ai/v1'],
    [
      'fireworks_ai/accounts/fireworks/models/llama-v3-8b',
      'fireworks_ai',
      'https://api.fireworks.ai/inference/v1',
    ],
    ['ollama_chat/llama3', 'ollama_chat', 'http://localhost:11434/v1'],
    ['ollama/llama3', 'ollama', 'http://localhost:11434/v1'],
    ['lm_studio/qwen2.5-7b', 'lm_studio', 'http://localhost:1234/v1'],
    ['openai/gpt-4o-mini', 'openai', undefined],
    ['gpt-4o-mini', 'openai', undefined],
  ])('routes %s to its provider endpoint', (model, provider, baseURL) => {
    clearEnv();
    const lm = new LM(model);
    expect(lm.provider).toBe(provider);
    expect(lm.baseURL).toBe(baseURL);
  });

  it("sends the model name without the provider prefix, with the provider's key", async () => {
    clearEnv({ ANTHROPIC_API_KEY: 'sk-ant-from-env-1234' });
    const lm = new LM('anthropic/claude-3-5-haiku-latest', { baseURL: h.server.url, cache: false });
    await lm.request({ messages: user('hi') });
    expect(h.server.requests[0]?.body?.model).toBe('claude-3-5-haiku-latest');
    expect(h.server.requests[0]?.headers.authorization).toBe('Bearer sk-ant-from-env-1234');
  });

  it('lets the baseURL and apiKey options win over the provider defaults and variables', async () => {
    clearEnv({ GROQ_API_KEY: 'sk-groq-env-1234', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const lm = new LM('groq/llama3', { baseURL: h.server.url, apiKey: FAKE_KEY, cache: false });
    expect(lm.baseURL).toBe(h.server.url);
    await lm.request({ messages: user('hi') });
    expect(h.server.requests[0]?.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
  });

  it('reads OPENAI_BASE_URL for openai models only', () => {
    clearEnv({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' });
    expect(new LM('openai/gpt-4o-mini').baseURL).toBe('http://127.0.0.1:8000/v1');
    expect(new LM('mistral/mistral-small-latest').baseURL).toBe('https://api.mistral.ai/v1');
  });

  it('reads the server address of vLLM from HOSTED_VLLM_API_BASE and sends the model name as it is', async () => {
    clearEnv({ HOSTED_VLLM_API_BASE: h.server.url });
    const lm = new LM('hosted_vllm/meta-llama/Llama-3-8B', { cache: false });
    expect(lm.baseURL).toBe(h.server.url);
    await lm.request({ messages: user('hi') });
    expect(h.server.requests[0]?.body?.model).toBe('meta-llama/Llama-3-8B');
  });

  it('asks for the vLLM server address when no variable or baseURL gives it', () => {
    clearEnv();
    expect(() => new LM('vllm/meta-llama/Llama-3-8B')).toThrow(ConfigurationError);
    expect(() => new LM('vllm/meta-llama/Llama-3-8B')).toThrow(/HOSTED_VLLM_API_BASE.*baseURL/);
  });

  it('adds /v1 to an OLLAMA_API_BASE given as the server root', () => {
    clearEnv({ OLLAMA_API_BASE: 'http://gpu-box:11434' });
    expect(new LM('ollama_chat/llama3').baseURL).toBe('http://gpu-box:11434/v1');
  });

  it('rejects an unknown provider prefix at construction, listing the known ones and the baseURL option', () => {
    clearEnv();
    const error = (() => {
      try {
        new LM('anthropc/claude-3-5-haiku-latest');
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("Unknown provider 'anthropc'");
    for (const name of ['openai', 'anthropic', 'gemini', 'ollama_chat', 'hosted_vllm']) {
      expect(error.message).toContain(name);
    }
    expect(error.message).toContain('baseURL');
  });

  it('accepts a model name of any shape when a baseURL is given, and sends it whole', async () => {
    clearEnv();
    const lm = new LM('meta-llama/Llama-3-8B', { baseURL: h.server.url, cache: false });
    expect(lm.provider).toBe('openai_compatible');
    await lm.request({ messages: user('hi') });
    expect(h.server.requests[0]?.body?.model).toBe('meta-llama/Llama-3-8B');
  });

  it("names the provider's key variable when the key is missing", async () => {
    clearEnv({ OPENAI_API_KEY: 'sk-openai-only-1234' });
    const error = await rejection(
      new LM('anthropic/claude-3-5-haiku-latest').request({ messages: user('hi') }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    expect(error.message).not.toContain('OPENAI_API_KEY');
  });

  it('needs no key for a local Ollama server', async () => {
    clearEnv();
    const lm = new LM('ollama_chat/llama3', { baseURL: h.server.url, cache: false });
    await expect(lm.request({ messages: user('hi') })).resolves.toMatchObject({ outputs: ['ok'] });
  });

  it("names the provider's key variable in the hint of a 401", async () => {
    clearEnv();
    h.server.fail({ status: 401, message: 'invalid x-api-key' });
    const lm = new LM('gemini/gemini-2.0-flash', { baseURL: h.server.url, apiKey: FAKE_KEY, cache: false });
    const error = await rejection(lm.request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(LMAuthError);
    expect(error.message).toContain('GEMINI_API_KEY');
  });

  it('declares the response formats the provider endpoint accepts, unless capabilities say otherwise', () => {
    clearEnv();
    expect(new LM('anthropic/claude-3-5-haiku-latest').capabilities.responseFormat).toBe('none');
    expect(new LM('groq/llama3').capabilities.responseFormat).toBe('json_object');
    expect(new LM('openai/gpt-4o-mini').capabilities.responseFormat).toBe('json_schema');
    const custom = new LM('groq/llama3', { capabilities: { responseFormat: 'json_schema' } });
    expect(custom.capabilities.responseFormat).toBe('json_schema');
  });

  it("routes a copy with another model to that model's provider", () => {
    clearEnv();
    const copy = new LM('openai/gpt-4o-mini').copy({ model: 'deepseek/deepseek-chat' });
    expect(copy.provider).toBe('deepseek');
    expect(copy.baseURL).toBe('https://api.deepseek.com/v1');
  });
});

/** A 127.0.0.1 port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('connection errors', () => {
  const h = useHarness({ reply: 'ok' });

  it('name the URL and ECONNREFUSED when nothing listens, never the key', async () => {
    const port = await closedPort();
    const lm = new LM('openai/gpt-4o-mini', {
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: FAKE_KEY,
      numRetries: 0,
      cache: false,
    });
    const error = await rejection(lm.request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(LMUnexpectedError);
    expect(error.message).toContain(`http://127.0.0.1:${port}/v1`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(FAKE_KEY);
  });

  it('name a TLS failure when https meets a plain-http server', async () => {
    const lm = new LM('openai/gpt-4o-mini', {
      baseURL: h.server.url.replace('http://', 'https://'),
      apiKey: FAKE_KEY,
      numRetries: 0,
      cache: false,
    });
    const error = await rejection(lm.request({ messages: user('hi') }));
    expect(error.message).toContain('TLS');
    expect(error.message).toContain(h.server.url.replace('http://', 'https://').replace(/\/$/, ''));
  });

  it('name the URL and the timeout when a server hangs', async () => {
    h.server.fail({ hang: true });
    const lm = h.lm({ numRetries: 0, timeoutMs: 150, cache: false });
    const error = await rejection(lm.request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(LMTimeoutError);
    expect(error.message).toContain(`${describeEndpoint(h.server.url)} timed out after 150 ms`);
  });

  it('explain ENOTFOUND from the cause chain the SDK builds', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND api.example.invalid'), { code: 'ENOTFOUND' });
    const fetchFailed = new TypeError('fetch failed', { cause: dns });
    const sdk = new Error('Connection error.', { cause: fetchFailed });
    expect(connectionCause(sdk)).toMatch(/^ENOTFOUND: the host name does not resolve/);
  });

  it('show an endpoint without credentials or query string', () => {
    expect(describeEndpoint('https://user:secret@proxy.example.com/v1/?key=abc')).toBe(
      'https://proxy.example.com:443/v1',
    );
    expect(describeEndpoint(undefined)).toBe('https://api.openai.com:443/v1');
  });
});
