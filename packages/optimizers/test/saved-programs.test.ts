import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainOfThought, context, DummyLM, Example, History, Module, Predict } from '@dspy-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootstrapFewShot } from '../src/index.js';
import { exactMatch, fieldOf, qaLM, qaSet, recordingLogger } from './support/helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dspy-ts-optimizers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quiet = <T>(lm: DummyLM, fn: () => Promise<T>) => context({ lm, logger: recordingLogger() }, fn);

/** Examples of a two-turn conversation, as a session's toExamples() builds them. */
const conversation = () => [
  new Example({ history: new History([]), question: 'q0?', answer: 'a0' }).withInputs('history', 'question'),
  new Example({
    history: new History([{ question: 'q0?', answer: 'a0' }]),
    question: 'q1?',
    answer: 'a1',
  }).withInputs('history', 'question'),
  new Example({
    history: new History([
      { question: 'q0?', answer: 'a0' },
      { question: 'q1?', answer: 'a1' },
    ]),
    question: 'q2?',
    answer: 'a2',
  }).withInputs('history', 'question'),
];

describe('compiled programs as DSPy-shaped JSON', () => {
  class Pipeline extends Module {
    draft = new Predict('question -> draft');
    final = new ChainOfThought('question, draft -> answer');
    async forward(inputs: { question: string }) {
      const { draft } = await this.draft.call(inputs);
      return this.final.call({ question: inputs.question, draft });
    }
  }
  const pipelineLM = () =>
    new DummyLM((request) => {
      const question = fieldOf(request, 'question')!;
      return fieldOf(request, 'draft') === undefined
        ? { draft: `d-${question}` }
        : { reasoning: 'r', answer: question.replace(/^q(\d+)\?$/, 'a$1') };
    });

  it('saves bootstrapped demos with "augmented": true first, and loads them back', async () => {
    const compiled = await quiet(pipelineLM(), () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 2, maxLabeledDemos: 3 }).compile(
        new Pipeline(),
        { trainset: qaSet(5) },
      ),
    );
    const path = join(dir, 'pipeline.json');
    await compiled.save(path);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(Object.keys(saved)).toEqual(['draft', 'final.predict', 'metadata']);
    expect(saved.draft.demos.slice(0, 2)).toEqual([
      { augmented: true, question: 'q0?', draft: 'd-q0?' },
      { augmented: true, question: 'q1?', draft: 'd-q1?' },
    ]);
    expect(saved['final.predict'].demos[0]).toEqual({
      augmented: true,
      question: 'q0?',
      draft: 'd-q0?',
      reasoning: 'r',
      answer: 'a0',
    });
    expect(saved.draft.demos).toHaveLength(3);
    expect(saved.draft.lm).toBeNull();

    const loaded = await new Pipeline().load(path);
    expect(loaded.draft.demos).toEqual(saved.draft.demos);
    expect(loaded.final.predict.demos).toEqual(saved['final.predict'].demos);
  });

  it('renders the same prompt before and after save/load', async () => {
    const compiled = await quiet(pipelineLM(), () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 2 }).compile(new Pipeline(), {
        trainset: qaSet(4),
      }),
    );
    const path = join(dir, 'prompt.json');
    await compiled.save(path);
    const loaded = await new Pipeline().load(path);
    const before = pipelineLM();
    const after = pipelineLM();
    await quiet(before, () => compiled.call({ question: 'q9?' }));
    await quiet(after, () => loaded.call({ question: 'q9?' }));
    expect(after.requests.map((r) => r.messages)).toEqual(before.requests.map((r) => r.messages));
  });
});

describe('programs whose predictors take a History input', () => {
  it('keeps each example history in its bootstrapped demo', async () => {
    const compiled = await quiet(qaLM(), () =>
      new BootstrapFewShot({ metric: exactMatch }).compile(
        new Predict('history: History, question -> answer'),
        {
          trainset: conversation(),
        },
      ),
    );
    const demos = compiled.demos as Example[];
    expect(demos).toHaveLength(3);
    expect(demos.map((d) => Object.keys(d.toDict()))).toEqual([
      ['augmented', 'history', 'question', 'answer'],
      ['augmented', 'history', 'question', 'answer'],
      ['augmented', 'history', 'question', 'answer'],
    ]);
    expect(demos[1]!.get('history')).toBeInstanceOf(History);
    expect((demos[2]!.get('history') as History).messages).toEqual([
      { question: 'q0?', answer: 'a0' },
      { question: 'q1?', answer: 'a1' },
    ]);
  });

  it('renders History demos as JSON and only expands the current history into turns', async () => {
    const compiled = await quiet(qaLM(), () =>
      new BootstrapFewShot({ metric: exactMatch }).compile(
        new Predict('history: History, question -> answer'),
        {
          trainset: conversation(),
        },
      ),
    );
    const lm = qaLM();
    await quiet(lm, () =>
      compiled.call({ history: new History([{ question: 'q7?', answer: 'a7' }]), question: 'q8?' }),
    );
    const messages = lm.requests[0]!.messages;
    expect(messages[3]!.content).toBe(
      '[[ ## history ## ]]\n{"messages": [{"question": "q0?", "answer": "a0"}]}\n\n[[ ## question ## ]]\nq1?',
    );
    // After the 3 demos (6 messages) comes the current history as a user/assistant turn.
    expect(messages[7]!.content).toBe('[[ ## question ## ]]\nq7?');
    expect(messages[8]!.role).toBe('assistant');
  });

  it('saves History demos as {"messages": [...]} and renders them the same after load', async () => {
    const compiled = await quiet(qaLM(), () =>
      new BootstrapFewShot({ metric: exactMatch }).compile(
        new Predict('history: History, question -> answer'),
        {
          trainset: conversation(),
        },
      ),
    );
    const path = join(dir, 'history.json');
    await compiled.save(path);
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.demos[1].history).toEqual({ messages: [{ question: 'q0?', answer: 'a0' }] });

    const loaded = await new Predict('history: History, question -> answer').load(path);
    const before = qaLM();
    const after = qaLM();
    await quiet(before, () => compiled.call({ question: 'q8?' }));
    await quiet(after, () => loaded.call({ question: 'q8?' }));
    expect(after.requests[0]!.messages).toEqual(before.requests[0]!.messages);
  });
});
