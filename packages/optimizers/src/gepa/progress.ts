import { createProgress, type Progress } from '../progress.js';
import type { GepaState } from './state.js';

/** One progress update per iteration: metric calls spent of the budget, and the best score so far. */
export interface GepaProgress {
  update(state: GepaState): void;
  stop(): void;
}

/** Evaluate's progress display (a cli-progress bar on a terminal, plain lines otherwise), per iteration. */
export function gepaProgress(enabled: boolean, maxMetricCalls: number): GepaProgress {
  // A line for every update: an iteration always spends at least one metric call.
  const progress: Progress = createProgress(enabled, { total: maxMetricCalls, lineStep: 1 / maxMetricCalls });
  return {
    update(state) {
      const best = state.bestIndex();
      const iteration = state.i + 1;
      progress.update(
        Math.min(state.totalEvals, maxMetricCalls),
        `GEPA iteration ${iteration}: best valset score ${formatScore(state.averageScore(best))} (candidate ${best} of ${state.candidates.length}), metric calls`,
      );
    },
    stop: () => progress.stop(),
  };
}

const formatScore = (score: number): string =>
  Number.isInteger(score) ? score.toFixed(1) : score.toFixed(4);
