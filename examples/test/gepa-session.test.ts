import { context, type LanguageModel, type LMRequest, Module, Predict } from '@dspy-ts/core';
import { type FeedbackMetric, GEPA } from '@dspy-ts/optimizers';
import { Session, sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';

/** Answers the last word of the current question, in capitals when its instructions say UPPERCASE. */
class ShoutingLM implements LanguageModel {
  readonly model = 'shouting';
  readonly requests: LMRequest[] = [];
  async request(request: LMRequest) {
    this.requests.push(request);
    const system = request.messages[0]?.content ?? '';
    const last = request.messages.at(-1)?.content ?? '';
    const question = /\[\[ ## question ## \]\]\n(.*)/.exec(last)?.[1] ?? '';
    const word = question.match(/[A-Za-z]+/g)?.at(-1) ?? '';
    const answer = system.includes('UPPERCASE') ? word.toUpperCase() : word;
    return { outputs: [`[[ ## answer ## ]]\n${answer}\n\n[[ ## completed ## ]]`] };
  }
}

/** A reflection model that turns the feedback it reads into the rule it asks for. */
class FeedbackReader implements LanguageModel {
  readonly model = 'feedback-reader';
  readonly prompts: string[] = [];
  async request(request: LMRequest) {
    const prompt = request.messages[0]?.content ?? '';
    this.prompts.push(prompt);
    const wantsCapitals = /must be uppercase/.test(prompt);
    const rule = wantsCapitals ? 'Answer with the last word of the question in UPPERCASE.' : 'Answer.';
    return { outputs: [`\`\`\`\n${rule}\n\`\`\``] };
  }
}

class Echo extends Module {
  respond = new Predict('question -> answer');
  async forward(inputs: { question: string }) {
    return this.respond.call(inputs);
  }
}

const metric: FeedbackMetric = (gold, pred, _trace, _predName, _predTrace) => {
  const want = String(gold.question)
    .match(/[A-Za-z]+/g)!
    .at(-1)!
    .toUpperCase();
  return pred.answer === want
    ? { score: 1, feedback: 'Correct.' }
    : {
        score: 0,
        feedback: `The user complained: expected '${want}', got '${String(pred.answer)}'; the answer must be uppercase.`,
      };
};

const quiet = { info: () => {}, warn: () => {} };

async function conversation(lm: LanguageModel): Promise<Session<Echo>> {
  const session = sessionify(new Echo());
  await context({ lm, logger: quiet }, async () => {
    for (const word of ['apple', 'river', 'stone', 'cloud']) await session.call({ question: `Say ${word}?` });
  });
  return session;
}

describe('GEPA compiles a Session', () => {
  it('returns a Session whose predictors carry the accepted instruction, and the score reaches 100%', async () => {
    const lm = new ShoutingLM();
    const session = await conversation(lm);
    const reflectionLm = new FeedbackReader();
    const gepa = new GEPA({
      metric,
      reflectionLm,
      maxMetricCalls: 16,
      reflectionMinibatchSize: 2,
      useMerge: false,
      trackStats: true,
      displayProgress: false,
    });
    const compiled = await context({ lm, logger: quiet }, async () =>
      gepa.compile(session, { trainset: await session.toExamples() }),
    );
    expect(compiled).toBeInstanceOf(Session);
    expect(compiled).not.toBe(session);
    expect(compiled.namedPredictors().map(([name]) => name)).toEqual(['module.respond']);
    expect(compiled.module.respond.signature.instructions).toBe(
      'Answer with the last word of the question in UPPERCASE.',
    );
    // The first proposal is accepted and every validation turn is then right. Python dspy-session
    // 0.1.0 + DSPy 3.3.1 on this case (packages/optimizers/test/fixtures/gepa/python_session_case.py)
    // ends with parents [[None]] and scores [0.0] after 3 reflections: its wrapper ignores proposals.
    expect(compiled.detailedResults?.parents).toEqual([[null], [0]]);
    expect(compiled.detailedResults?.valAggregateScores).toEqual([0, 1]);
    expect(reflectionLm.prompts).toHaveLength(1);
    // The original session keeps its instructions and its four turns.
    expect(session.module.respond.signature.instructions).toBe(
      'Given the fields `question`, produce the fields `answer`.',
    );
    expect(session.length).toBe(4);
  });

  it('shows each turn history in the reflection prompt as DSPy renders it', async () => {
    const lm = new ShoutingLM();
    const session = await conversation(lm);
    const reflectionLm = new FeedbackReader();
    await context({ lm, logger: quiet }, async () =>
      new GEPA({
        metric,
        reflectionLm,
        maxMetricCalls: 8,
        reflectionMinibatchSize: 2,
        useMerge: false,
        displayProgress: false,
      }).compile(session, { trainset: await session.toExamples() }),
    );
    expect(reflectionLm.prompts[0]).toMatch(
      /## Inputs\n### Context\n```json\n {2}0: \{'question': 'Say apple\?', 'answer': 'apple'\}\n/,
    );
  });

  it('keeps serving users statefully with the evolved instruction in the prompt', async () => {
    const lm = new ShoutingLM();
    const session = await conversation(lm);
    const compiled = await context({ lm, logger: quiet }, async () =>
      new GEPA({
        metric,
        reflectionLm: new FeedbackReader(),
        maxMetricCalls: 16,
        reflectionMinibatchSize: 2,
        useMerge: false,
        displayProgress: false,
      }).compile(session, { trainset: await session.toExamples() }),
    );
    const live = new ShoutingLM();
    const reply = await context({ lm: live, logger: quiet }, () => compiled.call({ question: 'Say ocean?' }));
    expect(reply.answer).toBe('OCEAN');
    expect(compiled.length).toBe(5);
    const messages = live.requests[0]!.messages;
    expect(messages[0]!.content).toContain('Answer with the last word of the question in UPPERCASE.');
    // System, four earlier turns (user + assistant), the new question.
    expect(messages).toHaveLength(1 + 8 + 1);
  });
});
