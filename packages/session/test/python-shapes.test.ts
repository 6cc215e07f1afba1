import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, DummyLM, Module, Predict } from '@dspy-ts/core';
import { Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';

const tempFile = async () => join(await mkdtemp(join(tmpdir(), 'dspy-session-')), 'session.json');

describe('session files as Python reads them', () => {
  it('writes whole numbers of float-typed fields as 1.0 and int fields as 1', async () => {
    const session = sessionify(
      new Predict('question, weight: float -> answer, confidence: float, votes: int'),
    );
    const lm = new DummyLM([
      { answer: 'Paris', confidence: '1', votes: '3' },
      { answer: 'Bern', confidence: '0.75', votes: '0' },
    ]);
    await context({ lm }, async () => {
      await session.call({ question: 'Capital of France?', weight: 2 });
      await session.call({ question: 'Capital of Switzerland?', weight: 0.5 });
    });
    const path = await tempFile();
    await session.save(path);
    expect(await readFile(path, 'utf8')).toBe(`{
  "version": 2,
  "history_field": "history",
  "max_turns": null,
  "exclude_fields": [
    "history"
  ],
  "history_input_fields": null,
  "history_policy": "override",
  "turns": [
    {
      "index": 0,
      "inputs": {
        "question": "Capital of France?",
        "weight": 2.0
      },
      "outputs": {
        "answer": "Paris",
        "confidence": 1.0,
        "votes": 3
      },
      "score": null
    },
    {
      "index": 1,
      "inputs": {
        "question": "Capital of Switzerland?",
        "weight": 0.5
      },
      "outputs": {
        "answer": "Bern",
        "confidence": 0.75,
        "votes": 0
      },
      "score": null
    }
  ],
  "initial_history": null
}`);
    const loaded = await Session.loadFrom(
      path,
      new Predict('question, weight: float -> answer, confidence: float, votes: int'),
    );
    expect(loaded.turns[0]!.outputs).toEqual({ answer: 'Paris', confidence: 1, votes: 3 });
  });

  it('leaves a name untyped when two predictors of the program type it differently', async () => {
    class Two extends Module {
      rate = new Predict('text -> score: float');
      count = new Predict('text -> score: int');
      async forward({ text }: { text: string }) {
        await this.count.call({ text });
        return this.rate.call({ text });
      }
    }
    const session = sessionify(new Two());
    await context({ lm: new DummyLM([{ score: '2' }, { score: '4' }]) }, () => session.call({ text: 't' }));
    const path = await tempFile();
    await session.save(path);
    expect(await readFile(path, 'utf8')).toContain('"score": 4\n');
  });

  it('writes an empty historyInputFields as [""] so that Python also keeps inputs out, and reads it back as empty', async () => {
    const session = sessionify(new Predict('question -> answer'), { historyInputFields: [] });
    await context({ lm: new DummyLM([{ answer: 'A1' }, { answer: 'A2' }]) }, async () => {
      await session.call({ question: 'Q1' });
      await session.call({ question: 'Q2' });
    });
    expect(session.saveState().history_input_fields).toEqual(['']);
    const path = await tempFile();
    await session.save(path);
    expect(await readFile(path, 'utf8')).toContain('"history_input_fields": [\n    ""\n  ],');
    const loaded = await Session.loadFrom(path, new Predict('question -> answer'));
    expect([...loaded.options.historyInputFields!]).toEqual([]);
    expect(loaded.sessionHistory.messages).toEqual([{ answer: 'A1' }, { answer: 'A2' }]);
    expect(loaded.saveState()).toEqual(session.saveState());
  });

  it('writes the bytes dspy-session writes, with null where Python writes NaN or Infinity', async () => {
    // Recorded by packages/core/test/fixtures/python/make_pycompat.py: five turns whose question and
    // answer are nan, inf, -0.0, 1e16 and 1.0, scored 0.5, -0.0, 1e-07, 1.0 and 1e16.
    const recorded = (
      JSON.parse(
        readFileSync(new URL('../../core/test/fixtures/python/pycompat.json', import.meta.url), 'utf8'),
      ) as { session_save: { file_text: string } }
    ).session_save.file_text;
    const session = sessionify(new Predict('question: float -> answer: float'));
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e16, 1]) {
      session.addTurn({ inputs: { question: value }, outputs: { answer: value } });
    }
    const scores = [0.5, -0, 1e-7, 1, 1e16];
    let i = 0;
    await session.score(() => scores[i++]!);
    const path = await tempFile();
    await session.save(path);
    const text = await readFile(path, 'utf8');
    // Python's file is not JSON (JSON.parse refuses NaN); ours must be, so those values are null.
    expect(text).toBe(recorded.replace(/\b(?:-?Infinity|NaN)\b/g, 'null'));
    expect(() => JSON.parse(text)).not.toThrow();
  });
});
