import { DspyError } from '@dspy-ts/core';
import { selectCandidate } from './candidate-selection.js';
import { selectComponents } from './component-selection.js';
import { evaluateBatch } from './evaluation.js';
import { proposeInstruction } from './instruction-proposal.js';
import { makeReflectiveDataset, type ReflectiveDataset } from './reflective-dataset.js';
import type { RunContext } from './run-context.js';
import type { Candidate, GepaState } from './state.js';

/** A candidate evaluated on a minibatch, waiting for the engine's acceptance test. */
export interface Proposal {
  candidate: Candidate;
  parents: number[];
  scoresBefore: number[];
  scoresAfter: number[];
  /** The reflection prompt per rewritten component. */
  prompts: Record<string, string>;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** New texts for the components; gepa retries a failed reflection once before giving up. */
async function proposeTexts(
  ctx: RunContext,
  candidate: Candidate,
  dataset: ReflectiveDataset,
  components: readonly string[],
  iteration: number,
): Promise<{ texts: Record<string, string>; prompts: Record<string, string> } | undefined> {
  const attempt = async () => {
    const texts: Record<string, string> = {};
    const prompts: Record<string, string> = {};
    for (const name of components) {
      const samples = dataset.get(name);
      if (!samples) throw new DspyError(`No reflective examples for component '${name}'.`);
      const { prompt, instruction } = await proposeInstruction(ctx.reflectionLm, candidate[name]!, samples);
      texts[name] = instruction;
      prompts[name] = prompt;
    }
    return { texts, prompts };
  };
  try {
    return await attempt();
  } catch (error) {
    ctx.log(`Iteration ${iteration}: Batched reflection failed (${errorText(error)}); retrying per task.`);
    try {
      return await attempt();
    } catch (retryError) {
      ctx.log(`Iteration ${iteration}: Per-task reflection failed: ${errorText(retryError)}`);
      return undefined;
    }
  }
}

/**
 * gepa's reflective mutation: pick a parent, run it on the next minibatch with traces, skip a
 * perfect minibatch, build the reflective dataset for the chosen components, ask the reflection
 * model for new instructions and run the child on the same minibatch.
 */
export async function proposeReflective(ctx: RunContext, state: GepaState): Promise<Proposal | undefined> {
  const iteration = state.i + 1;
  const parentIndex = selectCandidate(ctx.candidateSelection, state, ctx.rng);
  const minibatchIds = ctx.sampler.next(ctx.trainset.length, state.i);
  const minibatch = minibatchIds.map((id) => ctx.trainset[id]!);
  const parent = state.candidates[parentIndex]!;
  const before = await evaluateBatch(ctx.evaluator, parent, minibatch, true);
  state.totalEvals += minibatch.length;
  ctx.log(
    `Iteration ${iteration}: Selected program ${parentIndex} score: ${state.averageScore(parentIndex)}`,
  );

  if (!before.trajectories || before.trajectories.length === 0) {
    ctx.log(`Iteration ${iteration}: No trajectories for parent ${parentIndex}. Skipping.`);
    return undefined;
  }
  if (ctx.skipPerfectScore && before.scores.every((score) => score >= ctx.perfectScore)) {
    ctx.log(`Iteration ${iteration}: All subsample scores perfect for parent ${parentIndex}. Skipping.`);
    return undefined;
  }
  const components = selectComponents(ctx.componentSelector, state, parentIndex, parent);
  let dataset: ReflectiveDataset;
  try {
    dataset = await makeReflectiveDataset(ctx.reflection, parent, before, components);
  } catch (error) {
    ctx.log(`Iteration ${iteration}: Exception building reflective dataset: ${errorText(error)}`);
    return undefined;
  }
  const proposed = await proposeTexts(ctx, parent, dataset, components, iteration);
  if (!proposed || Object.keys(proposed.texts).length === 0) return undefined;
  for (const [name, text] of Object.entries(proposed.texts)) {
    ctx.log(`Iteration ${iteration}: Proposed new text for ${name}: ${text}`);
  }
  const candidate = { ...parent, ...proposed.texts };
  const after = await evaluateBatch(ctx.evaluator, candidate, minibatch, true);
  state.totalEvals += minibatch.length;
  return {
    candidate,
    parents: [parentIndex],
    scoresBefore: before.scores,
    scoresAfter: after.scores,
    prompts: proposed.prompts,
  };
}
