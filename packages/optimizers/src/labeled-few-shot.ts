import type { Example } from '@dspy-ts/core';
import {
  assertUncompiled,
  type CompileOptions,
  checkExamples,
  Optimizer,
  type Program,
  withPhaseCallbacks,
} from './optimizer.js';
import { demoHolders } from './predictors.js';
import { Random } from './rng.js';

export interface LabeledFewShotOptions {
  /** Demos per predictor (default 16). */
  k?: number | undefined;
  /** Draw a random sample per predictor (default true); false takes the first k examples. */
  sample?: boolean | undefined;
  /** Seed of the sampling (default 0, DSPy's fixed seed). */
  seed?: number | undefined;
}

export interface LabeledFewShotCompileOptions<P extends Program = Program> extends CompileOptions<P> {
  /** Overrides the constructor's `sample` for this call. */
  sample?: boolean | undefined;
}

/**
 * Gives every predictor up to `k` raw training examples as demos. Like DSPy it does not mark the
 * result compiled, so BootstrapFewShot can still use it as a teacher.
 */
export class LabeledFewShot extends Optimizer {
  readonly k: number;
  readonly sample: boolean;
  readonly seed: number;

  constructor(options: LabeledFewShotOptions = {}) {
    super();
    this.k = options.k ?? 16;
    this.sample = options.sample ?? true;
    this.seed = options.seed ?? 0;
  }

  compile<P extends Program>(student: P, options: LabeledFewShotCompileOptions<P>): Promise<P> {
    return withPhaseCallbacks('Compile', this, { student, ...options }, async () => {
      assertUncompiled(student);
      checkExamples('trainset', options.trainset);
      const copy = student.resetCopy();
      const trainset: readonly Example[] = options.trainset;
      if (trainset.length === 0) return copy;
      const sample = options.sample ?? this.sample;
      const rng = new Random(this.seed);
      const size = Math.min(this.k, trainset.length);
      for (const [, predictor] of demoHolders(copy)) {
        // Each predictor draws a new sample from the full trainset (shared generator, as DSPy).
        predictor.demos = sample ? rng.sample(trainset, size) : trainset.slice(0, size);
      }
      return copy;
    });
  }
}
