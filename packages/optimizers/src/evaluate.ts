import { ConfigurationError, DspyError, type Example, Prediction, settings } from '@dspy-ts/core';
import { pyFloatRepr } from '@dspy-ts/core/internal';
import PQueue from 'p-queue';
import { type EvaluationRow, formatTable, resultRows, saveCsv, saveJson } from './evaluate-table.js';
import { type Metric, metricName, runMetric } from './metric.js';
import { checkExamples, type Program, runProgram, withPhaseCallbacks } from './optimizer.js';
import { createProgress } from './progress.js';

export interface EvaluateOptions {
  devset: readonly Example[];
  metric?: Metric | undefined;
  /** Examples run at once (DSPy's `num_threads`). Default `settings.numThreads` (8). */
  concurrency?: number | undefined;
  /** A live progress bar on a terminal, periodic lines otherwise (default false). */
  displayProgress?: boolean | undefined;
  /** Log a results table: `true` for all rows, a number for the first n (default false). */
  displayTable?: boolean | number | undefined;
  /** Failures that cancel the run. Default `settings.maxErrors` (10). */
  maxErrors?: number | undefined;
  /** Log the stack of each failure instead of its message only. */
  provideTraceback?: boolean | undefined;
  /** Score of an example whose program or metric threw (default 0). */
  failureScore?: number | undefined;
  saveAsCsv?: string | undefined;
  saveAsJson?: string | undefined;
}

/** Per-call overrides of `run`; a value given here wins over the constructor's. */
export type EvaluateRunOptions = Partial<
  Pick<
    EvaluateOptions,
    'devset' | 'metric' | 'concurrency' | 'displayProgress' | 'displayTable' | 'saveAsCsv' | 'saveAsJson'
  >
> & { callbackMetadata?: Record<string, unknown> | undefined };

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The outcome of an evaluation: the average score in percent and every `[example, prediction, score]`. */
export class EvaluationResult {
  constructor(
    readonly score: number,
    readonly results: EvaluationRow[],
  ) {}

  toString(): string {
    return `EvaluationResult(score=${pyFloatRepr(this.score)}, results=<list of ${this.results.length} results>)`;
  }
}

const RETIRED_OPTIONS = ['returnOutputs', 'return_outputs'];

const checkRetired = (options: object): void => {
  if (RETIRED_OPTIONS.some((key) => Object.hasOwn(options, key))) {
    throw new ConfigurationError(
      '`return_outputs` is no longer supported. Results are always returned inside the `results` field of the `EvaluationResult` object.',
    );
  }
};

/**
 * Runs a program over a devset and scores it (DSPy's Evaluate). Examples run concurrently; a
 * failing example scores `failureScore` and is logged; reaching `maxErrors` failures cancels.
 */
export class Evaluate {
  readonly options: Readonly<EvaluateOptions>;

  constructor(options: EvaluateOptions) {
    checkRetired(options);
    if (!Array.isArray(options.devset)) {
      throw new ConfigurationError('Evaluate needs a `devset` array of Examples.');
    }
    this.options = { ...options };
  }

  run(program: Program, overrides: EvaluateRunOptions = {}): Promise<EvaluationResult> {
    checkRetired(overrides);
    const pick = <K extends keyof EvaluateRunOptions & keyof EvaluateOptions>(key: K) =>
      overrides[key] ?? this.options[key];
    const devset = pick('devset') ?? [];
    const metric = pick('metric');
    const inputs = { program, ...this.options, ...overrides };
    return withPhaseCallbacks('Evaluate', this, inputs, async () => {
      if (!metric) {
        throw new ConfigurationError(
          'Evaluate needs a metric: new Evaluate({ devset, metric }) or run(program, { metric }).',
        );
      }
      checkExamples('devset', devset);
      if (devset.length === 0) {
        settings.logger.warn('Evaluate got an empty devset: returning score 0 with no results.');
        return new EvaluationResult(0, []);
      }
      const results = await this.#execute(
        program,
        devset,
        metric,
        pick('concurrency'),
        pick('displayProgress'),
      );
      const total = results.reduce((sum, [, , score]) => sum + Number(score), 0);
      const percent = (100 * total) / devset.length;
      settings.logger.info(
        `Average Metric: ${total} / ${devset.length} (${pyFloatRepr(round(percent, 1))}%)`,
      );

      const displayTable = pick('displayTable');
      const saveAsCsv = pick('saveAsCsv');
      const saveAsJson = pick('saveAsJson');
      if (displayTable || saveAsCsv || saveAsJson) {
        const name = metricName(metric);
        const rows = resultRows(results, name);
        if (displayTable) {
          const limit = typeof displayTable === 'number' ? displayTable : undefined;
          settings.logger.info(formatTable(rows, name, limit));
        }
        if (saveAsCsv) await saveCsv(saveAsCsv, rows);
        if (saveAsJson) await saveJson(saveAsJson, rows);
      }
      return new EvaluationResult(round(percent, 2), results);
    });
  }

  /** The parallel executor: results in devset order; failures get the failure score. */
  async #execute(
    program: Program,
    devset: readonly Example[],
    metric: Metric,
    concurrency: number | undefined,
    displayProgress: boolean | undefined,
  ): Promise<EvaluationRow[]> {
    const workers = concurrency ?? settings.numThreads;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new ConfigurationError(`\`concurrency\` must be an integer >= 1, got ${String(concurrency)}.`);
    }
    const maxErrors = this.options.maxErrors ?? settings.maxErrors;
    const failureScore = this.options.failureScore ?? 0;
    const provideTraceback = this.options.provideTraceback ?? false;
    const results: EvaluationRow[] = new Array(devset.length);
    const progress = createProgress(Boolean(displayProgress), { total: devset.length });
    const queue = new PQueue({ concurrency: workers });
    let failures = 0;
    let cancelled = false;
    let done = 0;
    let scored = 0;
    let sum = 0;

    for (const [index, example] of devset.entries()) {
      void queue.add(async () => {
        if (cancelled) return;
        try {
          const prediction = await runProgram(program, example);
          const score = await runMetric(metric, example, prediction);
          results[index] = [example, prediction, score];
          sum += Number(score);
          scored += 1;
        } catch (error) {
          failures += 1;
          results[index] = [example, new Prediction(), failureScore];
          const detail =
            provideTraceback && error instanceof Error && error.stack
              ? `\n${error.stack}`
              : '. Set `provideTraceback: true` for traceback.';
          settings.logger.warn(
            `Error for ${String(example)}: ${error instanceof Error ? error.message : String(error)}${detail}`,
          );
          if (failures >= maxErrors) {
            cancelled = true;
            queue.clear();
          }
        }
        done += 1;
        const percent = scored === 0 ? 0 : round((100 * sum) / scored, 1);
        progress.update(done, `Average Metric: ${sum.toFixed(2)} / ${scored} (${pyFloatRepr(percent)}%)`);
      });
    }
    await queue.onIdle();
    progress.stop();
    if (cancelled) {
      settings.logger.warn('Execution cancelled due to errors or interruption.');
      throw new DspyError('Execution cancelled due to errors or interruption.');
    }
    if (failures > 0) {
      settings.logger.warn(
        `${failures} of ${devset.length} examples failed and scored the failure score ${failureScore}.`,
      );
    }
    return results;
  }
}
