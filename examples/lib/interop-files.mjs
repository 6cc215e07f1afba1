/**
 * The files dspy-ts writes for Python DSPy to read: programs (a Predict with demos, a module with
 * two predictors, a BootstrapFewShot-compiled module) and sessions (float outputs, an empty
 * historyInputFields). scripts/check-python-interop.mjs loads them with the real Python DSPy and
 * dspy-session; examples/test/python-interop.test.ts checks that they stay byte for byte what
 * Python was shown. Everything runs on DummyLM, so the files are the same on every run.
 */
import { join } from 'node:path';
import { ChainOfThought, context, DummyLM, Example, Module, Predict, saveProgram } from '@dspy-ts/core';
import { BootstrapFewShot } from '@dspy-ts/optimizers';
import { sessionify } from '@dspy-ts/session';

export const SIGNATURES = {
  predict: 'question -> answer, confidence: float',
  classify: 'question -> topic',
  answer: 'question, topic -> answer, score: float',
};

/** Two predictors: `classify` (Predict) and `answer` (ChainOfThought, saved as `answer.predict`). */
export class TopicQA extends Module {
  classify = new Predict(SIGNATURES.classify);
  answer = new ChainOfThought(SIGNATURES.answer);

  async forward({ question }) {
    const { topic } = await this.classify.call({ question });
    return this.answer.call({ question, topic });
  }
}

async function predictWithDemos(dir) {
  const program = new Predict(SIGNATURES.predict);
  program.signature = program.signature.withInstructions('Answer in one short phrase, with a confidence.');
  program.demos = [
    new Example({ question: 'What is the capital of France?', answer: 'Paris', confidence: 1 }).withInputs(
      'question',
    ),
    new Example({
      augmented: true,
      question: 'Which café drink is made with espresso and steamed milk?',
      answer: 'A latte',
      confidence: 0.75,
    }),
  ];
  await program.save(join(dir, 'program_predict.json'));
}

async function moduleWithDemos(dir) {
  const program = new TopicQA();
  program.classify.demos = [new Example({ question: 'Who wrote Hamlet?', topic: 'literature' })];
  program.answer.predict.demos = [
    new Example({
      augmented: true,
      question: 'What is 7 * 6?',
      topic: 'math',
      reasoning: '7 * 6 = 42.',
      answer: '42',
      score: 1,
    }),
  ];
  await program.save(join(dir, 'program_multi.json'));
}

const TRAINSET = [
  ['What is 10 - 7?', 'math', '3'],
  ['Who painted the Mona Lisa?', 'art', 'Leonardo da Vinci'],
  ['What is 2 + 3?', 'math', '5'],
].map(([question, topic, answer]) => new Example({ question, topic, answer }).withInputs('question'));

async function compiledModule(dir) {
  // Every question is classified; the first answer to 'What is 10 - 7?' is wrong, its retry right.
  let wrongOnce = true;
  const lm = new DummyLM((request) => {
    const text = request.messages.at(-1)?.content ?? '';
    const example = TRAINSET.find((e) => text.includes(e.question));
    if (!example) return undefined;
    if (!text.includes('[[ ## topic ## ]]')) return { topic: example.topic };
    if (example.answer === '3' && wrongOnce) {
      wrongOnce = false;
      return { reasoning: 'Guessing.', answer: '4', score: 0 };
    }
    return { reasoning: `The answer is ${example.answer}.`, answer: example.answer, score: 1 };
  });
  const metric = (example, prediction) => example.answer === prediction.answer;
  const optimizer = new BootstrapFewShot({
    metric,
    maxBootstrappedDemos: 2,
    maxLabeledDemos: 3,
    maxRounds: 2,
  });
  const compiled = await context({ lm, logger: { info() {}, warn() {} } }, () =>
    optimizer.compile(new TopicQA(), { trainset: TRAINSET }),
  );
  await saveProgram(compiled, join(dir, 'program_compiled.json'));
}

async function sessionWithFloats(dir) {
  const session = sessionify(new Predict(SIGNATURES.predict), { maxTurns: 5 });
  const lm = new DummyLM([
    { answer: 'Paris', confidence: '1' },
    { answer: 'Bern', confidence: '0.5' },
  ]);
  await context({ lm }, async () => {
    await session.call({ question: 'What is the capital of France?' });
    await session.call({ question: 'And of Switzerland?' });
  });
  await session.score((_example, prediction) => (prediction.confidence === 1 ? 1 : 0));
  await session.save(join(dir, 'session_floats.json'));
}

async function sessionWithoutHistoryInputs(dir) {
  const session = sessionify(new Predict('question -> answer'), { historyInputFields: [] });
  const lm = new DummyLM([{ answer: 'Paris' }, { answer: 'Bern' }]);
  await context({ lm }, async () => {
    await session.call({ question: 'What is the capital of France?' });
    await session.call({ question: 'And of Switzerland?' });
  });
  await session.save(join(dir, 'session_no_history_inputs.json'));
}

/** The file names written by `writeInteropFiles`, in order. */
export const INTEROP_FILES = [
  'program_predict.json',
  'program_multi.json',
  'program_compiled.json',
  'session_floats.json',
  'session_no_history_inputs.json',
];

/** Writes every file of INTEROP_FILES into `dir`. */
export async function writeInteropFiles(dir) {
  await predictWithDemos(dir);
  await moduleWithDemos(dir);
  await compiledModule(dir);
  await sessionWithFloats(dir);
  await sessionWithoutHistoryInputs(dir);
}
