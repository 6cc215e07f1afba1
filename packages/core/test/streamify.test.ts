import { describe, expect, it } from 'vitest';
import { context, DummyLM, Module, Predict, type StreamEvent, streamify } from '../src/index.js';
import { StreamingLineAdapter } from './support/test-adapter.js';

const adapter = new StreamingLineAdapter();
const silent = { info() {}, warn() {} };

class TwoStep extends Module {
  draft = new Predict('question -> draft');
  polish = new Predict('draft -> answer');
  async forward({ question }: { question: string }) {
    const { draft } = await this.draft.call({ question });
    return this.polish.call({ draft });
  }
}

const collect = async (events: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
};

describe('streamify', () => {
  it('tags deltas with predictor names and ends with the prediction', async () => {
    const lm = new DummyLM([{ draft: 'rough' }, { answer: 'polished' }], { chunkSize: 3 });
    const events = await context({ lm, adapter, logger: silent }, () =>
      collect(streamify(new TwoStep())({ question: 'q' })),
    );
    expect(events.filter((e) => e.type === 'delta')).toEqual([
      { type: 'delta', predictor: 'draft', field: 'draft', text: '"rough"' },
      { type: 'delta', predictor: 'polish', field: 'answer', text: '"polished"' },
    ]);
    const last = events.at(-1)!;
    expect(last.type === 'prediction' && last.prediction.answer).toBe('polished');
  });

  it('filters fields', async () => {
    const lm = new DummyLM([{ draft: 'rough' }, { answer: 'polished' }]);
    const events = await context({ lm, adapter, logger: silent }, () =>
      collect(streamify(new TwoStep(), { fields: ['answer'] })({ question: 'q' })),
    );
    expect(events.filter((e) => e.type === 'delta').map((e) => e.type === 'delta' && e.field)).toEqual([
      'answer',
    ]);
  });

  it('surfaces a failure from the iteration', async () => {
    const lm = new DummyLM([]);
    const run = context({ lm, adapter, logger: silent }, () =>
      collect(streamify(new TwoStep())({ question: 'q' })),
    );
    await expect(run).rejects.toThrow('ran out of scripted answers');
  });
});
