import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatAdapter } from '@dspy-ts/adapters';
import {
  context,
  DummyLM,
  History,
  Module,
  Predict,
  Prediction,
  signature,
  Tool,
  ToolCalls,
} from '@dspy-ts/core';
import { Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const lookupOrder = new Tool(({ orderId }: { orderId: string }) => ({ orderId, status: 'shipped' }), {
  name: 'lookup_order',
  desc: 'Look up an order by id.',
  args: z.object({ orderId: z.string() }),
});
const tools = [lookupOrder];

const Ask = signature(
  'question, tools: list[Tool], history: History -> answer, tool_calls: ToolCalls',
  'Answer the customer, calling tools when needed.',
);

/** One turn: the model may call tools; their results go back to it before it answers. */
class SupportAgent extends Module {
  ask = new Predict(Ask);

  async forward(inputs: { question: string; history: History }) {
    const first = await this.ask.call({ question: inputs.question, tools });
    if (!first.tool_calls) return first;
    const ran = await first.tool_calls.run(tools);
    const step = { question: inputs.question, tool_calls: ran };
    const final = await this.ask.call({
      question: inputs.question,
      tools,
      history: new History([...inputs.history.messages, step]),
    });
    return new Prediction({ answer: final.answer, tool_calls: ran });
  }
}

const native = new ChatAdapter({ useNativeFunctionCalling: true });
const callLookup = new ToolCalls([{ id: 'call_1', name: 'lookup_order', args: { orderId: 'A17' } }]);

const script = () =>
  new DummyLM([
    { answer: 'Let me look.', tool_calls: callLookup },
    { answer: 'Order A17 has shipped.' },
    { answer: 'It left yesterday.' },
  ]);

async function converse(lm: DummyLM) {
  const session = sessionify(new SupportAgent());
  await context({ lm, adapter: native }, async () => {
    await session.call({ question: 'Where is order A17?' });
    await session.call({ question: 'When did it leave?' });
  });
  return session;
}

describe('a session of a native tool-calling agent', () => {
  it('records the tool calls with their results in the turn', async () => {
    const session = await converse(script());
    const calls = session.turns[0]!.outputs.tool_calls as ToolCalls;
    expect(calls.toolCalls).toEqual([{ id: 'call_1', name: 'lookup_order', args: { orderId: 'A17' } }]);
    expect(calls.results).toEqual([
      {
        callId: 'call_1',
        name: 'lookup_order',
        value: { orderId: 'A17', status: 'shipped' },
        isError: false,
      },
    ]);
  });

  it('replays them natively in the next turn: assistant tool_calls, then the tool message', async () => {
    const lm = script();
    await converse(lm);
    const next = lm.requests[2]!.messages;
    expect(next.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(next[2]!.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"orderId": "A17"}' } },
    ]);
    expect(next[3]).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      name: 'lookup_order',
      content: '{"orderId": "A17", "status": "shipped"}',
    });
  });

  it('keeps them in toExamples', async () => {
    const session = await converse(script());
    const [first] = await session.toExamples();
    expect((first!.get('tool_calls') as ToolCalls).results?.[0]?.value).toEqual({
      orderId: 'A17',
      status: 'shipped',
    });
  });

  it('saves them as plain JSON and replays them the same after loading', async () => {
    const session = await converse(script());
    const path = join(await mkdtemp(join(tmpdir(), 'agent-session-')), 'session.json');
    await session.save(path);
    const loaded = await Session.loadFrom(path, new SupportAgent());
    expect(JSON.parse(JSON.stringify(loaded.turns[0]!.outputs.tool_calls))).toEqual({
      tool_calls: [{ id: 'call_1', name: 'lookup_order', args: { orderId: 'A17' } }],
      tool_call_results: {
        tool_call_results: [
          {
            call_id: 'call_1',
            name: 'lookup_order',
            value: { orderId: 'A17', status: 'shipped' },
            is_error: false,
          },
        ],
      },
    });
    const lm = new DummyLM([{ answer: 'Anything else?' }]);
    await context({ lm, adapter: native }, () => loaded.call({ question: 'Thanks' }));
    const roles = lm.requests[0]!.messages.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'user', 'assistant', 'user']);
  });
});
