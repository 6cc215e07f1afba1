import type { Random } from '../rng.js';
import { dominatorPrograms } from './candidate-selection.js';
import { evaluateBatch } from './evaluation.js';
import { IntSet } from './py-set.js';
import type { Proposal } from './reflective-mutation.js';
import type { RunContext } from './run-context.js';
import type { Candidate, GepaState } from './state.js';

/** Merges need this many validation ids scored by both parents (gepa's `val_overlap_floor`). */
const VAL_OVERLAP_FLOOR = 5;
const MAX_ATTEMPTS = 10;

/** `rng.choices(population, weights, k=1)`: one draw by cumulative weight (Python's bisect_right). */
function weightedChoice<T>(rng: Random, population: readonly T[], weights: readonly number[]): T {
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) {
    total += weight;
    cumulative.push(total);
  }
  // Python raises on an all-zero total (a seed scoring 0 makes every merge crash the run); a uniform
  // draw keeps the run going. Positive totals draw exactly as Python does.
  if (!(total > 0)) return rng.choice(population);
  const x = rng.random() * total;
  let lo = 0;
  let hi = population.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < cumulative[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return population[lo]!;
}

function ancestors(parents: readonly (number | null)[][], node: number, found = new IntSet()): IntSet {
  for (const parent of parents[node]!) {
    if (parent !== null && !found.has(parent)) {
      found.add(parent);
      ancestors(parents, parent, found);
    }
  }
  return found;
}

/** A predictor that one child kept from the ancestor while the other changed it. */
const hasDesirablePredictors = (candidates: readonly Candidate[], ancestor: number, a: number, b: number) =>
  Object.keys(candidates[ancestor]!).some((name) => {
    const [anc, one, two] = [candidates[ancestor]![name], candidates[a]![name], candidates[b]![name]];
    return (anc === one || anc === two) && one !== two;
  });

/** Merge bookkeeping across iterations (gepa's MergeProposer counters). */
export class MergeScheduler {
  mergesDue = 0;
  totalMergesTested = 0;
  lastIterFoundNewProgram = false;
  readonly performedAncestors: string[] = [];
  readonly performedMerges: string[] = [];

  constructor(readonly maxMergeInvocations: number) {}

  #commonAncestorPair(state: GepaState, rng: Random, programs: number[], scores: number[]) {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (programs.length < 2) return undefined;
      let [i, j] = rng.sample(programs, 2) as [number, number];
      if (i === j) continue;
      if (j < i) [i, j] = [j, i];
      // Python rebuilds each ancestor set from its list, which keeps the order.
      const ofI = new IntSet(ancestors(state.parents, i));
      const ofJ = new IntSet(ancestors(state.parents, j));
      if (ofI.has(j) || ofJ.has(i)) continue;
      const common = [...IntSet.intersection(ofI, ofJ)].filter(
        (ancestor) =>
          !this.performedAncestors.includes(`${i},${j},${ancestor}`) &&
          !(scores[ancestor]! > scores[i]! || scores[ancestor]! > scores[j]!) &&
          hasDesirablePredictors(state.candidates, ancestor, i, j),
      );
      if (common.length > 0) {
        const ancestor = weightedChoice(
          rng,
          common,
          common.map((a) => scores[a]!),
        );
        return { i, j, ancestor };
      }
    }
    return undefined;
  }

  /** gepa's `sample_and_attempt_merge_programs_by_common_predictors`. */
  #attempt(state: GepaState, rng: Random, mergeCandidates: number[], scores: number[]) {
    if (mergeCandidates.length < 2 || state.parents.length < 3) return undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const pair = this.#commonAncestorPair(state, rng, mergeCandidates, scores);
      if (!pair) continue;
      const { i, j, ancestor } = pair;
      if (this.performedAncestors.includes(`${i},${j},${ancestor}`)) continue;
      const candidates = state.candidates;
      const merged: Record<string, string> = { ...candidates[ancestor]! };
      const description: number[] = [];
      for (const name of pythonStringSetOrder(Object.keys(candidates[ancestor]!))) {
        const [anc, one, two] = [candidates[ancestor]![name], candidates[i]![name]!, candidates[j]![name]!];
        let from: number;
        if ((anc === one || anc === two) && one !== two) from = anc === one ? j : i;
        else if (anc !== one && anc !== two) {
          from = scores[i]! > scores[j]! ? i : scores[j]! > scores[i]! ? j : rng.choice([i, j]);
        } else from = i;
        merged[name] = candidates[from]![name]!;
        description.push(from);
      }
      const key = `${i},${j},${description.join(',')}`;
      if (this.performedMerges.includes(key)) continue;
      const overlap = [...state.subscores[i]!.keys()].filter((id) => state.subscores[j]!.has(id));
      if (overlap.length < VAL_OVERLAP_FLOOR) continue;
      this.performedMerges.push(key);
      return { merged, i, j, ancestor };
    }
    return undefined;
  }

  /** Validation ids to judge a merge on: where each parent wins, then ties, five at most. */
  #subsample(rng: Random, scores1: Map<number, number>, scores2: Map<number, number>, size = 5): number[] {
    const common = [...IntSet.intersection(new IntSet(scores1.keys()), new IntSet(scores2.keys()))];
    const p1 = common.filter((id) => scores1.get(id)! > scores2.get(id)!);
    const p2 = common.filter((id) => scores2.get(id)! > scores1.get(id)!);
    const p3 = common.filter((id) => !p1.includes(id) && !p2.includes(id));
    const each = Math.max(1, Math.ceil(size / 3));
    const selected: number[] = [];
    for (const bucket of [p1, p2, p3]) {
      if (selected.length >= size) break;
      const available = bucket.filter((id) => !selected.includes(id));
      const take = Math.min(available.length, each, size - selected.length);
      if (take > 0) selected.push(...rng.sample(available, take));
    }
    const remaining = size - selected.length;
    if (remaining > 0) {
      const unused = common.filter((id) => !selected.includes(id));
      if (unused.length >= remaining) selected.push(...rng.sample(unused, remaining));
      else if (common.length > 0) {
        for (let k = 0; k < remaining; k++) selected.push(common[Math.floor(rng.random() * common.length)]!);
      }
    }
    return selected.slice(0, size);
  }

  /** A merged candidate scored on a validation subsample, or nothing to try this iteration. */
  async propose(ctx: RunContext, state: GepaState): Promise<Proposal | undefined> {
    const iteration = state.i + 1;
    const scores = state.aggregateScores;
    const mergeCandidates = dominatorPrograms(state.paretoFrontMapping(), scores);
    const attempt = this.#attempt(state, ctx.rng, mergeCandidates, scores);
    if (!attempt) {
      ctx.log(`Iteration ${iteration}: No merge candidates found`);
      return undefined;
    }
    const { merged, i, j, ancestor } = attempt;
    this.performedAncestors.push(`${i},${j},${ancestor}`);
    ctx.log(`Iteration ${iteration}: Merged programs ${i} and ${j} via ancestor ${ancestor}`);
    const ids = this.#subsample(ctx.rng, state.subscores[i]!, state.subscores[j]!);
    if (ids.length === 0) return undefined;
    const evaluation = await evaluateBatch(
      ctx.evaluator,
      merged,
      ids.map((id) => ctx.valset[id]!),
      false,
    );
    state.totalEvals += ids.length;
    // Python keys the subsample scores by id, so a repeated id reads its last run's score.
    const byId = new Map(ids.map((id, k) => [id, evaluation.scores[k]!]));
    const sumOf = (values: number[]) => values.reduce((total, value) => total + value, 0);
    return {
      candidate: merged,
      parents: [i, j],
      scoresBefore: [
        sumOf(ids.map((id) => state.subscores[i]!.get(id)!)),
        sumOf(ids.map((id) => state.subscores[j]!.get(id)!)),
      ],
      scoresAfter: ids.map((id) => byId.get(id)!),
      prompts: {},
    };
  }
}

/**
 * The order Python iterates `set(candidate.keys())`. String hashes are randomized per process in
 * Python (fixed only under PYTHONHASHSEED), so no order is "the" Python order; the predictors'
 * declaration order is used, which decides only which parent a tie draws first.
 */
const pythonStringSetOrder = (names: string[]): string[] => names;
