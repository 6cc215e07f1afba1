import type { Program } from '../optimizer.js';
import { buildProgram } from './evaluation.js';
import type { Candidate, GepaState } from './state.js';

/** The run in detail (DSPy's DspyGEPAResult), attached to the compiled program with `trackStats`. */
export interface GepaDetailedResults<P extends Program = Program> {
  /** Every accepted candidate as a program (index 0 is the student's instructions). */
  candidates: P[];
  /** Each candidate's instruction per predictor name. */
  candidateInstructions: Candidate[];
  /** Parents per candidate: `[null]` for the seed, one index after a mutation, two after a merge. */
  parents: (number | null)[][];
  valAggregateScores: number[];
  /** Per candidate, the score of each validation example by index. */
  valSubscores: Record<number, number>[];
  /** For each validation example, the candidates with the best score on it. */
  perValInstanceBestCandidates: Record<number, number[]>;
  /** Metric calls spent when each candidate was found. */
  discoveryEvalCounts: number[];
  totalMetricCalls: number;
  numFullValEvals: number;
  seed: number;
  bestIdx: number;
  bestCandidate: P;
}

/** The results of a finished run; the best candidate is the first with the highest mean. */
export function detailedResults<P extends Program>(
  student: P,
  state: GepaState,
  seed: number,
): GepaDetailedResults<P> {
  const scores = state.aggregateScores;
  const bestIdx = scores.indexOf(Math.max(...scores));
  const candidates = state.candidates.map((candidate) => buildProgram(student, candidate));
  return {
    candidates,
    candidateInstructions: state.candidates.map((candidate) => ({ ...candidate })),
    parents: state.parents.map((parents) => [...parents]),
    valAggregateScores: scores,
    valSubscores: state.subscores.map((subscores) => Object.fromEntries(subscores)),
    perValInstanceBestCandidates: Object.fromEntries(
      [...state.paretoPrograms].map(([id, front]) => [id, [...front]]),
    ),
    discoveryEvalCounts: [...state.discoveryEvalCounts],
    totalMetricCalls: state.totalEvals,
    numFullValEvals: state.fullEvals,
    seed,
    bestIdx,
    bestCandidate: candidates[bestIdx]!,
  };
}
