import { ConfigurationError } from '@dspy-ts/core';
import type { Candidate, GepaState } from './state.js';

export type ComponentSelector = 'round_robin' | 'all';

/**
 * Which predictors' instructions one reflection rewrites: `round_robin` takes the candidate's next
 * predictor in turn (a child continues from its parents' position), `all` takes every predictor.
 */
export function selectComponents(
  selector: ComponentSelector,
  state: GepaState,
  candidateIndex: number,
  candidate: Candidate,
): string[] {
  if (selector === 'all') return Object.keys(candidate);
  const position = state.nextPredictor[candidateIndex]!;
  state.nextPredictor[candidateIndex] = (position + 1) % state.predictorNames.length;
  return [state.predictorNames[position]!];
}

export function checkComponentSelector(value: unknown): asserts value is ComponentSelector {
  if (value !== 'round_robin' && value !== 'all') {
    throw new ConfigurationError(
      `Unknown componentSelector strategy: ${String(value)}. Supported strategies: 'round_robin', 'all'.`,
    );
  }
}
