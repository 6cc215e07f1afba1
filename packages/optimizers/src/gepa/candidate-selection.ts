import { ConfigurationError } from '@dspy-ts/core';
import type { Random } from '../rng.js';
import { IntSet } from './py-set.js';
import type { GepaState } from './state.js';

export type CandidateSelectionStrategy = 'pareto' | 'current_best';

/** Whether every front that holds `program` also holds one of `others`. */
function isDominated(program: number, others: IntSet, fronts: Map<number, IntSet>): boolean {
  for (const front of fronts.values()) {
    if (!front.has(program)) continue;
    let dominated = false;
    for (const other of front) {
      if (others.has(other)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) return false;
  }
  return true;
}

/**
 * gepa's `remove_dominated_programs`: programs are checked from the lowest score up, and one whose
 * every front is shared with a surviving program is dropped, until none can be.
 */
export function removeDominated(fronts: Map<number, IntSet>, scores: readonly number[]): Map<number, IntSet> {
  const frequency = new Map<number, number>();
  for (const front of fronts.values()) for (const p of front) frequency.set(p, (frequency.get(p) ?? 0) + 1);
  // A stable ascending sort, as Python's sorted(..., key=score).
  const programs = [...frequency.keys()].sort((a, b) => scores[a]! - scores[b]!);
  const dominated = new Set<number>();
  let removed = true;
  while (removed) {
    removed = false;
    for (const y of programs) {
      if (dominated.has(y)) continue;
      const others = new IntSet(programs.filter((p) => p !== y && !dominated.has(p)));
      if (isDominated(y, others, fronts)) {
        dominated.add(y);
        removed = true;
        break;
      }
    }
  }
  const dominators = new Set(programs.filter((p) => !dominated.has(p)));
  return new Map(
    [...fronts].map(([id, front]) => [id, new IntSet([...front].filter((p) => dominators.has(p)))]),
  );
}

/** gepa's `find_dominator_programs`: the non-dominated programs, in Python's set order. */
export function dominatorPrograms(fronts: Map<number, IntSet>, scores: readonly number[]): number[] {
  const unique: number[] = [];
  for (const front of removeDominated(fronts, scores).values()) unique.push(...front);
  return [...new IntSet(unique)];
}

/** A non-dominated candidate, drawn with probability proportional to the fronts it is on. */
export function selectFromParetoFront(
  fronts: Map<number, IntSet>,
  scores: readonly number[],
  rng: Random,
): number {
  const frequency = new Map<number, number>();
  for (const front of removeDominated(fronts, scores).values()) {
    for (const p of front) frequency.set(p, (frequency.get(p) ?? 0) + 1);
  }
  const sampling: number[] = [];
  for (const [p, count] of frequency) for (let k = 0; k < count; k++) sampling.push(p);
  return rng.choice(sampling);
}

/** The first index of the highest score (Python's `lst.index(max(lst))`). */
export const idxmax = (values: readonly number[]): number => values.indexOf(Math.max(...values));

export function selectCandidate(strategy: CandidateSelectionStrategy, state: GepaState, rng: Random): number {
  if (strategy === 'current_best') return idxmax(state.aggregateScores);
  return selectFromParetoFront(state.paretoFrontMapping(), state.aggregateScores, rng);
}

export function checkCandidateSelection(value: unknown): asserts value is CandidateSelectionStrategy {
  if (value !== 'pareto' && value !== 'current_best') {
    throw new ConfigurationError(
      `Unknown candidateSelectionStrategy: ${String(value)}. Supported strategies: 'pareto', 'current_best'.`,
    );
  }
}
