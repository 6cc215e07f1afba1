import { ConfigurationError } from '@dspy-ts/core';

export type AutoBudget = 'light' | 'medium' | 'heavy';

/** Candidates DSPy plans for per `auto` level. */
const AUTO_CANDIDATES: Record<AutoBudget, number> = { light: 6, medium: 12, heavy: 18 };

export interface BudgetOptions {
  auto?: AutoBudget | undefined;
  maxFullEvals?: number | undefined;
  maxMetricCalls?: number | undefined;
}

/** Exactly one budget must be set; `auto` must name a level. Checked when GEPA is constructed. */
export function checkBudget(options: BudgetOptions): void {
  const set = [options.maxMetricCalls, options.maxFullEvals, options.auto].filter((v) => v !== undefined);
  if (set.length !== 1) {
    throw new ConfigurationError(
      'Exactly one of maxMetricCalls, maxFullEvals, auto must be set. ' +
        `You set maxMetricCalls=${String(options.maxMetricCalls)}, maxFullEvals=${String(options.maxFullEvals)}, auto=${String(options.auto)}.`,
    );
  }
  if (options.auto !== undefined && !Object.hasOwn(AUTO_CANDIDATES, options.auto)) {
    throw new ConfigurationError(
      `\`auto\` must be 'light', 'medium' or 'heavy', got ${String(options.auto)}.`,
    );
  }
  for (const key of ['maxMetricCalls', 'maxFullEvals'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new ConfigurationError(`\`${key}\` must be an integer >= 1, got ${String(value)}.`);
    }
  }
}

/**
 * DSPy's `auto_budget`: the metric calls of an initial full evaluation, bootstrapping, `N`
 * minibatches of 35 and the periodic full evaluations, for `N` trials derived from the number of
 * predictors and planned candidates.
 */
export function autoBudget(numPreds: number, numCandidates: number, valsetSize: number): number {
  const minibatchSize = 35;
  const fullEvalSteps = 5;
  const trials = Math.trunc(Math.max(2 * (numPreds * 2) * Math.log2(numCandidates), 1.5 * numCandidates));
  let total = valsetSize + numCandidates * 5 + trials * minibatchSize;
  if (trials === 0) return total;
  const periodicFulls = Math.floor((trials + 1) / fullEvalSteps) + 1;
  const extraFinal = trials < fullEvalSteps ? 1 : 0;
  total += (periodicFulls + extraFinal) * valsetSize;
  return total;
}

/** The metric-call budget of one compile (DSPy resolves `auto` and `maxFullEvals` to it). */
export function resolveMaxMetricCalls(
  options: BudgetOptions,
  sizes: { numPredictors: number; trainset: number; valset: number | undefined },
): number {
  if (options.auto !== undefined) {
    return autoBudget(
      Math.max(sizes.numPredictors, 1),
      AUTO_CANDIDATES[options.auto],
      sizes.valset ?? sizes.trainset,
    );
  }
  if (options.maxFullEvals !== undefined)
    return options.maxFullEvals * (sizes.trainset + (sizes.valset ?? 0));
  return options.maxMetricCalls!;
}
