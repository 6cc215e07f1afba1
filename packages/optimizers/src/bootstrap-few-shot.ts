import {
  ConfigurationError,
  context,
  Example,
  type Prediction,
  type Settings,
  settings,
  type TraceEntry,
} from '@dspy-ts/core';
import PQueue from 'p-queue';
import { demosFromTrace, lmForRound } from './bootstrap-trace.js';
import { LabeledFewShot } from './labeled-few-shot.js';
import { type Metric, metricName, runMetric } from './metric.js';
import {
  assertUncompiled,
  type CompileOptions,
  checkExamples,
  Optimizer,
  type Program,
  runProgram,
  withPhaseCallbacks,
} from './optimizer.js';
import { type DemoPredictor, demoHolders } from './predictors.js';
import { Random } from './rng.js';

export interface BootstrapProgress {
  /** Training examples attempted so far (committed in trainset order). */
  done: number;
  total: number;
  /** Examples whose teacher run was accepted so far. */
  bootstrapped: number;
}

export interface BootstrapFewShotOptions {
  /** Judge of a teacher run; without one every run that does not throw is accepted. */
  metric?: Metric | undefined;
  /** When set (0 counts as unset, as in DSPy), success is `metric value >= metricThreshold`. */
  metricThreshold?: number | undefined;
  /** Settings applied with `context(...)` while the teacher runs, e.g. `{ lm: bigLm }`. */
  teacherSettings?: Partial<Settings> | undefined;
  /** Stop after this many examples produced an accepted trace; also caps bootstrapped demos (default 4). */
  maxBootstrappedDemos?: number | undefined;
  /** Target total demos per predictor; labeled examples fill the gap (default 16). */
  maxLabeledDemos?: number | undefined;
  /** Attempts per training example; rounds after the first sample at temperature 1.0 (default 1). */
  maxRounds?: number | undefined;
  /** Error budget; reaching it rethrows the error. Default `settings.maxErrors`. */
  maxErrors?: number | undefined;
  /** Training examples run at once (default 8). Never changes which demos are chosen. */
  concurrency?: number | undefined;
  /** Fixes every random choice (default 0, DSPy's fixed seed). */
  seed?: number | undefined;
  onProgress?: ((progress: BootstrapProgress) => void) | undefined;
}

type Attempt =
  | { kind: 'accepted'; demos: Map<string, Example> }
  | { kind: 'rejected' }
  | { kind: 'error'; error: unknown }
  // Not part of the error budget (DSPy fails outside its try block here too).
  | { kind: 'fatal'; error: unknown };

const count = (name: string, value: number | undefined, fallback: number, min = 0): number => {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < min) {
    throw new ConfigurationError(`\`${name}\` must be an integer >= ${min}, got ${String(value)}.`);
  }
  return result;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Checks that teacher and student line up predictor by predictor. */
function pairPredictors(student: Program, teacher: Program): Map<object, string> {
  const studentPredictors = demoHolders(student);
  const teacherPredictors = demoHolders(teacher);
  if (studentPredictors.length !== teacherPredictors.length) {
    throw new ConfigurationError('Student and teacher must have the same number of predictors.');
  }
  const predictor2name = new Map<object, string>();
  for (const [i, [name, predictor]] of studentPredictors.entries()) {
    const [teacherName, teacherPredictor] = teacherPredictors[i]!;
    if (name !== teacherName) {
      throw new ConfigurationError('Student and teacher must have the same program structure.');
    }
    if (!predictor.signature.equals(teacherPredictor.signature)) {
      throw new ConfigurationError(
        `Student and teacher must have the same signatures. ${String(predictor.signature)} != ${String(teacherPredictor.signature)}`,
      );
    }
    if (predictor === teacherPredictor) {
      throw new ConfigurationError('Student and teacher must be different objects.');
    }
    predictor2name.set(predictor, name);
    predictor2name.set(teacherPredictor, name);
  }
  return predictor2name;
}

/**
 * Few-shot demos from the program's own successful runs (DSPy's BootstrapFewShot): a teacher runs
 * the training examples, runs the metric accepts become per-predictor demos, and raw labeled
 * examples fill the remaining slots. Examples run concurrently but are committed in trainset
 * order, so the result equals a sequential run.
 */
export class BootstrapFewShot extends Optimizer {
  readonly metric: Metric | undefined;
  readonly metricThreshold: number | undefined;
  readonly teacherSettings: Partial<Settings>;
  readonly maxBootstrappedDemos: number;
  readonly maxLabeledDemos: number;
  readonly maxRounds: number;
  readonly maxErrors: number | undefined;
  readonly concurrency: number;
  readonly seed: number;
  readonly onProgress: ((progress: BootstrapProgress) => void) | undefined;
  /** Errors so far; like DSPy it accumulates across `compile` calls on this instance. */
  errorCount = 0;

  // State of the last compile, as DSPy keeps it.
  trainset: readonly Example[] = [];
  student: Program | undefined;
  teacher: Program | undefined;
  predictor2name = new Map<object, string>();
  name2traces: Record<string, Example[]> = {};
  /** Training examples without an accepted trace, shuffled: the labeled demo candidates. */
  validation: Example[] = [];

  constructor(options: BootstrapFewShotOptions = {}) {
    super();
    this.metric = options.metric;
    this.metricThreshold = options.metricThreshold;
    this.teacherSettings = { ...options.teacherSettings };
    // Validate the keys now: a bad key must not surface as one error per training example.
    context(this.teacherSettings, () => undefined);
    this.maxBootstrappedDemos = count('maxBootstrappedDemos', options.maxBootstrappedDemos, 4);
    this.maxLabeledDemos = count('maxLabeledDemos', options.maxLabeledDemos, 16);
    this.maxRounds = count('maxRounds', options.maxRounds, 1);
    this.maxErrors = options.maxErrors;
    this.concurrency = count('concurrency', options.concurrency, 8, 1);
    this.seed = count('seed', options.seed, 0, Number.MIN_SAFE_INTEGER);
    this.onProgress = options.onProgress;
  }

  compile<P extends Program>(student: P, options: CompileOptions<P>): Promise<P> {
    return withPhaseCallbacks('Compile', this, { student, ...options }, async () => {
      assertUncompiled(student);
      checkExamples('trainset', options.trainset);
      const trainset = [...options.trainset];
      const compiled = student.resetCopy();
      let teacher: Program = (options.teacher ?? student).deepCopy();
      if (this.maxLabeledDemos > 0 && !teacher.compiled) {
        teacher = await new LabeledFewShot({ k: this.maxLabeledDemos, seed: this.seed }).compile(
          teacher.resetCopy(),
          { trainset },
        );
      }
      this.trainset = trainset;
      this.student = compiled;
      this.teacher = teacher;
      this.predictor2name = pairPredictors(compiled, teacher);
      this.name2traces = Object.fromEntries(demoHolders(compiled).map(([name]) => [name, []]));

      const bootstrapped = await this.#bootstrap(teacher, trainset);
      this.validation = new Random(this.seed).shuffle(trainset.filter((_, i) => !bootstrapped.has(i)));
      this.#assemble(demoHolders(compiled));
      compiled.compiled = true;
      return compiled;
    });
  }

  /** Runs the teacher over the trainset; returns the indexes whose trace was accepted. */
  async #bootstrap(teacher: Program, trainset: readonly Example[]): Promise<Set<number>> {
    const total = trainset.length;
    const bootstrapped = new Set<number>();
    const outcomes: (Attempt[] | undefined)[] = new Array(total);
    let committed = 0;
    let attempts = 0;
    let lastIndex = 0;
    let stopped = this.maxBootstrappedDemos <= 0 || total === 0;
    let failure: { error: unknown } | undefined;
    const queue = new PQueue({ concurrency: this.concurrency });
    // Example i starts only once i < committed + concurrency: finished-but-uncommitted examples must
    // not let the pool run ahead, or a stop could come after more than `concurrency - 1` extra examples.
    const windowWaiters = new Map<number, () => void>();
    const openWindow = () => {
      for (const [index, resolve] of windowWaiters) {
        if (stopped || index < committed + this.concurrency) {
          windowWaiters.delete(index);
          resolve();
        }
      }
    };
    const waitForWindow = (index: number) =>
      stopped || index < committed + this.concurrency
        ? Promise.resolve()
        : new Promise<void>((resolve) => windowWaiters.set(index, resolve));
    const stop = (error?: { error: unknown }) => {
      failure ??= error;
      stopped = true;
      queue.clear();
      openWindow();
    };

    // Commits finished examples strictly in trainset order, exactly as DSPy's sequential loop.
    const commit = () => {
      while (!stopped && committed < total && outcomes[committed] !== undefined) {
        const index = committed;
        const example = trainset[index]!;
        lastIndex = index;
        for (const attempt of outcomes[index]!) {
          attempts += 1;
          if (attempt.kind === 'fatal') return stop({ error: attempt.error });
          if (attempt.kind === 'error') {
            this.errorCount += 1;
            if (this.errorCount >= (this.maxErrors ?? settings.maxErrors))
              return stop({ error: attempt.error });
            settings.logger.warn(
              `Failed to run or to evaluate example ${String(example)} with ${metricName(this.metric)} due to ${errorText(attempt.error)}.`,
            );
          } else if (attempt.kind === 'accepted') {
            bootstrapped.add(index);
            for (const [name, demo] of attempt.demos) this.name2traces[name]?.push(demo);
          }
        }
        committed += 1;
        this.onProgress?.({ done: committed, total, bootstrapped: bootstrapped.size });
        if (bootstrapped.size >= this.maxBootstrappedDemos) {
          if (committed < total) lastIndex = committed;
          stop();
        }
      }
    };

    if (!stopped) {
      for (const [index, example] of trainset.entries()) {
        void queue.add(async () => {
          await waitForWindow(index);
          if (stopped) return;
          try {
            outcomes[index] = await this.#runExample(teacher, example, () => stopped);
            commit();
            openWindow();
          } catch (error) {
            stop({ error });
          }
        });
      }
      await queue.onIdle();
    }
    if (failure) throw failure.error;
    settings.logger.info(
      `Bootstrapped ${bootstrapped.size} full traces after ${lastIndex} examples for up to ${this.maxRounds} rounds, amounting to ${attempts} attempts.`,
    );
    if (bootstrapped.size === 0 && total > 0 && this.maxBootstrappedDemos > 0) {
      settings.logger.warn(
        `No training example produced an accepted trace (${attempts} attempts): the compiled program gets labeled demos only. ` +
          'Check the metric, metricThreshold and the LM (or the teacher).',
      );
    }
    return bootstrapped;
  }

  /** Up to `maxRounds` teacher runs on one example, stopping at the first accepted one. */
  async #runExample(teacher: Program, example: Example, cancelled: () => boolean): Promise<Attempt[]> {
    // A private copy per example: concurrent examples never see each other's demo filtering,
    // and traces are attributed through the copy's own predictors.
    const copy = teacher.deepCopy();
    const names = new Map<object, string>(this.predictor2name);
    for (const [name, predictor] of demoHolders(copy)) {
      names.set(predictor, name);
      // The teacher must not see the answer it is graded on.
      predictor.demos = predictor.demos.filter((demo) => !(demo instanceof Example && demo.equals(example)));
    }
    const attempts: Attempt[] = [];
    for (let round = 0; round < this.maxRounds && !cancelled(); round++) {
      const attempt = await this.#attempt(copy, example, round, names);
      attempts.push(attempt);
      if (attempt.kind === 'accepted' || attempt.kind === 'fatal') break;
    }
    return attempts;
  }

  async #attempt(
    teacher: Program,
    example: Example,
    round: number,
    names: ReadonlyMap<object, string>,
  ): Promise<Attempt> {
    const trace: TraceEntry[] = [];
    let accepted: boolean;
    try {
      accepted = await context({ ...this.teacherSettings, trace }, async () => {
        const lm = settings.lm;
        const run = () => runProgram(teacher, example);
        const prediction: Prediction =
          round > 0 && lm ? await context({ lm: lmForRound(lm, round) }, run) : await run();
        if (!this.metric) return true;
        const value = await runMetric(this.metric, example, prediction, trace);
        return this.metricThreshold ? Number(value) >= this.metricThreshold : Boolean(value);
      });
    } catch (error) {
      return { kind: 'error', error };
    }
    if (!accepted) return { kind: 'rejected' };
    try {
      return { kind: 'accepted', demos: demosFromTrace(trace, names, this.seed) };
    } catch (error) {
      return { kind: 'fatal', error };
    }
  }

  /** Bootstrapped demos first, then labeled ones up to `maxLabeledDemos`. */
  #assemble(predictors: [string, DemoPredictor][]): void {
    const rng = new Random(this.seed);
    let raw = this.validation;
    for (const [name, predictor] of predictors) {
      const augmented = (this.name2traces[name] ?? []).slice(0, this.maxBootstrappedDemos);
      const size = Math.max(0, Math.min(this.maxLabeledDemos - augmented.length, raw.length));
      // DSPy quirk kept: each predictor samples from the previous predictor's sample.
      raw = rng.sample(raw, size);
      predictor.demos = [...augmented, ...raw];
    }
  }
}
