import {
  AdapterParseError,
  context,
  type Example,
  Prediction,
  settings,
  type TraceEntry,
} from '@dspy-ts/core';
import PQueue from 'p-queue';
import { type Program, runProgram } from '../optimizer.js';
import { type DemoPredictor, demoHolders } from '../predictors.js';
import { type FeedbackMetric, scoreOf } from './feedback-metric.js';
import type { Candidate } from './state.js';

/** A run that produced no parsable output (DSPy's FailedPrediction): its raw completion. */
export class FailedPrediction {
  constructor(readonly completionText: string) {}
}

/** One example's run, as the reflective dataset reads it. */
export interface Trajectory {
  example: Example;
  prediction: Prediction | FailedPrediction;
  /** Each predictor call of the run; a parse failure adds its predictor with a FailedPrediction. */
  trace: GepaTraceEntry[];
  /** The metric's value (number or `{ score, feedback }`), or the failure score. */
  score: unknown;
}

export interface GepaTraceEntry {
  predictor: object;
  inputs: Record<string, unknown>;
  prediction: TraceEntry['prediction'] | FailedPrediction;
}

export interface EvaluationBatch {
  outputs: (Prediction | FailedPrediction)[];
  scores: number[];
  /** Present when traces were captured; runs that threw have none. */
  trajectories: Trajectory[] | undefined;
}

export interface Evaluator {
  program: Program;
  metric: FeedbackMetric;
  failureScore: number;
  concurrency: number;
}

/** The student with each predictor's instructions replaced by the candidate's (a fresh copy). */
export function buildProgram<P extends Program>(student: P, candidate: Candidate): P {
  const program = student.deepCopy();
  for (const [name, predictor] of demoHolders(program)) {
    const text = candidate[name];
    if (text !== undefined) predictor.signature = predictor.signature.withInstructions(text);
  }
  return program;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs a candidate on a batch, `concurrency` examples at a time, results kept in batch order (so a
 * concurrent run equals a sequential one). With `captureTraces` each run records its predictor
 * calls and the metric gets the trace (DSPy's bootstrap_trace_data); without, the metric gets two
 * arguments (DSPy's Evaluate). A run or metric that throws scores `failureScore` and is logged.
 */
export async function evaluateBatch(
  evaluator: Evaluator,
  candidate: Candidate,
  batch: readonly Example[],
  captureTraces: boolean,
): Promise<EvaluationBatch> {
  const program = buildProgram(evaluator.program, candidate);
  const runs = new Array<{ output: Prediction | FailedPrediction; score: number; trajectory?: Trajectory }>(
    batch.length,
  );
  const queue = new PQueue({ concurrency: evaluator.concurrency });
  for (const [index, example] of batch.entries()) {
    void queue.add(async () => {
      runs[index] = await runOne(evaluator, program, example, captureTraces);
    });
  }
  await queue.onIdle();
  return {
    outputs: runs.map((run) => run.output),
    scores: runs.map((run) => run.score),
    trajectories: captureTraces ? runs.flatMap((run) => (run.trajectory ? [run.trajectory] : [])) : undefined,
  };
}

async function runOne(
  evaluator: Evaluator,
  program: Program,
  example: Example,
  captureTraces: boolean,
): Promise<{ output: Prediction | FailedPrediction; score: number; trajectory?: Trajectory }> {
  try {
    if (!captureTraces) {
      const prediction = await runProgram(program, example);
      const score = scoreOf(await evaluator.metric(example, prediction));
      return { output: prediction, score };
    }
    const trace: TraceEntry[] = [];
    const run = await context({ trace }, async () => {
      try {
        return {
          prediction: (await runProgram(program, example)) as Prediction | FailedPrediction,
          failed: undefined,
        };
      } catch (error) {
        if (!(error instanceof AdapterParseError)) throw error;
        return { prediction: new FailedPrediction(error.completion), failed: error };
      }
    });
    const fullTrace: GepaTraceEntry[] = [...trace];
    if (run.failed) {
      fullTrace.push({
        predictor: predictorOf(program, run.failed),
        inputs: example.inputs().toRecord(),
        prediction: run.prediction,
      });
      const trajectory = {
        example,
        prediction: run.prediction,
        trace: fullTrace,
        score: evaluator.failureScore,
      };
      return { output: run.prediction, score: evaluator.failureScore, trajectory };
    }
    const prediction = run.prediction as Prediction;
    const value = await evaluator.metric(example, prediction, [...trace]);
    const trajectory = { example, prediction, trace: fullTrace, score: value };
    return { output: prediction, score: scoreOf(value), trajectory };
  } catch (error) {
    settings.logger.warn(
      `Error for ${String(example)}: ${errorText(error)}. It scores the failure score ${evaluator.failureScore}.`,
    );
    return { output: new Prediction(), score: evaluator.failureScore };
  }
}

/** The predictor whose signature failed to parse (DSPy matches by signature equality). */
function predictorOf(program: Program, error: AdapterParseError): DemoPredictor {
  const found = demoHolders(program).find(([, predictor]) =>
    predictor.signature.equals(error.signature as DemoPredictor['signature']),
  );
  if (!found) throw error;
  return found[1];
}
