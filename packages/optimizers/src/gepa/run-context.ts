import type { Example, LanguageModel } from '@dspy-ts/core';
import type { Random } from '../rng.js';
import type { EpochShuffledBatchSampler } from './batch-sampler.js';
import type { CandidateSelectionStrategy } from './candidate-selection.js';
import type { ComponentSelector } from './component-selection.js';
import type { Evaluator } from './evaluation.js';
import type { ReflectiveDatasetOptions } from './reflective-dataset.js';

/** Everything one compile's engine reads: data, strategies, generators and the models. */
export interface RunContext {
  trainset: readonly Example[];
  valset: readonly Example[];
  evaluator: Evaluator;
  reflection: ReflectiveDatasetOptions;
  reflectionLm: LanguageModel;
  /** gepa's generator: candidate selection, minibatches and merges draw from it, in that order of use. */
  rng: Random;
  sampler: EpochShuffledBatchSampler;
  candidateSelection: CandidateSelectionStrategy;
  componentSelector: ComponentSelector;
  skipPerfectScore: boolean;
  perfectScore: number;
  maxMetricCalls: number;
  log: (message: string) => void;
}
