import {
  ConfigurationError,
  type Example,
  MetricError,
  type Prediction,
  type TraceEntry,
} from '@dspy-ts/core';
import { pyFloatRepr } from '@dspy-ts/core/internal';

/** A score with the text that explains it: what the reflection model reads. */
export interface ScoreWithFeedback {
  score: number;
  feedback?: string | null | undefined;
}

export type FeedbackValue = number | boolean | ScoreWithFeedback | Prediction;

/**
 * GEPA's metric: `(gold, pred, trace, predName, predTrace)`. Evaluation calls it with two or three
 * arguments (no `predName`); building the reflective dataset calls it with all five, naming the
 * predictor being improved and giving the trace of its call, so feedback can target it.
 */
export type FeedbackMetric = (
  gold: Example,
  pred: Prediction,
  trace?: TraceEntry[] | undefined,
  predName?: string | undefined,
  predTrace?: TraceEntry[] | undefined,
) => FeedbackValue | Promise<FeedbackValue>;

/**
 * Python checks `inspect.signature(metric).bind(None, None, None, None, None)`. A JavaScript function
 * accepts any argument count, so the declared parameter count is the only signal: exactly five
 * (the GEPA form) or none declared (rest parameters, wrappers).
 */
export function checkMetricArity(metric: unknown): asserts metric is FeedbackMetric {
  if (typeof metric !== 'function') {
    throw new ConfigurationError('GEPA needs a `metric` function: (gold, pred, trace, predName, predTrace).');
  }
  if (metric.length !== 5 && metric.length !== 0) {
    throw new ConfigurationError(
      `GEPA metric must accept five arguments: (gold, pred, trace, predName, predTrace); ${metric.name || 'the metric'} declares ${metric.length}. ` +
        'Declare all five (unused ones too, e.g. `(gold, pred, _trace, _predName, _predTrace) => ...`); ' +
        'a parameter with a default value does not count in a JavaScript function length. ' +
        'See https://dspy.ai/api/optimizers/GEPA for details.',
    );
  }
}

const isScoreObject = (value: unknown): value is { score: unknown; feedback?: unknown } =>
  typeof value === 'object' && value !== null && 'score' in value;

const fieldOf = (value: object, key: string): unknown =>
  typeof (value as { get?: unknown }).get === 'function' && !(key in value)
    ? (value as { get(key: string): unknown }).get(key)
    : (value as Record<string, unknown>)[key];

/** The numeric score of a metric value (a Prediction or `{ score }` gives its `score`). */
export function scoreOf(value: unknown): number {
  const raw = isScoreObject(value) ? fieldOf(value, 'score') : value;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'number' && !Number.isNaN(raw)) return raw;
  throw new MetricError(
    `The GEPA metric returned ${describe(raw)}; it must return a number, a boolean, or { score: number, feedback?: string }.`,
  );
}

/** The feedback text of a metric value, or DSPy's fallback that states the score. */
export function feedbackOf(value: unknown): string {
  if (isScoreObject(value)) {
    const feedback = fieldOf(value, 'feedback');
    if (typeof feedback === 'string') return feedback;
    if (feedback !== undefined && feedback !== null) {
      throw new MetricError(
        `The GEPA metric returned feedback of type ${typeof feedback}; feedback must be a string.`,
      );
    }
    return `This trajectory got a score of ${pyScore(fieldOf(value, 'score'))}.`;
  }
  return `This trajectory got a score of ${pyScore(value)}.`;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

/** Python's `str()` of a score: metrics return floats (`1.0`), booleans print as `True`. */
export function pyScore(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value !== 'number') return String(value);
  return pyFloatRepr(value);
}
