import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { LM } from '../../src/lm/lm.js';
import { captureWarnings, FAKE_KEY, useHarness, user } from './helpers.js';

describe('LM state', () => {
  it("keeps DSPy's kwargs shape: temperature and max_tokens present, null when unset", () => {
    expect(new LM('openai/gpt-4o-mini').kwargs).toEqual({ temperature: null, max_tokens: null });
  });

  it("dumps a DSPy-shaped state with Python's dspy.LM marker (so Python loads it) and no secrets", () => {
    const lm = new LM('openai/gpt-4o-mini', {
      apiKey: FAKE_KEY,
      baseURL: 'http://127.0.0.1:1/v1',
      temperature: 0.2,
      maxTokens: 100,
      top_p: 0.5,
      concurrency: 2,
    });
    expect(lm.dumpState()).toEqual({
      _dspy_lm_class: 'dspy.clients.lm.LM',
      model: 'openai/gpt-4o-mini',
      model_type: 'chat',
      cache: true,
      num_retries: 3,
      temperature: 0.2,
      max_tokens: 100,
      top_p: 0.5,
      finetuning_model: null,
      launch_kwargs: {},
      train_kwargs: {},
    });
  });

  it('saves a reasoning model max_completion_tokens as max_tokens', () => {
    const state = new LM('openai/o3', { temperature: 1, maxTokens: 20000 }).dumpState();
    expect(state).toMatchObject({ max_tokens: 20000 });
    expect(state).not.toHaveProperty('max_completion_tokens');
  });

  it('round-trips through fromState', () => {
    const lm = new LM('openai/gpt-4o-mini', {
      temperature: 0.2,
      maxTokens: 100,
      cache: false,
      numRetries: 5,
      seed: 1,
    });
    const loaded = LM.fromState(lm.dumpState());
    expect(loaded.dumpState()).toEqual(lm.dumpState());
    expect(loaded.cache).toBe(false);
    expect(loaded.numRetries).toBe(5);
  });

  it("accepts Python's dspy.clients.lm.LM state", () => {
    const loaded = LM.fromState({
      _dspy_lm_class: 'dspy.clients.lm.LM',
      model: 'openai/gpt-4o-mini',
      model_type: 'chat',
      cache: true,
      num_retries: 3,
      temperature: 0.2,
      max_tokens: 100,
      finetuning_model: null,
      launch_kwargs: {},
      train_kwargs: {},
    });
    expect(loaded.model).toBe('openai/gpt-4o-mini');
    expect(loaded.kwargs).toEqual({ temperature: 0.2, max_tokens: 100 });
  });

  it('still loads the dspy_ts.LM marker that earlier versions wrote', () => {
    const loaded = LM.fromState({
      _dspy_lm_class: 'dspy_ts.LM',
      model: 'openai/gpt-4o-mini',
      temperature: 0.2,
    });
    expect(loaded.model).toBe('openai/gpt-4o-mini');
    expect(loaded.dumpState()._dspy_lm_class).toBe('dspy.clients.lm.LM');
  });

  it('refuses a custom LM class', () => {
    expect(() => LM.fromState({ _dspy_lm_class: 'my.CustomLM', model: 'x' })).toThrow(
      new ConfigurationError(
        'Refusing to import custom serialized LM class `my.CustomLM`. Pass allow_unsafe_lm_state=True when loading trusted files to enable custom LM classes.',
      ),
    );
  });

  it("drops api_base, base_url and model_list with DSPy's warning", async () => {
    const { result, warnings } = await captureWarnings(async () =>
      LM.fromState({ model: 'openai/x', api_base: 'http://evil.example/v1', model_list: [] }),
    );
    expect(warnings).toEqual([
      "Ignoring unsafe LM config key(s) during state load: ['api_base', 'model_list']. Pass allow_unsafe_lm_state=True to preserve these keys for trusted files.",
    ]);
    expect(JSON.stringify(result)).not.toContain('evil');
  });

  it('never loads an api_key from a state into the request parameters', () => {
    const loaded = LM.fromState({ model: 'openai/x', api_key: 'sk-from-file' });
    expect(JSON.stringify(loaded)).not.toContain('sk-from-file');
  });

  it('rejects a state without a model', () => {
    expect(() => LM.fromState({ temperature: 1 })).toThrow(ConfigurationError);
  });
});

describe('LM.copy and fromState against a server', () => {
  const h = useHarness({ reply: 'ok' });

  it('copies with new request defaults, its own empty history, and leaves the original untouched', async () => {
    const lm = h.lm({ cache: false, temperature: 0 });
    await lm.request({ messages: user('a') });
    const copy = lm.copy({ rollout_id: 1, temperature: 1 });
    expect(copy.kwargs).toEqual({ temperature: 1, max_tokens: null, rollout_id: 1 });
    expect(lm.kwargs).toEqual({ temperature: 0, max_tokens: null });
    expect(copy.history).toEqual([]);
    await copy.request({ messages: user('b') });
    expect(lm.history).toHaveLength(1);
    expect(h.server.requests[1]?.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
  });

  it('removes a request default when the copy sets it to null', () => {
    const copy = h.lm({ top_p: 0.5 }).copy({ top_p: null });
    expect(copy.kwargs).not.toHaveProperty('top_p');
  });

  it('keeps base_url from a state only with allowUnsafeLmState', async () => {
    const loaded = LM.fromState(
      { model: 'openai/test-model', base_url: h.server.url, cache: false },
      { allowUnsafeLmState: true },
    );
    await loaded.request({ messages: user('x') });
    expect(h.server.requestCount).toBe(1);
  });
});
