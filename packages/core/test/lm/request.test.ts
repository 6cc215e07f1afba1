import { describe, expect, it } from 'vitest';
import { ConfigurationError, LMConfigurationError } from '../../src/errors.js';
import { LM } from '../../src/lm/lm.js';
import { captureWarnings, FAKE_KEY, useHarness, user } from './helpers.js';

describe('LM.request', () => {
  const h = useHarness({ reply: (body) => `answer to ${JSON.stringify(body.messages)}` });

  it('sends the model name without its provider prefix and returns one output per choice', async () => {
    h.server.script(['first', 'second', 'third']);
    const response = await h.lm({ cache: false }).request({ messages: user('hi'), n: 3 });
    expect(h.server.requests[0]?.body?.model).toBe('test-model');
    expect(h.server.requests[0]?.body?.n).toBe(3);
    expect(response.outputs).toEqual(['first', 'second', 'third']);
    expect(response.cacheHit).toBe(false);
  });

  it('merges defaults with call parameters and extra keys, sending no undefined or null values', async () => {
    const lm = h.lm({ cache: false, temperature: 0.5, maxTokens: 100, top_p: 0.9, seed: null });
    await lm.request({
      messages: user('hi'),
      temperature: 0.2,
      extra: { stop: ['\n'], presence_penalty: undefined },
    });
    const body = h.server.requests[0]?.body ?? {};
    expect(body).toMatchObject({ temperature: 0.2, max_tokens: 100, top_p: 0.9, stop: ['\n'] });
    expect(body).not.toHaveProperty('seed');
    expect(body).not.toHaveProperty('presence_penalty');
    expect(body).not.toHaveProperty('n');
    expect(body.messages).toEqual(user('hi'));
  });

  it('passes responseFormat through as response_format', async () => {
    const format = {
      type: 'json_schema',
      json_schema: { name: 'out', strict: true, schema: { type: 'object' } },
    };
    await h.lm({ cache: false }).request({ messages: user('hi'), responseFormat: format });
    expect(h.server.requests[0]?.body?.response_format).toEqual(format);
  });

  it('keeps rollout_id out of the HTTP body', async () => {
    await h.lm({ cache: false }).request({ messages: user('hi'), extra: { rollout_id: 7 } });
    expect(h.server.requests[0]?.body).not.toHaveProperty('rollout_id');
  });

  it('sends the API key as a bearer token, a dspy-ts User-Agent and custom headers', async () => {
    await h.lm({ cache: false, headers: { 'x-team': 'core' } }).request({ messages: user('hi') });
    const headers = h.server.requests[0]?.headers ?? {};
    expect(headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(headers['user-agent']).toMatch(/^dspy-ts\//);
    expect(headers['x-team']).toBe('core');
  });

  it('sums usage over requests key by key, including nested objects', async () => {
    h.server.script(
      {
        content: 'a',
        usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11, details: { cached: 2 } },
      },
      {
        content: 'b',
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, details: { cached: 3 } },
      },
    );
    const lm = h.lm({ cache: false });
    const first = await lm.request({ messages: user('one') });
    await lm.request({ messages: user('two') });
    expect(first.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 });
    expect(lm.usage).toEqual({
      prompt_tokens: 15,
      completion_tokens: 3,
      total_tokens: 18,
      details: { cached: 5 },
    });
  });

  it("warns with DSPy's text when a choice was truncated by max_tokens", async () => {
    h.server.script({ content: 'cut', finishReason: 'length' });
    const lm = h.lm({ cache: false, maxTokens: 5, temperature: 0.7 });
    const { warnings } = await captureWarnings(() => lm.request({ messages: user('long') }));
    expect(warnings).toEqual([
      'LM response was truncated due to exceeding max_tokens=5. You can inspect the latest LM interactions with `dspy.inspect_history()`. To avoid truncation, consider passing a larger max_tokens when setting up dspy.LM. You may also consider increasing the temperature (currently 0.7)  if the reason for truncation is repetition.',
    ]);
  });

  it('warns once when rollout_id is used with temperature 0', async () => {
    const lm = h.lm({ cache: false, temperature: 0 });
    const { warnings } = await captureWarnings(async () => {
      await lm.request({ messages: user('a'), extra: { rollout_id: 1 } });
      await lm.request({ messages: user('b'), extra: { rollout_id: 2 } });
    });
    expect(warnings).toEqual([
      'rollout_id has no effect when temperature=0; set temperature>0 to bypass the cache.',
    ]);
  });

  it('uses a placeholder key for a local server when no API key is set', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const lm = new LM('openai/test-model', { baseURL: h.server.url, cache: false });
      await expect(lm.request({ messages: user('hi') })).resolves.toMatchObject({
        outputs: [expect.any(String)],
      });
      expect(h.server.requests[0]?.headers.authorization).toMatch(/^Bearer /);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('fails with a ConfigurationError naming OPENAI_API_KEY when a remote endpoint has no key', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const lm = new LM('openai/gpt-4o-mini', { baseURL: 'https://api.example.invalid/v1', cache: false });
      const error = await lm.request({ messages: user('hi') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('OPENAI_API_KEY');
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('takes the API key and base URL from OPENAI_API_KEY and OPENAI_BASE_URL', async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = 'sk-from-env-1234';
    process.env.OPENAI_BASE_URL = h.server.url;
    try {
      await new LM('openai/test-model', { cache: false }).request({ messages: user('hi') });
      expect(h.server.requests[0]?.headers.authorization).toBe('Bearer sk-from-env-1234');
    } finally {
      for (const [name, value] of [
        ['OPENAI_API_KEY', saved.key],
        ['OPENAI_BASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('exposes its default temperature and n for Predict', () => {
    expect(h.lm({ temperature: 0.4, n: 2 }).defaults).toEqual({ temperature: 0.4, n: 2 });
    expect(h.lm().defaults).toEqual({ temperature: undefined, n: undefined });
  });

  it('rejects invalid numeric options with a ConfigurationError', () => {
    expect(() => h.lm({ concurrency: 0 })).toThrow(ConfigurationError);
    expect(() => h.lm({ numRetries: -1 })).toThrow(/numRetries/);
  });

  it('declares json_schema structured outputs and function calling by default, overridable', () => {
    expect(h.lm().capabilities).toEqual({ responseFormat: 'json_schema', functionCalling: true });
    expect(h.lm({ capabilities: { responseFormat: 'none', functionCalling: false } }).capabilities).toEqual({
      responseFormat: 'none',
      functionCalling: false,
    });
  });
});

describe('reasoning models', () => {
  const message =
    "[openai/o3-mini] OpenAI's reasoning models require passing temperature=1.0 or None and max_tokens >= 16000 or None to `dspy.LM(...)`, e.g., dspy.LM('openai/gpt-5', temperature=1.0, max_tokens=16000)";

  it('rejects a temperature other than 1.0 with LMConfigurationError', () => {
    expect(() => new LM('openai/o3-mini', { temperature: 0.7 })).toThrow(LMConfigurationError);
    expect(() => new LM('openai/o3-mini', { temperature: 0.7 })).toThrow(message);
  });

  it('rejects max_tokens below 16000', () => {
    expect(() => new LM('openai/gpt-5', { maxTokens: 1000 })).toThrow(LMConfigurationError);
  });

  it('accepts temperature 1.0 with max_tokens >= 16000 and sends max_completion_tokens', async () => {
    const lm = new LM('openai/o4-mini-2025-04-16', { temperature: 1, maxTokens: 16000 });
    expect(lm.kwargs).toEqual({ temperature: 1, max_completion_tokens: 16000 });
  });

  it('does not treat gpt-5-chat or gpt-4o as reasoning models', () => {
    expect(() => new LM('openai/gpt-5-chat', { temperature: 0 })).not.toThrow();
    expect(() => new LM('openai/gpt-4o', { temperature: 0, maxTokens: 10 })).not.toThrow();
  });
});

describe('LM.request on a reasoning model', () => {
  const h = useHarness({ reply: 'ok' });

  it('sends max_tokens as max_completion_tokens', async () => {
    await h.lm({ cache: false, maxTokens: 20000 }, 'openai/o1').request({ messages: user('hi') });
    expect(h.server.requests[0]?.body).toMatchObject({ model: 'o1', max_completion_tokens: 20000 });
    expect(h.server.requests[0]?.body).not.toHaveProperty('max_tokens');
  });
});
