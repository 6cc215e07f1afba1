import { IntSet } from './py-set.js';

/** One instruction text per predictor name, in the program's predictor order. */
export type Candidate = Readonly<Record<string, string>>;

/** Scores of one candidate by validation index, in evaluation order. */
export type SubScores = Map<number, number>;

/**
 * The run's state (gepa's GEPAState): every accepted candidate, its parents and validation scores,
 * the per-instance Pareto front, the budget spent, and round-robin positions per candidate.
 */
export class GepaState {
  readonly candidates: Candidate[];
  readonly parents: (number | null)[][];
  readonly subscores: SubScores[];
  /** Best score seen per validation index, and the candidates that reach it. */
  readonly paretoScores = new Map<number, number>();
  readonly paretoPrograms = new Map<number, IntSet>();
  readonly predictorNames: string[];
  readonly nextPredictor: number[];
  readonly discoveryEvalCounts: number[];
  /** Iteration counter; -1 before the first iteration, as in gepa. */
  i = -1;
  totalEvals: number;
  fullEvals = 1;

  constructor(seed: Candidate, seedScores: SubScores) {
    this.candidates = [{ ...seed }];
    this.parents = [[null]];
    this.subscores = [new Map(seedScores)];
    for (const [id, score] of seedScores) {
      this.paretoScores.set(id, score);
      this.paretoPrograms.set(id, new IntSet([0]));
    }
    this.predictorNames = Object.keys(seed);
    this.nextPredictor = [0];
    this.discoveryEvalCounts = [0];
    this.totalEvals = seedScores.size;
  }

  /** Mean validation score of a candidate (-Infinity when it has none). */
  averageScore(index: number): number {
    const scores = this.subscores[index]!;
    if (scores.size === 0) return Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (const score of scores.values()) sum += score;
    return sum / scores.size;
  }

  get aggregateScores(): number[] {
    return this.subscores.map((_, index) => this.averageScore(index));
  }

  /** The candidate with the best mean (earliest on ties with equal coverage). */
  bestIndex(): number {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestCoverage = -1;
    for (const [index, scores] of this.subscores.entries()) {
      const average = this.averageScore(index);
      if (average > bestScore || (average === bestScore && scores.size > bestCoverage)) {
        best = index;
        bestScore = average;
        bestCoverage = scores.size;
      }
    }
    return best;
  }

  /** Python's `set(front)` of every validation index's front: the copies selection works on. */
  paretoFrontMapping(): Map<number, IntSet> {
    return new Map([...this.paretoPrograms].map(([id, front]) => [id, IntSet.copy(front)]));
  }

  /** Adds an evaluated candidate; returns its index. */
  addCandidate(candidate: Candidate, parents: number[], scores: SubScores, discoveryEvals: number): number {
    const index = this.candidates.length;
    this.candidates.push({ ...candidate });
    this.discoveryEvalCounts.push(discoveryEvals);
    // A child resumes round robin where the furthest of its parents was.
    this.nextPredictor.push(Math.max(0, ...parents.map((p) => this.nextPredictor[p]!)));
    this.parents.push([...parents]);
    this.subscores.push(new Map(scores));
    for (const [id, score] of scores) {
      const previous = this.paretoScores.get(id) ?? Number.NEGATIVE_INFINITY;
      if (score > previous) {
        this.paretoScores.set(id, score);
        this.paretoPrograms.set(id, new IntSet([index]));
      } else if (score === previous) {
        const front = this.paretoPrograms.get(id) ?? new IntSet();
        this.paretoPrograms.set(id, front.add(index));
      }
    }
    return index;
  }
}
