import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, DummyLM, LM, Module, Predict, type Prediction } from '../src/index.js';
import { type OpenAIServer, startOpenAIServer } from '../src/testing/index.js';
import { LineAdapter } from './support/test-adapter.js';

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ reply: 'answer: "ok"' });
});
afterAll(() => server.close());

class TwoCalls extends Module {
  first = new Predict('question -> answer');
  second = new Predict('question -> answer');
  async forward({ question }: { question: string }): Promise<Prediction> {
    await this.first.call({ question });
    return this.second.call({ question: `${question}?` });
  }
}

const adapter = new LineAdapter();
const silent = { info() {}, warn() {} };

describe('usage tracking', () => {
  it('attaches the summed usage per model to a top-level prediction when trackUsage is on', async () => {
    const lm = new LM('openai/usage-model', { baseURL: server.url, apiKey: 'k', cache: false });
    const one = await context({ lm, adapter, logger: silent, trackUsage: true }, () =>
      new Predict('question -> answer').call({ question: 'x' }),
    );
    const single = one.getLmUsage()?.['openai/usage-model'];
    expect(single?.total_tokens).toBeGreaterThan(0);
    const two = await context({ lm, adapter, logger: silent, trackUsage: true }, () =>
      new TwoCalls().call({ question: 'x' }),
    );
    const summed = two.getLmUsage()?.['openai/usage-model'];
    expect(summed?.prompt_tokens).toBeGreaterThan(single?.prompt_tokens ?? 0);
    expect(lm.usage.total_tokens).toBeGreaterThan(0);
  });

  it('does not attach usage when tracking is off, and counts no cache hits', async () => {
    const lm = new DummyLM([{ answer: 'a' }]);
    const off = await context({ lm, adapter, logger: silent }, () =>
      new Predict('question -> answer').call({ question: 'x' }),
    );
    expect(off.getLmUsage()).toBeUndefined();
    const cached = new LM('openai/usage-model', {
      baseURL: server.url,
      apiKey: 'k',
      cache: { dir: `/tmp/dspy-ts-usage-${process.pid}` },
    });
    await context({ lm: cached, adapter, logger: silent }, () =>
      new Predict('question -> answer').call({ question: 'cache me' }),
    );
    const hit = await context({ lm: cached, adapter, logger: silent, trackUsage: true }, () =>
      new Predict('question -> answer').call({ question: 'cache me' }),
    );
    expect(hit.getLmUsage()).toEqual({});
  });
});
