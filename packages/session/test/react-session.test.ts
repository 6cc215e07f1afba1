import { readFileSync } from 'node:fs';
import { ChatAdapter } from '@dspy-ts/adapters';
import {
  type ChatMessage,
  context,
  History,
  type LanguageModel,
  type LMRequest,
  type LMResponse,
  ReAct,
  Tool,
} from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

interface ReactSessionFixture {
  questions: string[];
  lm_completions: string[];
  wrapped_predictors: {
    name: string;
    signature: { fields: { name: string; io: string; type: string; desc: string; prefix: string }[] };
  }[];
  predictions: Record<string, unknown>[];
  turns: {
    index: number;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    history_snapshot: { messages: unknown[] };
  }[];
  to_examples: { store: Record<string, unknown>; input_keys_sorted: string[]; labels_keys: string[] }[];
  save_state: Record<string, unknown>;
  lm_calls: { messages: Record<string, unknown>[]; kwargs: Record<string, unknown> }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/agents/react_session__two_turns_default.json', import.meta.url), 'utf8'),
) as ReactSessionFixture;

const tools = [
  new Tool(({ city }: { city: string }) => `The weather in ${city} is sunny, 21 C.`, {
    name: 'get_weather',
    desc: 'Get the current weather for a city.',
    args: z.object({ city: z.string() }),
  }),
  new Tool(({ a, b }: { a: number; b: number }) => a + b, {
    name: 'add',
    desc: 'Add two integers.',
    args: z.object({ a: z.int(), b: z.int() }),
  }),
];

/** The fixture's recording model: scripted completions in order, every request recorded. */
class RecordingLM implements LanguageModel {
  readonly model = 'openai/recording';
  readonly capabilities = { responseFormat: 'none' as const };
  readonly calls: { messages: Record<string, unknown>[]; kwargs: Record<string, unknown> }[] = [];
  readonly #completions: string[];
  constructor(completions: string[]) {
    this.#completions = [...completions];
  }
  async request(request: LMRequest): Promise<LMResponse> {
    this.calls.push({
      messages: request.messages.map((m: ChatMessage) => JSON.parse(JSON.stringify(m))),
      kwargs: { ...request.extra },
    });
    return { outputs: [this.#completions.shift() ?? 'NO MORE COMPLETIONS'] };
  }
}

/** A value as the fixture encodes it: a History as `{ __type__, messages }`. */
const encode = (value: unknown): unknown =>
  value instanceof History
    ? { __type__: 'History', messages: JSON.parse(JSON.stringify(value.messages)) }
    : JSON.parse(JSON.stringify(value));

describe('sessionify(ReAct) (fixture react_session__two_turns_default)', () => {
  const run = async () => {
    const session = sessionify(new ReAct('question -> answer', { tools, maxIters: 5 }));
    const lm = new RecordingLM(fixture.lm_completions);
    const predictions = await context({ lm, adapter: new ChatAdapter() }, async () => {
      const out = [];
      for (const question of fixture.questions) out.push(await session.call({ question }));
      return out;
    });
    return { session, lm, predictions };
  };

  it('gives both inner predictors a history field', async () => {
    const { session } = await run();
    const wrapped = session.module.namedPredictors().map(([name, predictor]) => ({
      name,
      fields: Object.values(
        (
          predictor as unknown as {
            signature: {
              fields: Record<
                string,
                { name: string; io: string; typeName: string; desc: string; prefix: string }
              >;
            };
          }
        ).signature.fields,
      ).map((field) => ({
        name: field.name,
        io: field.io,
        type: field.typeName,
        desc: field.desc,
        prefix: field.prefix,
      })),
    }));
    expect(wrapped).toEqual(
      fixture.wrapped_predictors.map((p) => ({
        name: p.name,
        fields: p.signature.fields.map(({ name, io, type, desc, prefix }) => ({
          name,
          io,
          type,
          desc,
          prefix,
        })),
      })),
    );
  });

  it('sends every prompt byte for byte, the trajectory entering the next turn as history', async () => {
    const { lm } = await run();
    expect(lm.calls).toEqual(fixture.lm_calls);
  });

  it('records every Prediction key, trajectory included, as turn outputs', async () => {
    const { session, predictions } = await run();
    expect(predictions.map((p) => p.toDict())).toEqual(fixture.predictions);
    expect(
      session.turns.map((turn) => ({
        index: turn.index,
        inputs: encode(turn.inputs),
        outputs: encode(turn.outputs),
        history_snapshot: encode(turn.historySnapshot),
      })),
    ).toEqual(fixture.turns);
  });

  it('turns into the same examples and the same saved state', async () => {
    const { session } = await run();
    const examples = await session.toExamples();
    expect(
      examples.map((example) => ({
        store: Object.fromEntries(
          Object.entries(example.toDict()).map(([k, v]) => [
            k,
            encode(k === 'history' ? History.from(v) : v),
          ]),
        ),
        input_keys_sorted: [...example.inputs().keys()].sort(),
        labels_keys: example.labels().keys(),
      })),
    ).toEqual(fixture.to_examples);
    expect(session.saveState()).toEqual(fixture.save_state);
  });

  it("keeps the trajectory out of history with excludeFields: ['trajectory']", async () => {
    const session = sessionify(new ReAct('question -> answer', { tools, maxIters: 5 }), {
      excludeFields: ['trajectory'],
    });
    const lm = new RecordingLM(fixture.lm_completions);
    await context({ lm, adapter: new ChatAdapter() }, async () => {
      for (const question of fixture.questions) await session.call({ question });
    });
    expect(session.turns[1]!.historySnapshot.messages[0]).not.toHaveProperty('trajectory');
    expect(session.turns[1]!.outputs).toHaveProperty('trajectory');
    const second = lm.calls[3]!.messages.map((m) => m.content as string);
    expect(second.some((text) => text.includes('"thought_0": "Weather for Paris."'))).toBe(false);
  });
});
