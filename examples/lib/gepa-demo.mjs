/**
 * The demo's GEPA step: the support lead reviews the assistant's replies (a metric with textual
 * feedback), GEPA's reflection model reads the failing replies with that feedback and rewrites the
 * reply instructions, and the held-out replies are scored before and after.
 */
import { context } from '@dspy-ts/core';
import { Evaluate, GEPA } from '@dspy-ts/optimizers';
import { sessionify } from '@dspy-ts/session';
import { SupportAssistant } from './support.mjs';

export const SIGN_OFF = 'Reply to this email to reopen the ticket.';

/** The support lead's review of a reply: it must end with the sign-off; the feedback says why. */
export function leadReview(_example, prediction, _trace, _predName, _predTrace) {
  const answer = String(prediction.answer ?? '');
  if (answer.endsWith(SIGN_OFF)) return { score: 1, feedback: 'Good reply: it ends with the sign-off.' };
  return {
    score: 0,
    feedback: `The support lead rejected this reply: every reply must end with "${SIGN_OFF}" so the customer knows how to come back.`,
  };
}

const reviewScore = (example, prediction) => leadReview(example, prediction).score;

/** Runs the step; returns the scores and the evolved instructions the tests check. */
export async function runGepaDemo({ reflectionLm, trainset, devset, offline, say, log, indent }) {
  say("7/7  GEPA: evolve the reply instructions from the support lead's feedback");
  const student = sessionify(new SupportAssistant());
  const evaluate = new Evaluate({ devset, metric: reviewScore, concurrency: 4 });
  const before = await context({ logger: { info() {}, warn: log } }, () => evaluate.run(student));
  const gepa = new GEPA({
    metric: leadReview,
    reflectionLm,
    maxMetricCalls: 30,
    reflectionMinibatchSize: 3,
    useMerge: false,
    concurrency: 4,
    trackStats: true,
    displayProgress: false,
  });
  // GEPA logs every iteration; the demo shows the summary (warnings still print).
  const quiet = { info() {}, warn: (message) => log(`warning: ${message}`) };
  const evolved = await context({ logger: quiet }, () =>
    // The held-out turns stay unseen: the Pareto front is tracked on the training turns.
    gepa.compile(student, { trainset, valset: trainset }),
  );
  const after = await context({ logger: { info() {}, warn: log } }, () => evaluate.run(evolved));
  const details = evolved.detailedResults;
  say(
    `${indent}${details.candidates.length} candidates, ${details.totalMetricCalls} metric calls; reviewed replies on held-out turns: ` +
      `${before.score.toFixed(1)}% before -> ${after.score.toFixed(1)}% after`,
  );
  const instructions = Object.fromEntries(
    evolved.namedPredictors().map(([name, predictor]) => [name, predictor.signature.instructions]),
  );
  const original = Object.fromEntries(
    student.namedPredictors().map(([name, predictor]) => [name, predictor.signature.instructions]),
  );
  for (const [name, text] of Object.entries(instructions)) {
    if (text !== original[name]) log(`${name} instructions now: ${text.replaceAll('\n', ' ')}`);
  }
  if (offline) {
    log(
      "The offline model stands in for a real reflection model here: it reads the feedback shown in GEPA's " +
        'reflection prompt and writes the rule that feedback asks for into the instructions, and as the task model ' +
        'it follows rules written in its instructions. With OPENAI_API_KEY set, the real model does both.',
    );
  }
  return { before, after, instructions, details };
}
