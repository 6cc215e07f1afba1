import { describe, expect, it } from 'vitest';
import { LM, Predict } from '../src/index.js';

describe('per-predictor LM state', () => {
  it('saves a predictor LM without secrets and rebuilds it on load', () => {
    const predict = new Predict('q -> a');
    predict.lm = new LM('openai/gpt-4o-mini', { apiKey: 'sk-secret-123', temperature: 0.2, cache: false });
    const state = predict.dumpState();
    expect(JSON.stringify(state)).not.toContain('sk-secret-123');
    const loaded = new Predict('q -> a').loadState(JSON.parse(JSON.stringify(state)));
    expect(loaded.lm).toBeInstanceOf(LM);
    expect(loaded.lm?.model).toBe('openai/gpt-4o-mini');
  });

  it("accepts Python DSPy's LM state and drops unsafe keys", () => {
    const state = {
      traces: [],
      train: [],
      demos: [],
      signature: { instructions: 'x', fields: [] },
      lm: {
        _dspy_lm_class: 'dspy.clients.lm.LM',
        model: 'openai/gpt-4o-mini',
        model_type: 'chat',
        cache: true,
        num_retries: 3,
        temperature: 0.2,
        max_tokens: 100,
        base_url: 'http://evil.example',
        finetuning_model: null,
        launch_kwargs: {},
        train_kwargs: {},
      },
    };
    const loaded = new Predict('q -> a').loadState(state);
    expect(loaded.lm?.model).toBe('openai/gpt-4o-mini');
    expect(JSON.stringify(loaded.lm?.dumpState?.())).not.toContain('evil.example');
  });

  it('refuses a custom LM class', () => {
    expect(() =>
      new Predict('q -> a').loadState({ lm: { _dspy_lm_class: 'my.Evil', model: 'x' }, demos: [] }),
    ).toThrow('Refusing to import custom serialized LM class');
  });
});
