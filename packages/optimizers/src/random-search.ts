import { ConfigurationError, type Example, type Settings, settings } from '@dspy-ts/core';
import { BootstrapFewShot, type BootstrapFewShotOptions } from './bootstrap-few-shot.js';
import { Evaluate } from './evaluate.js';
import { LabeledFewShot } from './labeled-few-shot.js';
import type { Metric, MetricValue } from './metric.js';
import {
  assertUncompiled,
  type CompileOptions,
  checkExamples,
  Optimizer,
  type Program,
  withPhaseCallbacks,
} from './optimizer.js';
import { Random } from './rng.js';

export interface RandomSearchOptions {
  metric: Metric;
  metricThreshold?: number | undefined;
  teacherSettings?: Partial<Settings> | undefined;
  maxBootstrappedDemos?: number | undefined;
  maxLabeledDemos?: number | undefined;
  maxRounds?: number | undefined;
  /** Bootstrapped candidates (seeds 0..n-1) besides zero-shot, labeled-only and unshuffled (default 16). */
  numCandidatePrograms?: number | undefined;
  /** Examples run at once, in bootstrapping and in evaluation (default 8). */
  concurrency?: number | undefined;
  maxErrors?: number | undefined;
  /** Stop as soon as a candidate scores at least this much (percent). */
  stopAtScore?: number | undefined;
  /** Added to every candidate's seed; 0 reproduces DSPy's candidates. */
  seed?: number | undefined;
  /** Show a progress line while each candidate is evaluated (default true, as DSPy). */
  displayProgress?: boolean | undefined;
}

export interface RandomSearchCompileOptions<P extends Program = Program> extends CompileOptions<P> {
  /** Scores candidates on this set (default: the trainset). */
  valset?: readonly Example[] | undefined;
  /** Only run the candidates with these seeds (-3 zero-shot, -2 labeled, -1 unshuffled, 0.. random). */
  restrict?: Iterable<number> | undefined;
  /** Whether the labeled-only candidate samples its demos (default true). */
  labeledSample?: boolean | undefined;
}

export interface CandidateProgram<P extends Program = Program> {
  score: number;
  subscores: MetricValue[];
  seed: number;
  program: P;
}

/** The best program, with every candidate attached (best first). */
export type RandomSearchResult<P extends Program> = P & { readonly candidatePrograms: CandidateProgram<P>[] };

/**
 * DSPy's BootstrapFewShotWithRandomSearch: compiles a zero-shot, a labeled-only, an unshuffled and
 * `numCandidatePrograms` shuffled BootstrapFewShot candidates, scores each on the valset and
 * returns the first best one.
 */
export class BootstrapFewShotWithRandomSearch extends Optimizer {
  readonly metric: Metric;
  readonly metricThreshold: number | undefined;
  readonly teacherSettings: Partial<Settings>;
  readonly maxBootstrappedDemos: number;
  readonly maxLabeledDemos: number;
  readonly maxRounds: number;
  readonly numCandidatePrograms: number;
  readonly concurrency: number | undefined;
  readonly maxErrors: number | undefined;
  readonly stopAtScore: number | undefined;
  readonly seed: number;
  readonly displayProgress: boolean;
  candidatePrograms: CandidateProgram[] = [];

  constructor(options: RandomSearchOptions) {
    super();
    if (typeof options?.metric !== 'function') {
      throw new ConfigurationError('BootstrapFewShotWithRandomSearch needs a `metric` function.');
    }
    this.metric = options.metric;
    this.metricThreshold = options.metricThreshold;
    this.teacherSettings = { ...options.teacherSettings };
    this.maxBootstrappedDemos = options.maxBootstrappedDemos ?? 4;
    this.maxLabeledDemos = options.maxLabeledDemos ?? 16;
    this.maxRounds = options.maxRounds ?? 1;
    this.numCandidatePrograms = options.numCandidatePrograms ?? 16;
    this.concurrency = options.concurrency;
    this.maxErrors = options.maxErrors;
    this.stopAtScore = options.stopAtScore;
    this.seed = options.seed ?? 0;
    this.displayProgress = options.displayProgress ?? true;
    settings.logger.info(`Going to sample between 1 and ${this.maxBootstrappedDemos} traces per predictor.`);
    settings.logger.info(`Will attempt to bootstrap ${this.numCandidatePrograms} candidate sets.`);
  }

  compile<P extends Program>(
    student: P,
    options: RandomSearchCompileOptions<P>,
  ): Promise<RandomSearchResult<P>> {
    return withPhaseCallbacks('Compile', this, { student, ...options }, async () => {
      assertUncompiled(student);
      checkExamples('trainset', options.trainset);
      const valset = options.valset ?? options.trainset;
      checkExamples('valset', valset);
      const maxErrors = this.maxErrors ?? settings.maxErrors;
      const seeds = this.#seeds(options.restrict);
      const scores: number[] = [];
      const candidates: CandidateProgram<P>[] = [];
      let best: P | undefined;

      for (const seed of seeds) {
        const program = await this.#candidate(student, seed, options, maxErrors);
        const evaluation = await new Evaluate({
          devset: valset,
          metric: this.metric,
          concurrency: this.concurrency,
          maxErrors,
          displayTable: false,
          displayProgress: this.displayProgress,
        }).run(program);
        const score = evaluation.score;
        // Strictly better only: ties keep the earlier candidate (so zero-shot can win).
        if (scores.length === 0 || score > Math.max(...scores)) {
          settings.logger.info(`New best score: ${score} for seed ${seed}`);
          best = program;
        }
        scores.push(score);
        settings.logger.info(`Scores so far: [${scores.join(', ')}]`);
        settings.logger.info(`Best score so far: ${Math.max(...scores)}`);
        candidates.push({ score, subscores: evaluation.results.map(([, , s]) => s), seed, program });
        if (this.stopAtScore !== undefined && score >= this.stopAtScore) {
          settings.logger.info(
            `Stopping early because score ${score} is >= stop_at_score ${this.stopAtScore}`,
          );
          break;
        }
      }

      // Array.prototype.sort is stable: equal scores keep their candidate order.
      candidates.sort((a, b) => b.score - a.score);
      this.candidatePrograms = candidates;
      settings.logger.info(`${candidates.length} candidate programs found.`);
      // Not enumerable: module discovery, copies and saves must not see the candidates.
      Object.defineProperty(best!, 'candidatePrograms', {
        value: candidates,
        enumerable: false,
        configurable: true,
      });
      return best as RandomSearchResult<P>;
    });
  }

  #seeds(restrict: Iterable<number> | undefined): number[] {
    const all = Array.from({ length: this.numCandidatePrograms + 3 }, (_, i) => i - 3);
    if (restrict === undefined) return all;
    const allowed = new Set(restrict);
    const seeds = all.filter((seed) => allowed.has(seed));
    if (seeds.length === 0) {
      throw new ConfigurationError(
        `\`restrict\` {${[...allowed].join(', ')}} does not match any candidate seed in range(-3, ${this.numCandidatePrograms}); no candidate programs would be evaluated.`,
      );
    }
    return seeds;
  }

  async #candidate<P extends Program>(
    student: P,
    seed: number,
    options: RandomSearchCompileOptions<P>,
    maxErrors: number,
  ): Promise<P> {
    const trainset = [...options.trainset];
    if (seed === -3) return student.resetCopy();
    if (seed === -2) {
      return new LabeledFewShot({ k: this.maxLabeledDemos, seed: this.seed }).compile(student, {
        trainset,
        sample: options.labeledSample ?? true,
      });
    }
    const bootstrap: BootstrapFewShotOptions = {
      metric: this.metric,
      metricThreshold: this.metricThreshold,
      teacherSettings: this.teacherSettings,
      maxBootstrappedDemos: this.maxBootstrappedDemos,
      maxLabeledDemos: this.maxLabeledDemos,
      maxRounds: this.maxRounds,
      maxErrors,
      concurrency: this.concurrency,
      seed: this.seed,
    };
    if (seed >= 0) {
      new Random(this.seed + seed).shuffle(trainset);
      bootstrap.maxBootstrappedDemos = new Random(this.seed + seed).randint(1, this.maxBootstrappedDemos);
    }
    return new BootstrapFewShot(bootstrap).compile(student, { trainset, teacher: options.teacher });
  }
}
