import { ConfigurationError, type Example, InputError, type LanguageModel, settings } from '@dspy-ts/core';
import { isLanguageModel } from '@dspy-ts/core/internal';
import {
  type CompileOptions,
  checkExamples,
  Optimizer,
  type Program,
  withPhaseCallbacks,
} from '../optimizer.js';
import { demoHolders } from '../predictors.js';
import { Random } from '../rng.js';
import { EpochShuffledBatchSampler } from './batch-sampler.js';
import { type AutoBudget, checkBudget, resolveMaxMetricCalls } from './budget.js';
import { type CandidateSelectionStrategy, checkCandidateSelection } from './candidate-selection.js';
import { type ComponentSelector, checkComponentSelector } from './component-selection.js';
import { runEngine } from './engine.js';
import { buildProgram } from './evaluation.js';
import { checkMetricArity, type FeedbackMetric } from './feedback-metric.js';
import { MergeScheduler } from './merge.js';
import { gepaProgress } from './progress.js';
import { detailedResults, type GepaDetailedResults } from './results.js';
import type { RunContext } from './run-context.js';

export interface GEPAOptions {
  /** `(gold, pred, trace, predName, predTrace)` returning a score or `{ score, feedback }`. */
  metric: FeedbackMetric;
  /** The model that reads failures with their feedback and rewrites instructions. */
  reflectionLm: LanguageModel;
  /** Budget: exactly one of `auto`, `maxFullEvals`, `maxMetricCalls`. */
  auto?: AutoBudget | undefined;
  maxFullEvals?: number | undefined;
  maxMetricCalls?: number | undefined;
  /** Training examples per reflection (default 3). */
  reflectionMinibatchSize?: number | undefined;
  /** `pareto` draws a parent from the per-example Pareto front; `current_best` takes the best mean. */
  candidateSelectionStrategy?: CandidateSelectionStrategy | undefined;
  /** Skip reflecting on a minibatch the parent already aces (default true). */
  skipPerfectScore?: boolean | undefined;
  /** Show parse failures to the reflection model with the expected format (default false). */
  addFormatFailureAsFeedback?: boolean | undefined;
  /** `round_robin` rewrites one predictor per iteration in turn; `all` rewrites every predictor. */
  componentSelector?: ComponentSelector | undefined;
  /** Try merging two candidates that improved different predictors of a common ancestor (default true). */
  useMerge?: boolean | undefined;
  maxMergeInvocations?: number | undefined;
  /** Examples run at once when evaluating a candidate. Default `settings.numThreads`. */
  concurrency?: number | undefined;
  /** Score of a run or metric that throws (default 0). */
  failureScore?: number | undefined;
  /** A minibatch at or above this everywhere is perfect (default 1). */
  perfectScore?: number | undefined;
  /** Attach `detailedResults` to the compiled program (default false). */
  trackStats?: boolean | undefined;
  /** Warn once when a predictor-level score differs from the program's (default true). */
  warnOnScoreMismatch?: boolean | undefined;
  /** A progress line per iteration (default true, as in DSPy). */
  displayProgress?: boolean | undefined;
  /** Fixes minibatches, candidate choices and merges (default 0). */
  seed?: number | undefined;
}

export interface GEPACompileOptions<P extends Program = Program> extends CompileOptions<P> {
  /** Examples that score candidates for the Pareto front (default: the trainset, as in DSPy). */
  valset?: readonly Example[] | undefined;
}

/** A program compiled with `trackStats: true` carries the run's details. */
export type WithDetailedResults<P extends Program> = P & { detailedResults?: GepaDetailedResults<P> };

const integer = (name: string, value: number | undefined, fallback: number, min: number): number => {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < min) {
    throw new ConfigurationError(`\`${name}\` must be an integer >= ${min}, got ${String(value)}.`);
  }
  return result;
};

/**
 * Reflective instruction evolution (DSPy's GEPA with the gepa engine): a reflection model reads a
 * minibatch's runs with the metric's feedback and rewrites a predictor's instructions; a rewrite
 * that improves the minibatch is scored on the validation set and kept on a per-example Pareto
 * front from which later parents are drawn. Seeded runs take the same steps as Python.
 */
export class GEPA extends Optimizer {
  readonly metric: FeedbackMetric;
  readonly reflectionLm: LanguageModel;
  readonly auto: AutoBudget | undefined;
  readonly maxFullEvals: number | undefined;
  readonly maxMetricCalls: number | undefined;
  readonly reflectionMinibatchSize: number;
  readonly candidateSelectionStrategy: CandidateSelectionStrategy;
  readonly skipPerfectScore: boolean;
  readonly addFormatFailureAsFeedback: boolean;
  readonly componentSelector: ComponentSelector;
  readonly useMerge: boolean;
  readonly maxMergeInvocations: number;
  readonly concurrency: number | undefined;
  readonly failureScore: number;
  readonly perfectScore: number;
  readonly trackStats: boolean;
  readonly warnOnScoreMismatch: boolean;
  readonly displayProgress: boolean;
  readonly seed: number;

  constructor(options: GEPAOptions) {
    super();
    checkMetricArity(options.metric);
    checkBudget(options);
    if (!isLanguageModel(options.reflectionLm)) {
      throw new ConfigurationError(
        'GEPA requires a reflection language model (`reflectionLm`), e.g. new LM({ model: ..., temperature: 1.0 }). ' +
          'It reads failures with their feedback and proposes new instructions, and benefits from a strong model.',
      );
    }
    checkCandidateSelection(options.candidateSelectionStrategy ?? 'pareto');
    checkComponentSelector(options.componentSelector ?? 'round_robin');
    this.metric = options.metric;
    this.reflectionLm = options.reflectionLm;
    this.auto = options.auto;
    this.maxFullEvals = options.maxFullEvals;
    this.maxMetricCalls = options.maxMetricCalls;
    this.reflectionMinibatchSize = integer('reflectionMinibatchSize', options.reflectionMinibatchSize, 3, 1);
    this.candidateSelectionStrategy = options.candidateSelectionStrategy ?? 'pareto';
    this.skipPerfectScore = options.skipPerfectScore ?? true;
    this.addFormatFailureAsFeedback = options.addFormatFailureAsFeedback ?? false;
    this.componentSelector = options.componentSelector ?? 'round_robin';
    this.useMerge = options.useMerge ?? true;
    this.maxMergeInvocations = integer('maxMergeInvocations', options.maxMergeInvocations, 5, 0);
    this.concurrency =
      options.concurrency === undefined ? undefined : integer('concurrency', options.concurrency, 1, 1);
    this.failureScore = options.failureScore ?? 0;
    this.perfectScore = options.perfectScore ?? 1;
    this.trackStats = options.trackStats ?? false;
    this.warnOnScoreMismatch = options.warnOnScoreMismatch ?? true;
    this.displayProgress = options.displayProgress ?? true;
    this.seed = integer('seed', options.seed, 0, Number.MIN_SAFE_INTEGER);
  }

  compile<P extends Program>(student: P, options: GEPACompileOptions<P>): Promise<WithDetailedResults<P>> {
    return withPhaseCallbacks('Compile', this, { student, ...options }, () =>
      this.#compile(student, options),
    );
  }

  async #compile<P extends Program>(
    student: P,
    options: GEPACompileOptions<P>,
  ): Promise<WithDetailedResults<P>> {
    checkExamples('trainset', options.trainset);
    if (options.trainset.length === 0) {
      throw new InputError('GEPA needs a non-empty trainset: it reflects on minibatches drawn from it.');
    }
    if (options.teacher !== undefined) throw new ConfigurationError('Teacher is not supported in GEPA yet.');
    if (options.valset !== undefined) {
      checkExamples('valset', options.valset);
      if (options.valset.length === 0)
        throw new InputError('The GEPA valset is empty; omit it to use the trainset.');
    }
    const predictors = demoHolders(student);
    if (predictors.length === 0) {
      throw new ConfigurationError(
        'GEPA needs a program with at least one predictor whose instructions it can evolve.',
      );
    }
    const trainset = [...options.trainset];
    const maxMetricCalls = resolveMaxMetricCalls(this, {
      numPredictors: predictors.length,
      trainset: trainset.length,
      valset: options.valset?.length,
    });
    const log = (message: string) => settings.logger.info(message);
    const sets = options.valset === undefined ? trainset.length : trainset.length + options.valset.length;
    log(
      `Running GEPA for approx ${maxMetricCalls} metric calls of the program. This amounts to ${(maxMetricCalls / sets).toFixed(2)} full evals on the ${options.valset === undefined ? 'train' : 'train+val'} set.`,
    );
    if (options.valset === undefined) {
      settings.logger.warn(
        'No valset provided; using the trainset as valset. GEPA then fits the instructions to these examples; ' +
          'pass a separate valset to measure how they generalize.',
      );
    }
    const valset = [...(options.valset ?? trainset)];
    log(`Using ${valset.length} examples for tracking Pareto scores.`);

    const rng = new Random(this.seed);
    const ctx: RunContext = {
      trainset,
      valset,
      evaluator: {
        program: student,
        metric: this.metric,
        failureScore: this.failureScore,
        concurrency: this.concurrency ?? settings.numThreads,
      },
      reflection: {
        student,
        metric: this.metric,
        rng: new Random(this.seed),
        addFormatFailureAsFeedback: this.addFormatFailureAsFeedback,
        warnOnScoreMismatch: { value: this.warnOnScoreMismatch },
      },
      reflectionLm: this.reflectionLm,
      rng,
      sampler: new EpochShuffledBatchSampler(this.reflectionMinibatchSize, rng),
      candidateSelection: this.candidateSelectionStrategy,
      componentSelector: this.componentSelector,
      skipPerfectScore: this.skipPerfectScore,
      perfectScore: this.perfectScore,
      maxMetricCalls,
      log,
    };
    const seed = Object.fromEntries(
      predictors.map(([name, predictor]) => [name, predictor.signature.instructions]),
    );
    const merge = this.useMerge ? new MergeScheduler(this.maxMergeInvocations) : undefined;
    const progress = gepaProgress(this.displayProgress, maxMetricCalls);
    let state: Awaited<ReturnType<typeof runEngine>>;
    try {
      state = await runEngine(ctx, seed, merge, progress);
    } finally {
      progress.stop();
    }
    const best = state.bestIndex();
    const compiled: WithDetailedResults<P> = buildProgram(student, state.candidates[best]!);
    if (this.trackStats) {
      // Not enumerable: the candidates inside are programs, and predictor discovery, copies and
      // saved state must see only the compiled program's own predictors (DSPy keeps a dataclass there).
      Object.defineProperty(compiled, 'detailedResults', {
        value: detailedResults(student, state, this.seed),
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
    return compiled;
  }
}
