import { evaluateBatch } from './evaluation.js';
import type { MergeScheduler } from './merge.js';
import type { GepaProgress } from './progress.js';
import { type Proposal, proposeReflective, sum } from './reflective-mutation.js';
import type { RunContext } from './run-context.js';
import { type Candidate, GepaState, type SubScores } from './state.js';

const byIndex = (scores: readonly number[]): SubScores => new Map(scores.map((score, id) => [id, score]));

/** Full validation of an accepted candidate, then its place in the pool and on the fronts. */
async function addEvaluated(ctx: RunContext, state: GepaState, candidate: Candidate, parents: number[]) {
  // gepa scores accepted candidates with traces captured (its batch evaluation path).
  const evaluation = await evaluateBatch(ctx.evaluator, candidate, ctx.valset, true);
  const discovery = state.totalEvals;
  state.totalEvals += ctx.valset.length;
  state.fullEvals += 1;
  const index = state.addCandidate(candidate, parents, byIndex(evaluation.scores), discovery);
  const iteration = state.i + 1;
  if (index === state.bestIndex()) {
    ctx.log(
      `Iteration ${iteration}: Found a better program on the valset with score ${state.averageScore(index)}.`,
    );
  }
  ctx.log(`Iteration ${iteration}: Valset score for new program: ${state.averageScore(index)}`);
  return index;
}

/**
 * gepa's GEPAEngine.run: the seed's full validation, then iterations until the metric-call budget
 * is spent. An iteration tries a scheduled merge first (after an accepted candidate), else a
 * reflective mutation, accepted only when its minibatch sum strictly improves on the parent's.
 */
export async function runEngine(
  ctx: RunContext,
  seed: Candidate,
  merge: MergeScheduler | undefined,
  progress: GepaProgress,
): Promise<GepaState> {
  const seedEvaluation = await evaluateBatch(ctx.evaluator, seed, ctx.valset, false);
  const state = new GepaState(seed, byIndex(seedEvaluation.scores));
  ctx.log(
    `Iteration 0: Base program full valset score: ${state.averageScore(0)} over ${ctx.valset.length} / ${ctx.valset.length} examples`,
  );
  progress.update(state);
  while (state.totalEvals < ctx.maxMetricCalls) {
    state.i += 1;
    const iteration = state.i + 1;
    if (merge) {
      if (merge.mergesDue > 0 && merge.lastIterFoundNewProgram) {
        const proposal = await merge.propose(ctx, state);
        merge.lastIterFoundNewProgram = false;
        if (proposal) {
          const parentSums = proposal.scoresBefore;
          const newSum = sum(proposal.scoresAfter);
          if (newSum >= Math.max(...parentSums)) {
            await addEvaluated(ctx, state, proposal.candidate, proposal.parents);
            merge.mergesDue -= 1;
            merge.totalMergesTested += 1;
          } else {
            ctx.log(
              `Iteration ${iteration}: New program subsample score ${newSum} is worse than both parents [${parentSums.join(', ')}], skipping merge`,
            );
          }
          progress.update(state);
          continue;
        }
      }
      merge.lastIterFoundNewProgram = false;
    }
    const proposal = await proposeReflective(ctx, state);
    if (proposal) await judge(ctx, state, proposal, merge);
    else ctx.log(`Iteration ${iteration}: Reflective mutation did not propose a new candidate`);
    progress.update(state);
  }
  return state;
}

async function judge(
  ctx: RunContext,
  state: GepaState,
  proposal: Proposal,
  merge: MergeScheduler | undefined,
) {
  const iteration = state.i + 1;
  const oldSum = sum(proposal.scoresBefore);
  const newSum = sum(proposal.scoresAfter);
  if (!(newSum > oldSum)) {
    ctx.log(
      `Iteration ${iteration}: New subsample score ${newSum} is not better than old score ${oldSum}, skipping`,
    );
    return;
  }
  ctx.log(
    `Iteration ${iteration}: Accepted candidate (subsample score ${oldSum} -> ${newSum}); running full eval.`,
  );
  await addEvaluated(ctx, state, proposal.candidate, proposal.parents);
  if (merge) {
    merge.lastIterFoundNewProgram = true;
    if (merge.totalMergesTested < merge.maxMergeInvocations) merge.mergesDue += 1;
  }
}
