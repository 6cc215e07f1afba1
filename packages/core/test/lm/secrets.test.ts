import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { LM } from '../../src/lm/lm.js';
import { captureWarnings, FAKE_KEY, rejection, useHarness, user } from './helpers.js';

describe('the API key never leaks', () => {
  const h = useHarness({ reply: 'ok' });

  const assertClean = (text: string) => {
    expect(text).not.toContain(FAKE_KEY);
  };

  it.each([
    ['401', { status: 401, message: `Incorrect API key provided: ${FAKE_KEY}` }],
    ['429', { status: 429, message: `Rate limited for key ${FAKE_KEY}` }],
    ['500', { status: 500, message: `Upstream said ${FAKE_KEY}` }],
    ['garbage', { garbage: true as const }],
    ['timeout', { hang: true as const }],
  ])('is absent from the error, history and inspectHistory after a %s', async (_name, fault) => {
    const lm = h.lm({ cache: false, numRetries: 1, timeoutMs: 'hang' in fault ? 400 : 10_000 });
    await lm.request({ messages: user('fine') });
    h.server.failWhen(() => fault);
    const { result: error, warnings } = await captureWarnings(() =>
      rejection(lm.request({ messages: user('boom') })),
    );
    assertClean(error.message);
    assertClean(String(error.stack));
    assertClean(inspect(error, { depth: 5 }));
    assertClean(JSON.stringify(lm.history));
    assertClean(lm.inspectHistory(5));
    for (const warning of warnings) assertClean(warning);
  });

  it('is absent from String(lm), JSON, util.inspect and dumpState', () => {
    const lm = h.lm();
    assertClean(String(lm));
    assertClean(JSON.stringify(lm));
    assertClean(inspect(lm, { depth: 10, showHidden: true }));
    assertClean(JSON.stringify(lm.dumpState()));
    assertClean(JSON.stringify(lm.copy({ temperature: 1 })));
  });

  it('is absent from a connection error to a closed server', async () => {
    const url = h.server.url;
    await h.server.close();
    const error = await rejection(
      h.lm({ cache: false, numRetries: 0, baseURL: url }).request({ messages: user('x') }),
    );
    assertClean(error.message);
    assertClean(inspect(error, { depth: 5 }));
  });
});

describe('LM options that are secrets or Python spellings', () => {
  const h = useHarness({ reply: 'ok' });

  it('refuses a Python-style api_key instead of saving it as a request default', () => {
    expect(() => new LM('openai/gpt-4o-mini', { api_key: FAKE_KEY })).toThrow(
      /Unknown LM option `api_key`: did you mean `apiKey`\?/,
    );
  });

  it.each([
    ['base_url', 'baseURL'],
    ['max_tokens', 'maxTokens'],
    ['num_retries', 'numRetries'],
    ['timeout_ms', 'timeoutMs'],
  ])('names the right spelling of %s', (name, spelling) => {
    const error = (() => {
      try {
        new LM('openai/gpt-4o-mini', { [name]: 1 });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`did you mean \`${spelling}\``);
  });

  it.each(['client_secret', 'accessToken', 'x-auth', 'password'])(
    'refuses %s, which looks like a secret, without echoing its value',
    (name) => {
      const error = (() => {
        try {
          new LM('openai/gpt-4o-mini', { [name]: FAKE_KEY });
        } catch (thrown) {
          return thrown as Error;
        }
      })();
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error?.message).toContain('looks like a secret');
      expect(error?.message).not.toContain(FAKE_KEY);
    },
  );

  it('keeps token-count and cache-key parameters as request defaults', () => {
    const lm = new LM('openai/gpt-4o-mini', { top_logprobs: 2, prompt_cache_key: 'k', max_output_tokens: 5 });
    expect(lm.dumpState()).toMatchObject({ top_logprobs: 2, prompt_cache_key: 'k', max_output_tokens: 5 });
  });

  it('drops secret-looking keys of a loaded state with a warning', async () => {
    const { result, warnings } = await captureWarnings(async () =>
      LM.fromState({ model: 'openai/x', client_secret: FAKE_KEY, top_p: 0.5 }),
    );
    expect(JSON.stringify(result.dumpState())).not.toContain(FAKE_KEY);
    expect(result.kwargs).toMatchObject({ top_p: 0.5 });
    expect(warnings).toEqual([
      "Ignoring LM state key(s) that look like secrets: ['client_secret']. Pass credentials as `apiKey` or `headers`.",
    ]);
  });

  it('never sends or records a secret-looking call parameter', async () => {
    const lm = h.lm({ cache: false });
    await lm.request({ messages: user('x'), extra: { session_token: FAKE_KEY } });
    expect(JSON.stringify(h.server.requests[0]?.body)).not.toContain(FAKE_KEY);
    expect(JSON.stringify(lm.history)).not.toContain(FAKE_KEY);
  });
});
