import {
  ChainOfThought,
  ConfigurationError,
  Example,
  History,
  InputField,
  Module,
  OutputField,
  Predict,
  Prediction,
  signature,
} from '@dspy-ts/core';
import { getCurrentHistory, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Calls, echoPredict, fakePredict, messagesOf, suppliedInputs, withWarnings } from './support.js';

class TurnLog extends History {}

/** A program whose forward ignores `history` and calls an inner predictor. */
class Agent extends Module {
  gen: Predict;
  constructor(gen: Predict) {
    super();
    this.gen = gen;
  }
  async forward({ question }: { question: string }) {
    return this.gen.call({ question });
  }
}

describe('the wrapped module', () => {
  it('gives a root Predict a History input `history` and leaves the original unchanged', () => {
    const original = new Predict('question -> answer');
    const session = sessionify(original);
    const sig = (session.module as Predict).signature;
    expect(Object.keys(sig.inputFields)).toEqual(['question', 'history']);
    expect(sig.inputFields.history!.isHistory).toBe(true);
    expect(sig.inputFields.history!.typeName).toBe('History');
    expect(sig.inputFields.history!.desc).toBe('Conversation history');
    expect(Object.keys(original.signature.inputFields)).toEqual(['question']);
  });

  it('keeps an existing history: History field, with no duplicate and no warning', () => {
    const { result: session, warnings } = withWarnings(() =>
      sessionify(new Predict('history: History, question -> answer')),
    );
    expect(Object.keys((session.module as Predict).signature.inputFields)).toEqual(['history', 'question']);
    expect(warnings).toEqual([]);
  });

  it('adds the field under a custom historyField', () => {
    const session = sessionify(new Predict('question -> answer'), { historyField: 'chat_history' });
    expect(Object.keys((session.module as Predict).signature.inputFields)).toEqual([
      'question',
      'chat_history',
    ]);
    expect(session.historyField).toBe('chat_history');
  });

  it('adopts an existing History-typed field of another name on the root', () => {
    const { result: session, warnings } = withWarnings(() =>
      sessionify(new Predict('conv_history: History, question -> answer')),
    );
    expect(session.historyField).toBe('conv_history');
    expect(session.options.excludeFields.has('conv_history')).toBe(true);
    expect(session.options.excludeFields.has('history')).toBe(true);
    expect(Object.keys((session.module as Predict).signature.inputFields)).toEqual([
      'conv_history',
      'question',
    ]);
    expect(warnings).toEqual([
      "Predictor already has history-like field 'conv_history'. Session requested 'history'. Using 'conv_history'.",
    ]);
  });

  it('warns with the exact text when chat_log is requested but history exists', () => {
    const { result: session, warnings } = withWarnings(() =>
      sessionify(new Predict('history: History, question -> answer'), { historyField: 'chat_log' }),
    );
    expect(warnings).toEqual([
      "Predictor already has history-like field 'history'. Session requested 'chat_log'. Using 'history'.",
    ]);
    expect(session.historyField).toBe('history');
  });

  it('warns for a nested predictor with another History field name and keeps the session field', async () => {
    const { predict, calls } = fakePredict('conv: History, question -> answer', [{ answer: 'A' }]);
    const { result: session, warnings } = withWarnings(() => sessionify(new Agent(predict)));
    expect(warnings).toEqual([
      "Predictor already has history-like field 'conv'. Session requested 'history'. Using 'conv'.",
    ]);
    expect(session.historyField).toBe('history');
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(messagesOf(calls[1], 'conv')).toEqual([{ question: 'Q1', answer: 'A' }]);
  });

  it('throws when historyField collides with a non-History input', () => {
    expect(() => sessionify(new Predict('history: str, question -> answer'))).toThrow(ConfigurationError);
    expect(() => sessionify(new Predict('history: str, question -> answer'))).toThrow(/historyField/);
  });

  it('throws when historyField collides with an output', () => {
    const module = new Predict('question -> answer, history');
    expect(() => sessionify(module)).toThrow(/already has an output field named 'history'/);
  });

  it('detects a History subclass only when strictHistoryAnnotation is false', () => {
    const sig = signature({
      inputs: { log: InputField(z.instanceof(TurnLog)), question: InputField(z.string()) },
      outputs: { answer: OutputField(z.string()) },
    });
    const lenient = withWarnings(() => sessionify(new Predict(sig))).result;
    expect(lenient.historyField).toBe('log');
    const strict = withWarnings(() => sessionify(new Predict(sig), { strictHistoryAnnotation: true })).result;
    expect(strict.historyField).toBe('history');
    expect(Object.keys((strict.module as Predict).signature.inputFields)).toEqual([
      'log',
      'question',
      'history',
    ]);
  });

  it('detects Optional[History] in both modes', () => {
    for (const strict of [false, true]) {
      const { result: session } = withWarnings(() =>
        sessionify(new Predict('past: Optional[History], question -> answer'), {
          strictHistoryAnnotation: strict,
        }),
      );
      expect(session.historyField).toBe('past');
    }
  });

  it('detects an annotated (described) History and a nullable zod History', () => {
    const sig = signature({
      inputs: {
        question: InputField(z.string()),
        memo: InputField(History.schema.describe('the chat').nullable()),
      },
      outputs: { answer: OutputField(z.string()) },
    });
    expect(withWarnings(() => sessionify(new Predict(sig))).result.historyField).toBe('memo');
  });

  it('feeds a nested predictor history when the forward ignores it (empty History on turn 0)', async () => {
    const { predict, calls } = fakePredict('question -> answer', [{ answer: 'A' }]);
    const session = sessionify(new Agent(predict));
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(calls[0]!.history).toBeInstanceOf(History);
    expect(messagesOf(calls[0])).toEqual([]);
    expect(messagesOf(calls[1])).toEqual([{ question: 'Q1', answer: 'A' }]);
  });

  it('feeds a nested predictor under a custom historyField (chat_log)', async () => {
    const { predict, calls } = fakePredict('question -> answer', [{ answer: 'A' }]);
    const session = sessionify(new Agent(predict), { historyField: 'chat_log' });
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(messagesOf(calls[0], 'chat_log')).toEqual([]);
    expect(messagesOf(calls[1], 'chat_log')).toEqual([{ question: 'Q1', answer: 'A' }]);
    expect(calls[1]!.history).toBeUndefined();
  });

  it('passes history to a forward that reads it, and to one that spreads its inputs', async () => {
    const seen: unknown[] = [];
    class Reader extends Module {
      async forward({ question, history }: { question: string; history: History }) {
        seen.push(history);
        return { answer: `${question}:${history.length}` };
      }
    }
    const reader = sessionify(new Reader());
    await reader.call({ question: 'Q1' });
    await reader.call({ question: 'Q2' });
    expect(seen[1]).toBeInstanceOf(History);
    expect((seen[1] as History).messages).toEqual([{ question: 'Q1', answer: 'Q1:0' }]);

    const { predict, calls } = fakePredict('question -> answer', [{ answer: 'A' }]);
    class Spreader extends Module {
      gen = predict;
      async forward(inputs: Record<string, unknown>) {
        return this.gen.call({ ...inputs } as never);
      }
    }
    const spreader = sessionify(new Spreader());
    await spreader.call({ question: 'Q1' });
    await spreader.call({ question: 'Q2' });
    expect(messagesOf(calls[1])).toEqual([{ question: 'Q1', answer: 'A' }]);
  });

  it('keeps an explicit history a nested predictor was called with (no injection)', async () => {
    const mine = new History([{ question: 'own', answer: 'x' }]);
    const { predict, calls } = fakePredict('question -> answer', [{ answer: 'A' }]);
    class Explicit extends Module {
      gen = predict;
      async forward({ question }: { question: string }) {
        return this.gen.call({ question, history: mine });
      }
    }
    const session = sessionify(new Explicit());
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(calls[1]!.history).toBe(mine);
  });

  it('treats an explicit null from the program as no history', async () => {
    const { predict, calls } = fakePredict('question -> answer', [{ answer: 'A' }]);
    class NoHistory extends Module {
      gen = predict;
      async forward({ question }: { question: string }) {
        return this.gen.call({ question, history: null } as never);
      }
    }
    const session = sessionify(new NoHistory());
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(messagesOf(calls[1])).toEqual([]);
  });

  it('gives a prepared predictor no history outside a session call, without throwing', async () => {
    const { predict, calls } = fakePredict('question -> answer', [{ answer: 'A' }]);
    const session = sessionify(new Agent(predict));
    await (session.module as Agent).gen.call({ question: 'direct' });
    expect(calls[0]!.history).toBeUndefined();
    expect(getCurrentHistory()).toBeUndefined();
  });

  it('exposes the history of the call in progress through getCurrentHistory()', async () => {
    const seen: (History | undefined)[] = [];
    class Peek extends Module {
      async forward({ history }: { history: History }) {
        seen.push(getCurrentHistory());
        expect(getCurrentHistory()).toBe(history);
        return { answer: 'A' };
      }
    }
    const session = sessionify(new Peek());
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(seen.map((h) => h?.length)).toEqual([0, 1]);
    expect(getCurrentHistory()).toBeUndefined();
  });

  it('makes a fork or deep copy run its own demos and signature (no Python closure defect)', async () => {
    const seen: { demos: unknown[]; instructions: string }[] = [];
    class Recording extends Predict {
      override async forward(inputs: Record<string, unknown>) {
        seen.push({ demos: [...this.demos], instructions: this.signature.instructions });
        return new Prediction({ answer: String(inputs.question) }) as never;
      }
    }
    const session = sessionify(new Agent(new Recording('question -> answer')));
    const fork = session.fork();
    const forkGen = (fork.module as Agent).gen;
    forkGen.demos = [new Example({ question: 'd', answer: 'e' })];
    forkGen.signature = forkGen.signature.withInstructions('Fork instructions.');
    await fork.call({ question: 'Q' });
    await session.call({ question: 'Q' });
    expect(seen[0]!.demos).toHaveLength(1);
    expect(seen[0]!.instructions).toBe('Fork instructions.');
    expect(seen[1]!.demos).toHaveLength(0);

    const copy = session.deepCopy();
    (copy.module as Agent).gen.demos = [new Example({ question: 'x', answer: 'y' })];
    await copy.call({ question: 'Q' });
    expect(seen[2]!.demos).toHaveLength(1);
    expect(Object.keys((copy.module as Agent).gen.signature.inputFields)).toEqual(['question', 'history']);
  });

  it('prepares a copy of a prepared module without a second field, wrapper or warning', async () => {
    const { predict, calls } = fakePredict('conv: History, question -> answer', [{ answer: 'A' }]);
    const first = withWarnings(() => sessionify(new Agent(predict)));
    expect(first.warnings).toHaveLength(1);
    const second = withWarnings(() => sessionify(first.result.module));
    expect(second.warnings).toEqual([]);
    expect(Object.keys((second.result.module as Agent).gen.signature.inputFields)).toEqual([
      'conv',
      'question',
    ]);
    await second.result.call({ question: 'Q1' });
    expect(calls).toHaveLength(1);
  });

  it('gives the module of updateModule(new Predict(QA)) a history field', async () => {
    const session = sessionify(new Predict('question -> answer'));
    session.updateModule(new Predict('question -> answer'));
    expect(Object.keys((session.module as Predict).signature.inputFields)).toEqual(['question', 'history']);
  });

  it('prepares the inner predictor of a ChainOfThought root', () => {
    const session = sessionify(new ChainOfThought('question -> answer'));
    const inner = (session.module as ChainOfThought).predict;
    expect(Object.keys(inner.signature.inputFields)).toEqual(['question', 'history']);
    expect(Object.keys(inner.signature.outputFields)).toEqual(['reasoning', 'answer']);
  });

  it('does not prepare predictors created at call time', async () => {
    const created: Calls = [];
    class Dynamic extends Module {
      async forward({ question }: { question: string }) {
        const inner = new Predict('question -> answer');
        inner.forward = async (inputs: Record<string, unknown>) => {
          created.push(suppliedInputs(inner, inputs));
          return new Prediction({ answer: 'x' }) as never;
        };
        return inner.call({ question });
      }
    }
    const session = sessionify(new Dynamic());
    await session.call({ question: 'Q1' });
    await session.call({ question: 'Q2' });
    expect(created[1]!.history).toBeUndefined();
    expect(session.length).toBe(2);
  });

  it('never changes the caller module after construction', async () => {
    const { predict } = echoPredict();
    const session = sessionify(new Agent(predict));
    const callerGen = predict;
    expect(Object.keys(callerGen.signature.inputFields)).toEqual(['question']);
    callerGen.signature = callerGen.signature.withInstructions('changed');
    expect((session.module as Agent).gen.signature.instructions).not.toBe('changed');
  });
});
