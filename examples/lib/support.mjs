/**
 * The demo's program: a support assistant that routes a customer request to a queue (Predict) and
 * writes the reply (ChainOfThought), plus its metric and the conversations it is trained and
 * evaluated on. Plain ESM over the packages' public API, so it runs from the built dist in Node and
 * from the TypeScript sources under Vitest.
 */
import { ChainOfThought, Module, Predict, Prediction, signature } from '@dspy-ts/core';

export const QUEUES = ['general', 'billing', 'shipping', 'account', 'technical'];

export const Route = signature(
  `request: str -> category: Literal[${QUEUES.map((q) => `'${q}'`).join(', ')}]`,
  'Route the customer request to the support queue that should handle it.',
);

export const Reply = signature(
  'request: str, category: str -> answer: str',
  'Write a short, friendly reply to the customer for the given support queue.',
);

export class SupportAssistant extends Module {
  classify = new Predict(Route);
  respond = new ChainOfThought(Reply);

  // A session passes `history` too; the nested predictors read it from the session's context.
  async forward({ request }) {
    const { category } = await this.classify.call({ request });
    const { answer } = await this.respond.call({ request, category });
    return new Prediction({ category, answer });
  }
}

/** The metric: was the request routed to the queue the support team says is right? */
export function routedToRightQueue(example, prediction) {
  return prediction.category === example.category;
}

/**
 * Logged conversations: what each customer wrote, turn by turn, and the queue the support team
 * says each turn belongs to (the gold label). The first four train, the rest are held out.
 */
export const TRAIN_CONVERSATIONS = [
  [
    {
      request: "Hi! My package for order #4417 still hasn't shipped, and the courier tracking page is blank.",
      queue: 'shipping',
    },
    { request: 'Also, was I billed for express postage?', queue: 'billing' },
    { request: 'Thanks. Can you tell me when it will arrive?', queue: 'shipping' },
  ],
  [
    { request: "I can't log in: the password reset email never comes.", queue: 'account' },
    { request: 'My username is dana.k, if that helps.', queue: 'account' },
  ],
  [
    { request: 'The app keeps crashing when I open the barcode scanner.', queue: 'technical' },
    { request: 'It started after the latest firmware update.', queue: 'technical' },
  ],
  [
    { request: 'I was charged twice for my annual subscription renewal.', queue: 'billing' },
    { request: 'Can I get a refund for the duplicate?', queue: 'billing' },
  ],
];

export const HELD_OUT_CONVERSATIONS = [
  [
    { request: 'Can I switch my subscription to monthly before the renewal?', queue: 'billing' },
    { request: 'And would that be cheaper?', queue: 'billing' },
  ],
  [
    { request: 'The tracking link from the courier shows nothing.', queue: 'shipping' },
    { request: "Where can I download last month's invoice?", queue: 'billing' },
  ],
  [
    { request: 'How do I change the username on my profile?', queue: 'account' },
    { request: 'I forgot my password again.', queue: 'account' },
  ],
  [
    { request: 'Do you have gift cards?', queue: 'general' },
    { request: 'The scanner freezes since the firmware update.', queue: 'technical' },
  ],
  [{ request: 'Is there a student discount?', queue: 'billing' }],
];

/** The conversation the demo continues after saving and loading: [before save, after load]. */
export const LIVE_CONVERSATION = [
  'My parcel for order #5521 never came, although the courier says it was delivered.',
  'Any news yet?',
];
