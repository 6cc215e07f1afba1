import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  configure,
  context,
  DummyLM,
  type LanguageModel,
  Predict,
  settings,
} from '../src/index.js';
import { LineAdapter } from './support/test-adapter.js';

describe('configure and context', () => {
  it('lets the last configure win and context override only inside its scope', async () => {
    const a = new DummyLM([]);
    const b = new DummyLM([]);
    configure({ lm: a });
    await context({ lm: b }, async () => {
      expect(settings.lm).toBe(b);
      await context({ numThreads: 3 }, async () => {
        expect(settings.lm).toBe(b);
        expect(settings.numThreads).toBe(3);
      });
    });
    expect(settings.lm).toBe(a);
    configure({ lm: undefined });
  });

  it('rejects unknown keys and direct assignment', () => {
    expect(() => configure({ nope: 1 } as never)).toThrow(ConfigurationError);
    expect(() => (settings as { lm: unknown }).lm).not.toThrow();
    expect(() => (settings as unknown as Record<string, unknown>).nope).toThrow(
      "'Settings' object has no attribute 'nope'",
    );
    expect(() => {
      (settings as { numThreads: number }).numThreads = 2;
    }).toThrow(ConfigurationError);
  });

  it('never mixes LMs across 1,000 concurrent contexts', async () => {
    const adapter = new LineAdapter();
    const qa = new Predict('q -> a');
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const lm: LanguageModel = new DummyLM(() => ({ a: `lm-${i}` }));
        return context({ lm, adapter, logger: { info() {}, warn() {} } }, async () => {
          await new Promise((resolve) => setImmediate(resolve));
          const pred = await qa.call({ q: `question ${i}` });
          return pred.a === `lm-${i}` && settings.lm === lm;
        });
      }),
    );
    expect(results.every(Boolean)).toBe(true);
  });
});
