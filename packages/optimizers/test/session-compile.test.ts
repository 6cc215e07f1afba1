import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  context,
  type DummyLM,
  type Example,
  History,
  LM,
  Module,
  Predict,
  saveProgram,
} from '@dspy-ts/core';
import { type ChatRequestBody, startOpenAIServer } from '@dspy-ts/core/testing';
import { Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShot, Evaluate, LabeledFewShot } from '../src/index.js';
import { exactMatch, qaLM, recordingLogger } from './support/helpers.js';

class Assistant extends Module {
  gen = new Predict('question -> answer');
  async forward(inputs: { question: string }) {
    return this.gen.call({ question: inputs.question });
  }
}

const quiet = <T>(lm: DummyLM | LM, fn: () => Promise<T>) => context({ lm, logger: recordingLogger() }, fn);

/** A session with `n` recorded turns (q0?..), answered by the DummyLM. */
async function chat<M extends Module>(module: M, n: number): Promise<Session<M>> {
  const session = sessionify(module);
  await quiet(qaLM(), async () => {
    for (let i = 0; i < n; i++) await session.call({ question: `q${i}?` } as never);
  });
  return session;
}

const historyOf = (demo: unknown) => (demo as Example).get('history') as History;

describe('compiling a Session', () => {
  it('returns a Session with the same options and turns whose predictors carry history demos', async () => {
    const session = await chat(new Assistant(), 4);
    const trainset = await session.toExamples();
    const compiled = await quiet(qaLM(), () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 3, maxLabeledDemos: 4 }).compile(
        session,
        {
          trainset,
        },
      ),
    );
    expect(compiled).toBeInstanceOf(Session);
    expect(compiled).not.toBe(session);
    expect(compiled.options).toEqual(session.options);
    expect(compiled.turns.map((t) => t.outputs)).toEqual(session.turns.map((t) => t.outputs));
    expect(compiled.namedPredictors().map(([name]) => name)).toEqual(['module.gen']);

    const demos = compiled.module.gen.demos as Example[];
    expect(demos).toHaveLength(4);
    expect(demos.slice(0, 3).map((d) => d.get('augmented'))).toEqual([true, true, true]);
    expect(demos.slice(0, 3).map((d) => Object.keys(d.toDict()))).toEqual([
      ['augmented', 'question', 'history', 'answer'],
      ['augmented', 'question', 'history', 'answer'],
      ['augmented', 'question', 'history', 'answer'],
    ]);
    // Each bootstrapped demo holds exactly the snapshot its turn saw.
    for (const [i, demo] of demos.slice(0, 3).entries()) {
      expect(historyOf(demo)).toBeInstanceOf(History);
      expect(historyOf(demo).messages).toEqual(session.turns[i]!.historySnapshot.messages);
    }
    // The labeled demo is the fourth turn's example, history included.
    expect(demos[3]).toBe(trainset[3]);
  });

  it('records nothing on the original session and leaves its predictors without demos', async () => {
    const session = await chat(new Assistant(), 3);
    await quiet(qaLM(), async () =>
      new BootstrapFewShot({ metric: exactMatch }).compile(session, { trainset: await session.toExamples() }),
    );
    expect(session.length).toBe(3);
    expect(session.module.gen.demos).toEqual([]);
    expect(session.compiled).toBe(false);
  });

  it('keeps serving users statefully with the compiled demos in the prompt', async () => {
    const session = await chat(new Assistant(), 3);
    const compiled = await quiet(qaLM(), async () =>
      new BootstrapFewShot({ metric: exactMatch, maxLabeledDemos: 3 }).compile(session, {
        trainset: await session.toExamples(),
      }),
    );
    const lm = qaLM();
    const reply = await quiet(lm, () => compiled.call({ question: 'q3?' }));
    expect(reply.answer).toBe('a3');
    expect(compiled.length).toBe(4);
    expect(session.length).toBe(3);

    const messages = lm.requests[0]!.messages;
    // System, 3 demos (user + assistant), 3 earlier turns (user + assistant), the question.
    expect(messages).toHaveLength(1 + 6 + 6 + 1);
    expect(messages[3]!.content).toBe(
      '[[ ## question ## ]]\nq1?\n\n[[ ## history ## ]]\n{"messages": [{"question": "q0?", "answer": "a0"}]}',
    );
    expect(messages[7]!.content).toBe('[[ ## question ## ]]\nq0?');
    expect(messages[13]!.content).toContain('[[ ## question ## ]]\nq3?');

    await quiet(qaLM(), () => compiled.call({ question: 'q4?' }));
    expect(compiled.turns.map((t) => t.inputs.question)).toEqual(['q0?', 'q1?', 'q2?', 'q3?', 'q4?']);
  });

  it('compiles a session around a bare Predict (predictor name `module`)', async () => {
    const session = await chat(new Predict('question -> answer'), 3);
    const compiled = await quiet(qaLM(), async () =>
      new BootstrapFewShot({ metric: exactMatch, maxLabeledDemos: 0 }).compile(session, {
        trainset: await session.toExamples(),
      }),
    );
    expect(compiled.namedPredictors().map(([name]) => name)).toEqual(['module']);
    expect(compiled.module.demos.map((d) => historyOf(d).length)).toEqual([0, 1, 2]);
  });

  it('refuses to compile the compiled session again', async () => {
    const session = await chat(new Assistant(), 2);
    const trainset = await session.toExamples();
    const optimizer = new BootstrapFewShot({ metric: exactMatch });
    const compiled = await quiet(qaLM(), () => optimizer.compile(session, { trainset }));
    await expect(quiet(qaLM(), () => optimizer.compile(compiled, { trainset }))).rejects.toThrow(
      'Student must be uncompiled.',
    );
  });

  it('works with LabeledFewShot and Evaluate without recording turns', async () => {
    const session = await chat(new Assistant(), 3);
    const trainset = await session.toExamples();
    const labeled = await new LabeledFewShot({ k: 2 }).compile(session, { trainset });
    expect(labeled).toBeInstanceOf(Session);
    expect(labeled.module.gen.demos).toHaveLength(2);
    const result = await quiet(qaLM(), () =>
      new Evaluate({ devset: trainset, metric: exactMatch }).run(labeled),
    );
    expect(result.score).toBe(100);
    expect(labeled.length).toBe(3);
  });

  it('saves the compiled session program with `module.gen` keys and History demos as messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-session-compile-'));
    try {
      const session = await chat(new Assistant(), 2);
      const compiled = await quiet(qaLM(), async () =>
        new BootstrapFewShot({ metric: exactMatch }).compile(session, {
          trainset: await session.toExamples(),
        }),
      );
      const path = join(dir, 'session-program.json');
      // `session.save` writes the conversation; the program itself saves through core's saveProgram.
      await saveProgram(compiled, path);
      const saved = JSON.parse(await readFile(path, 'utf8'));
      expect(Object.keys(saved)).toEqual(['module.gen', 'metadata']);
      expect(saved['module.gen'].demos[1]).toEqual({
        augmented: true,
        question: 'q1?',
        history: { messages: [{ question: 'q0?', answer: 'a0' }] },
        answer: 'a1',
      });
      const fresh = sessionify(new Assistant());
      await fresh.load(path);
      expect(fresh.module.gen.demos).toEqual(saved['module.gen'].demos);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('compiles a session against the real LM client and local server', async () => {
    const reply = (body: ChatRequestBody) => {
      const messages = body.messages as { content: string }[];
      const question = /\[\[ ## question ## \]\]\n(q\d+\?)/.exec(messages.at(-1)!.content)?.[1] ?? '';
      return `[[ ## answer ## ]]\n${question.replace(/^q(\d+)\?$/, 'a$1')}\n\n[[ ## completed ## ]]`;
    };
    const server = await startOpenAIServer({ reply, latencyMs: 150 });
    try {
      const lm = new LM('openai/test-model', { apiKey: 'sk-test', baseURL: server.url, cache: false });
      const session = sessionify(new Assistant());
      await quiet(lm, async () => {
        for (let i = 0; i < 6; i++) await session.call({ question: `q${i}?` });
      });
      server.reset();
      const compiled = await quiet(lm, async () =>
        new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 6, maxLabeledDemos: 0 }).compile(
          session,
          {
            trainset: await session.toExamples(),
          },
        ),
      );
      expect(server.requestCount).toBe(6);
      expect(server.peakInFlight).toBe(6);
      expect(compiled.module.gen.demos.map((d) => historyOf(d).length)).toEqual([0, 1, 2, 3, 4, 5]);
      const answer = await quiet(lm, () => compiled.call({ question: 'q6?' }));
      expect(answer.answer).toBe('a6');
      expect(compiled.length).toBe(7);
    } finally {
      await server.close();
    }
  });
});
