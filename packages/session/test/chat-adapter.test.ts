import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatAdapter } from '@dspy-ts/adapters';
import { ChainOfThought, context, DummyLM, History, Module, Predict, type StreamEvent } from '@dspy-ts/core';
import { resolveAdapter } from '@dspy-ts/core/internal';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { StreamingLineAdapter } from './support.js';

/** Two predictors; the forward has no history parameter, so both get history from the context. */
class Pipeline extends Module {
  classify = new Predict('question -> topic');
  respond = new Predict('question, topic -> answer');
  async forward({ question }: { question: string }) {
    const { topic } = await this.classify.call({ question });
    return this.respond.call({ question, topic });
  }
}

describe('through the real ChatAdapter', () => {
  it('importing @dspy-ts/session makes ChatAdapter the default adapter', () => {
    expect(resolveAdapter()).toBeInstanceOf(ChatAdapter);
  });

  it('renders a Predict root history as user/assistant turns', async () => {
    const lm = new DummyLM([{ answer: 'Paris' }, { answer: 'Berlin' }]);
    const session = sessionify(new Predict('question -> answer'));
    await context({ lm }, async () => {
      await session.call({ question: 'Capital of France?' });
      await session.call({ question: 'And Germany?' });
    });
    const messages = lm.requests[1]!.messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[1]!.content).toBe('[[ ## question ## ]]\nCapital of France?');
    expect(messages[2]!.content).toBe('[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]\n');
    expect(messages[3]!.content).toMatch(/^\[\[ ## question ## \]\]\nAnd Germany\?/);
    expect(messages[0]!.content).toContain('`history` (History): Conversation history');
    expect(session.turns.map((t) => t.outputs.answer)).toEqual(['Paris', 'Berlin']);
  });

  it('runs a multi-module program whose predictors get the history from the context', async () => {
    const lm = new DummyLM([{ topic: 'geo' }, { answer: 'Paris' }, { topic: 'geo' }, { answer: 'Berlin' }]);
    const session = sessionify(new Pipeline());
    expect(session.namedPredictors().map(([name]) => name)).toEqual(['module.classify', 'module.respond']);
    await context({ lm }, async () => {
      await session.call({ question: 'Capital of France?' });
      await session.call({ question: 'And Germany?' });
    });
    // Turn 0: no history turns for either predictor.
    expect(lm.requests[0]!.messages).toHaveLength(2);
    expect(lm.requests[1]!.messages).toHaveLength(2);
    // Turn 1: the program-level message {question, answer} renders partly for `classify` ...
    const classify = lm.requests[2]!.messages;
    expect(classify.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(classify[1]!.content).toBe('[[ ## question ## ]]\nCapital of France?');
    expect(classify[2]!.content).toBe('[[ ## topic ## ]]\nNone\n\n[[ ## completed ## ]]\n');
    // ... and fully for `respond`, whose output is the program's output.
    const respond = lm.requests[3]!.messages;
    expect(respond[2]!.content).toBe('[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]\n');
    expect(respond[3]!.content).toMatch(/\[\[ ## topic ## \]\]\ngeo/);
    expect(session.turns.map((t) => [t.inputs, t.outputs])).toEqual([
      [{ question: 'Capital of France?' }, { answer: 'Paris' }],
      [{ question: 'And Germany?' }, { answer: 'Berlin' }],
    ]);
  });

  it('replays an example statelessly with its snapshot rendered', async () => {
    const lm = new DummyLM([{ answer: 'Paris' }, { answer: 'Berlin' }, { answer: 'replayed' }]);
    const session = sessionify(new Predict('question -> answer'));
    await context({ lm }, async () => {
      await session.call({ question: 'Capital of France?' });
      await session.call({ question: 'And Germany?' });
      const [, second] = await session.toExamples();
      await session.call(second!.inputs().toRecord() as never);
    });
    expect(session.length).toBe(2);
    expect(lm.requests[2]!.messages.map((m) => m.content)).toEqual(
      lm.requests[1]!.messages.map((m) => m.content),
    );
  });

  it('records reasoning for a ChainOfThought root', async () => {
    const lm = new DummyLM([{ reasoning: 'Paris is the capital.', answer: 'Paris' }]);
    const session = sessionify(new ChainOfThought('question -> answer'));
    await context({ lm }, () => session.call({ question: 'Capital of France?' }));
    expect(session.turns[0]!.outputs).toEqual({ reasoning: 'Paris is the capital.', answer: 'Paris' });
  });

  it('reproduces the Python session file with DummyLM and ChatAdapter', async () => {
    const data = JSON.parse(
      await readFile(new URL('./fixtures/python/session_program.json', import.meta.url), 'utf8'),
    ) as { file_text: string };
    class Agent extends Module {
      inner = new Predict('question -> answer');
      async forward({ question }: { question: string }) {
        return this.inner.call({ question });
      }
    }
    const seed = new History([
      { question: 'Hello, can you help me with geography?', answer: 'Yes, ask away.' },
    ]);
    const session = sessionify(new Agent(), { maxTurns: 5, initialHistory: seed });
    const lm = new DummyLM([{ answer: 'Paris' }, { answer: 'Berlin' }, { answer: 'Zürich, Switzerland' }]);
    await context({ lm }, async () => {
      await session.call({ question: 'What is the capital of France?' });
      await session.call({ question: 'And of Germany?' });
      await session.call({ question: "Which city hosts FIFA's headquarters?" });
    });
    await session.score((_ex, pred) => (String(pred.answer).includes('a') ? 1 : 0));
    expect(String(session)).toBe("Session(Agent, turns=3, history_field='history')");
    const path = join(await mkdtemp(join(tmpdir(), 'dspy-chat-')), 'session.json');
    await session.save(path);
    expect(await readFile(path, 'utf8')).toBe(data.file_text);
    // The seed renders as the first history turn of the third call.
    expect(lm.requests[2]!.messages[1]!.content).toBe(
      '[[ ## question ## ]]\nHello, can you help me with geography?',
    );
  });
});

describe('session.stream', () => {
  const adapter = new StreamingLineAdapter();
  const collect = async (events: AsyncIterable<StreamEvent>) => {
    const out: StreamEvent[] = [];
    for await (const event of events) out.push(event);
    return out;
  };

  it('streams deltas named by session paths and records the turn at the end', async () => {
    const lm = new DummyLM([{ answer: 'Paris' }]);
    const session = sessionify(new Predict('question -> answer'));
    const events = await context({ lm, adapter }, () => collect(session.stream({ question: 'Q' })));
    expect(events[0]).toEqual({ type: 'delta', predictor: 'module', field: 'answer', text: '"Paris"' });
    expect(events.at(-1)!.type).toBe('prediction');
    expect(session.turns.map((t) => t.outputs)).toEqual([{ answer: 'Paris' }]);
  });

  it('records nothing for an aborted stream and releases the lock', async () => {
    const lm = new DummyLM([{ answer: 'never' }, { answer: 'later' }]);
    const session = sessionify(new Predict('question -> answer'), { lock: 'async' });
    await context({ lm, adapter }, async () => {
      await expect(
        collect(session.stream({ question: 'Q' }, { signal: AbortSignal.abort() })),
      ).rejects.toThrow();
      await session.call({ question: 'Q2' });
    });
    expect(session.turns.map((t) => t.inputs.question)).toEqual(['Q2']);
  });
});
