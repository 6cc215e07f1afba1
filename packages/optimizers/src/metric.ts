import { type Example, MetricError, type Prediction, type TraceEntry } from '@dspy-ts/core';

export type MetricValue = number | boolean;

/**
 * Judges a prediction. BootstrapFewShot passes the trace of the teacher run as the third
 * argument (so `trace !== undefined` means "bootstrapping"); Evaluate passes two arguments.
 */
export type Metric = (
  example: Example,
  prediction: Prediction,
  trace?: TraceEntry[],
) => MetricValue | Promise<MetricValue>;

/** Calls the metric and checks that it returned a number or a boolean. */
export async function runMetric(
  metric: Metric,
  example: Example,
  prediction: Prediction,
  trace?: TraceEntry[],
): Promise<MetricValue> {
  const value =
    trace === undefined ? await metric(example, prediction) : await metric(example, prediction, trace);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new MetricError(
      `The metric ${metricName(metric)} returned ${value === null ? 'null' : typeof value}; a metric must return a number or a boolean.`,
    );
  }
  return value;
}

/** The metric's name as shown in logs and table headers (DSPy uses the function name). */
export const metricName = (metric: Metric | undefined): string =>
  metric === undefined ? 'None' : metric.name || 'metric';
