import { ChatAdapter } from '@dspy-ts/adapters';
import { configure, context } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineModel, startOfflineModel } from '../lib/offline-model.mjs';
import { SupportAssistant } from '../lib/support.mjs';
import { type DemoTracing, startTracing } from '../lib/trace.mjs';

// The demo's --trace: the span tree of the last turn, from the real OpenTelemetry SDK.
describe('demo --trace', () => {
  let model: OfflineModel;
  let tracing: DemoTracing;

  beforeAll(async () => {
    model = await startOfflineModel({ lm: { cache: false } });
    tracing = startTracing();
  });

  afterAll(async () => {
    await tracing.close();
    configure({ callbacks: [] });
    await model.close();
  });

  it('prints the last turn as a tree of spans with durations, tokens and predictor paths', async () => {
    const session = sessionify(new SupportAssistant());
    await context({ lm: model.lm, adapter: new ChatAdapter() }, async () => {
      await session.call({ request: 'Where is my parcel for order #5521?' });
      await session.call({ request: 'Any news yet?' });
    });
    const tree = tracing
      .lastTurn()
      .replace(/\d+\.\d ms/g, 'N ms')
      .replace(/tokens \d+ in \/ \d+ out/g, 'tokens');
    expect(tree).toBe(
      [
        'dspy.session.turn  (N ms)',
        '  dspy.SupportAssistant  (N ms)',
        '    dspy.Predict  (N ms, classify)',
        '      chat offline-scripted  (N ms, tokens)',
        '    dspy.ChainOfThought  (N ms)',
        '      dspy.Predict  (N ms, respond.predict)',
        '        chat offline-scripted  (N ms, tokens)',
      ].join('\n'),
    );
  });
});
