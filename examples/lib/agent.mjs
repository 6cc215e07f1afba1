/**
 * The agent demo's program and data: a support agent with two tools (order lookup, refund
 * request) that calls them through native function calling, one session per conversation.
 */
import { History, Module, Predict, Prediction, signature, Tool } from '@dspy-ts/core';
import { z } from 'zod';

export const ORDERS = {
  1001: { status: 'shipped', total: 42 },
  1002: { status: 'delivered', total: 18.5 },
  1003: { status: 'processing', total: 120 },
  1004: { status: 'delivered', total: 64 },
  1005: { status: 'shipped', total: 9.99 },
  1006: { status: 'delivered', total: 230 },
};

export const lookupOrder = new Tool(
  ({ orderId }) => (ORDERS[orderId] ? { orderId, ...ORDERS[orderId] } : { orderId, error: 'no such order' }),
  {
    name: 'lookup_order',
    desc: 'Look up an order: its status and total.',
    args: z.object({ orderId: z.string().describe('The order number, e.g. 1001') }),
  },
);

export const requestRefund = new Tool(
  ({ orderId, reason }) => {
    if (!ORDERS[orderId]) throw new Error(`no order ${orderId}`);
    return { refundId: `R-${orderId}`, orderId, amount: ORDERS[orderId].total, reason };
  },
  {
    name: 'request_refund',
    desc: 'Open a refund for an order.',
    args: z.object({ orderId: z.string(), reason: z.string().describe('Why the customer wants a refund') }),
  },
);

export const TOOLS = [lookupOrder, requestRefund];

const Ask = signature(
  'request, tools: list[Tool], history: History -> reply, tool_calls: ToolCalls',
  'Help the customer. Look orders up before answering about them; open a refund when the customer wants their money back.',
);

/**
 * One turn: the model answers or calls tools; the tool results go back to it (as native `tool`
 * messages in its history) before it replies. The turn's outputs keep the calls with their
 * results, so the session's next turn, its examples and its saved file hold the real tool use.
 */
export class SupportAgent extends Module {
  ask = new Predict(Ask);

  async forward({ request, history }) {
    const earlier = History.from(history);
    const first = await this.ask.call({ request, tools: TOOLS, history: earlier });
    if (!first.tool_calls) return new Prediction({ reply: first.reply, tool_calls: null });
    const ran = await first.tool_calls.run(TOOLS);
    const step = { request, tool_calls: ran };
    const final = await this.ask.call({
      request,
      tools: TOOLS,
      history: new History([...earlier.messages, step]),
    });
    return new Prediction({ reply: final.reply, tool_calls: ran });
  }
}

/** Conversations, each turn labeled with the tool the support team would call (null: none). */
export const TRAIN_CONVERSATIONS = [
  [
    { request: 'Where is my order #1001?', tool: 'lookup_order' },
    { request: 'It is late, please refund order #1001.', tool: 'request_refund' },
  ],
  [
    { request: 'What is the status of order #1002?', tool: 'lookup_order' },
    { request: 'Thanks, that is all.', tool: null },
  ],
  [
    {
      request: 'Please refund order #1003: I was charged twice and want my money back.',
      tool: 'request_refund',
    },
  ],
  [
    { request: 'Where is order #1004, has it been dispatched yet?', tool: 'lookup_order' },
    { request: 'It arrived broken, please refund it.', tool: 'request_refund' },
  ],
];

export const HELD_OUT_CONVERSATIONS = [
  [
    { request: 'Has order #1005 been dispatched?', tool: 'lookup_order' },
    { request: 'I would like my money back for #1005, it never came.', tool: 'request_refund' },
  ],
  [
    { request: 'Where is order #1006?', tool: 'lookup_order' },
    { request: 'Refund order #1006 please.', tool: 'request_refund' },
  ],
];

export const LIVE_CONVERSATION = ['Has order #1003 been dispatched?', 'Then I want my money back for it.'];

/** The name of the first tool a prediction (or turn) called, or null. */
export function calledTool(value) {
  const calls = value?.tool_calls;
  const list = calls?.toolCalls ?? calls?.tool_calls;
  return list?.[0]?.name ?? null;
}

/** Metric: the agent called the tool the support team would have (or none when none was needed). */
export const rightTool = (example, prediction) => calledTool(prediction) === (example.tool ?? null);
