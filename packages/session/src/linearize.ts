import { Example, InputError, MetricError, Prediction, settings } from '@dspy-ts/core';
import { SessionStateError } from './errors.js';
import type { OnMetricError } from './options.js';
import type { Turn } from './turn.js';

/** A metric: `(example, prediction, trace?) => number | boolean`, sync or async. */
export type Metric = (
  example: Example,
  prediction: Prediction,
  trace?: unknown,
) => number | boolean | null | undefined | Promise<number | boolean | null | undefined>;

export interface ToExamplesOptions {
  /** Score every turn first (self-evaluation), overwriting earlier scores. */
  metric?: Metric | undefined;
  /** Keep turns scored at least this; unscored turns fail. */
  minScore?: number | null | undefined;
  /** Add the turn's history snapshot under the history field. Default true. */
  includeHistory?: boolean | undefined;
  /** Stop at the first failing turn: later turns ran on a tainted context. Default false. */
  strictTrajectory?: boolean | undefined;
  /** Drop turns whose outputs are empty. Default true. */
  requireOutputs?: boolean | undefined;
}

/** `inputs` and `outputs` merged; a key in both throws (Python: TypeError "multiple values"). */
function merged(
  index: number,
  inputs: Readonly<Record<string, unknown>>,
  outputs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  for (const key of Object.keys(outputs)) {
    if (Object.hasOwn(inputs, key)) {
      throw new SessionStateError(
        `Turn ${index} has '${key}' both as an input and as an output (or the history field), so it cannot become an Example. Rename one of them.`,
      );
    }
  }
  return { ...inputs, ...outputs };
}

/** `(turn inputs + historySnapshot) -> turn outputs` as one Example (inputs marked). */
export function turnExample(turn: Turn, historyField: string, includeHistory: boolean): Example {
  const inputs = includeHistory
    ? merged(turn.index, turn.inputs, { [historyField]: turn.historySnapshot })
    : { ...turn.inputs };
  return new Example(merged(turn.index, inputs, turn.outputs)).withInputs(...Object.keys(inputs));
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** true -> 1, false -> 0, null/undefined -> 0, finite numbers as they are; anything else fails. */
function coerceScore(value: unknown): number | undefined {
  if (value === true) return 1;
  if (value === false || value === null || value === undefined) return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/**
 * Scores turns in order: one metric call per turn with exactly three arguments
 * (no arity probe), against `gold` (one Example for all turns, or one per turn) or the turn's own
 * outputs (self-evaluation). Each turn's score is overwritten as it is processed.
 */
export async function scoreTurns(
  turns: readonly Turn[],
  metric: unknown,
  gold: Example | readonly Example[] | undefined,
  historyField: string,
  onMetricError: OnMetricError,
): Promise<number[]> {
  if (typeof metric !== 'function') {
    throw new MetricError(
      `score() expects a metric function (example, prediction, trace) => number; got ${typeof metric}.`,
    );
  }
  if (Array.isArray(gold) && gold.length !== turns.length) {
    throw new InputError(
      `score(): gold has ${gold.length} example(s) but the session has ${turns.length} turn(s); pass one Example per turn or a single Example.`,
    );
  }
  const scores: number[] = [];
  for (const [position, turn] of turns.entries()) {
    const example = Array.isArray(gold)
      ? (gold[position] as Example)
      : ((gold as Example | undefined) ?? turnExample(turn, historyField, true));
    const prediction = new Prediction({ ...turn.outputs });
    let score: number;
    try {
      const raw: unknown = await (metric as Metric)(example, prediction, undefined);
      const coerced = coerceScore(raw);
      if (coerced === undefined) {
        throw new MetricError(
          `The metric returned ${typeof raw === 'string' ? `'${raw}'` : String(raw)} for turn ${turn.index}; expected a finite number or a boolean.`,
        );
      }
      score = coerced;
    } catch (error) {
      if (onMetricError === 'raise') throw error;
      settings.logger.warn(`Metric error on turn ${turn.index}: ${errorMessage(error)}`);
      score = 0;
    }
    turn.score = score;
    scores.push(score);
  }
  return scores;
}

/** Which turns become examples, given scores already in place. */
export function linearize(
  turns: readonly Turn[],
  historyField: string,
  options: ToExamplesOptions,
): Example[] {
  const includeHistory = options.includeHistory ?? true;
  const requireOutputs = options.requireOutputs ?? true;
  const minScore = options.minScore ?? undefined;
  const examples: Example[] = [];
  for (const turn of turns) {
    const fails =
      (requireOutputs && Object.keys(turn.outputs).length === 0) ||
      (minScore !== undefined && (turn.score === undefined || turn.score < minScore));
    if (fails) {
      if (options.strictTrajectory) break;
      continue;
    }
    examples.push(turnExample(turn, historyField, includeHistory));
  }
  return examples;
}

/** `session.toExamples(options)`: checks the options, scores every turn first when given a metric, then linearizes. */
export async function turnsToExamples(
  turns: readonly Turn[],
  session: { readonly historyField: string; readonly onMetricError: OnMetricError },
  options: unknown,
): Promise<Example[]> {
  const checked = checkToExamplesOptions(options);
  const field = session.historyField;
  if (checked.metric) await scoreTurns(turns, checked.metric, undefined, field, session.onMetricError);
  return linearize(turns, field, checked);
}

const TO_EXAMPLES_KEYS = new Set([
  'metric',
  'minScore',
  'includeHistory',
  'strictTrajectory',
  'requireOutputs',
]);

/** Fail fast on misspelled or mistyped toExamples options. */
export function checkToExamplesOptions(options: unknown): ToExamplesOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InputError('toExamples() options must be an object.');
  }
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!TO_EXAMPLES_KEYS.has(key)) {
      throw new InputError(
        `Unknown toExamples option '${key}'. Known options: ${[...TO_EXAMPLES_KEYS].join(', ')}.`,
      );
    }
  }
  if (raw.metric !== undefined && typeof raw.metric !== 'function') {
    throw new InputError('toExamples() option metric must be a function.');
  }
  if (raw.minScore !== undefined && raw.minScore !== null && typeof raw.minScore !== 'number') {
    throw new InputError('toExamples() option minScore must be a number.');
  }
  for (const flag of ['includeHistory', 'strictTrajectory', 'requireOutputs']) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') {
      throw new InputError(`toExamples() option ${flag} must be true or false.`);
    }
  }
  return raw as ToExamplesOptions;
}
