import { ChatAdapter } from '@dspy-ts/adapters';
import { registerDefaultAdapter } from '@dspy-ts/core/internal';

// As in DSPy, using the optimizers makes ChatAdapter the adapter of programs that configure none.
registerDefaultAdapter(new ChatAdapter());

export { ConfigurationError, DspyError, MetricError } from '@dspy-ts/core';
export {
  BootstrapFewShot,
  type BootstrapFewShotOptions,
  type BootstrapProgress,
} from './bootstrap-few-shot.js';
export {
  Evaluate,
  type EvaluateOptions,
  type EvaluateRunOptions,
  EvaluationResult,
} from './evaluate.js';
export type { EvaluationRow } from './evaluate-table.js';
export type { AutoBudget } from './gepa/budget.js';
export type { CandidateSelectionStrategy } from './gepa/candidate-selection.js';
export type { ComponentSelector } from './gepa/component-selection.js';
export type { FeedbackMetric, FeedbackValue, ScoreWithFeedback } from './gepa/feedback-metric.js';
export { GEPA, type GEPACompileOptions, type GEPAOptions, type WithDetailedResults } from './gepa/gepa.js';
export type { ReflectiveExample } from './gepa/reflective-dataset.js';
export type { GepaDetailedResults } from './gepa/results.js';
export {
  LabeledFewShot,
  type LabeledFewShotCompileOptions,
  type LabeledFewShotOptions,
} from './labeled-few-shot.js';
export type { Metric, MetricValue } from './metric.js';
export {
  type CompileOptions,
  Optimizer,
  type OptimizerCallback,
  type Program,
} from './optimizer.js';
export {
  BootstrapFewShotWithRandomSearch,
  type CandidateProgram,
  type RandomSearchCompileOptions,
  type RandomSearchOptions,
  type RandomSearchResult,
} from './random-search.js';
