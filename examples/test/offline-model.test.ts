import { ChatAdapter } from '@dspy-ts/adapters';
import { ChainOfThought, context, Example, History, Predict } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OfflineModel, offlineCompletion, startOfflineModel } from '../lib/offline-model.mjs';

// The offline model through Predict -> ChatAdapter -> LM (openai SDK) -> HTTP -> local server.
let model: OfflineModel;
const adapter = new ChatAdapter();
const run = <T>(fn: () => Promise<T>) => context({ lm: model.lm, adapter }, fn);
const Route = "request -> queue: Literal['general', 'billing', 'shipping']";

beforeAll(async () => {
  model = await startOfflineModel({ lm: { cache: false } });
});
afterAll(() => model.close());
beforeEach(() => model.server.reset());

describe('the offline scripted model', () => {
  it('routes a request that names a known keyword, zero-shot', async () => {
    const pred = await run(() => new Predict(Route).call({ request: 'I was charged twice' }));
    expect(pred.queue).toBe('billing');
  });

  it('falls back to the catch-all label when nothing in the prompt points elsewhere', async () => {
    const pred = await run(() => new Predict(Route).call({ request: 'Can I pause my subscription?' }));
    expect(pred.queue).toBe('general');
  });

  it('copies the label of the most similar few-shot demo', async () => {
    const route = new Predict(Route);
    route.demos = [
      new Example({ request: 'Cancel the subscription renewal', queue: 'billing' }),
      new Example({ request: 'The courier lost my box', queue: 'shipping' }),
    ];
    const pred = await run(() => route.call({ request: 'Can I pause my subscription?' }));
    expect(pred.queue).toBe('billing');
    // The demos really were in the prompt the server received.
    const messages = model.server.requests.at(-1)?.body?.messages as Array<{ content: string }>;
    expect(messages.some((message) => message.content.includes('Cancel the subscription renewal'))).toBe(
      true,
    );
  });

  it('reads a follow-up in the light of the earlier conversation', async () => {
    const session = sessionify(new Predict(Route));
    await run(async () => {
      await session.call({ request: 'Where is my parcel?' });
      const followUp = await session.call({ request: 'Any news yet?' });
      expect(followUp.queue).toBe('shipping');
    });
  });

  it('writes reasoning and an answer for ChainOfThought, and does arithmetic for numbers', async () => {
    const cot = await run(() =>
      new ChainOfThought('question -> answer').call({ question: 'Why is the sky blue?' }),
    );
    expect(cot.reasoning).toBeTruthy();
    expect(cot.answer).toContain('Rayleigh');
    const sum = await run(() => new Predict('question -> answer: int').call({ question: 'What is 2 + 2?' }));
    expect(sum.answer).toBe(4);
  });

  it('remembers an order number from the history in a support reply', async () => {
    const respond = new ChainOfThought('request, category, history: History -> answer');
    const history = new History([
      { request: 'Order #9001 never came', category: 'shipping', answer: 'Sorry!' },
    ]);
    const pred = await run(() => respond.call({ request: 'Any news?', category: 'shipping', history }));
    expect(pred.answer).toContain('#9001');
  });

  it('is deterministic', () => {
    const body = { messages: adapter.format(new Predict(Route).signature, [], { request: 'Refund please' }) };
    expect(offlineCompletion(body)).toBe(offlineCompletion(body));
    expect(offlineCompletion(body)).toBe('[[ ## queue ## ]]\nbilling\n\n[[ ## completed ## ]]');
  });

  it('says what it is when the prompt is not a DSPy ChatAdapter prompt', () => {
    expect(offlineCompletion({ messages: [{ role: 'user', content: 'hello' }] })).toContain(
      'only answers DSPy',
    );
  });
});
