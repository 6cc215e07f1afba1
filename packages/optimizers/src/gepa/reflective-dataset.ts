import { ChatAdapter } from '@dspy-ts/adapters';
import { pyText } from '@dspy-ts/adapters/internal';
import {
  ConfigurationError,
  DspyError,
  History,
  type Prediction,
  type Signature,
  settings,
} from '@dspy-ts/core';
import type { Program } from '../optimizer.js';
import { demoHolders } from '../predictors.js';
import type { Random } from '../rng.js';
import { buildProgram, type EvaluationBatch, FailedPrediction, type GepaTraceEntry } from './evaluation.js';
import { type FeedbackMetric, feedbackOf, scoreOf } from './feedback-metric.js';
import type { Candidate } from './state.js';

/** One record the reflection model reads: a predictor's inputs, what it produced, and the feedback. */
export interface ReflectiveExample {
  Inputs: Record<string, string>;
  'Generated Outputs': Record<string, string> | string;
  Feedback: string;
}

export type ReflectiveDataset = Map<string, ReflectiveExample[]>;

export interface ReflectiveDatasetOptions {
  student: Program;
  metric: FeedbackMetric;
  rng: Random;
  addFormatFailureAsFeedback: boolean;
  /** Warns once when the predictor-level score differs from the program's; cleared after. */
  warnOnScoreMismatch: { value: boolean };
}

/**
 * A history input shown as DSPy shows it: a `Context` block listing each earlier turn's message
 * as a Python dict, before the other inputs.
 */
function renderInputs(inputs: Record<string, unknown>): Record<string, string> {
  const rendered: Record<string, string> = {};
  const historyKey = Object.keys(inputs).find((key) => inputs[key] instanceof History);
  if (historyKey !== undefined) {
    const history = inputs[historyKey] as History;
    let text = '```json\n';
    for (const [i, message] of history.messages.entries()) text += `  ${i}: ${pyText(message)}\n`;
    rendered.Context = `${text}\`\`\``;
  }
  for (const [key, value] of Object.entries(inputs)) {
    if (key !== historyKey) rendered[key] = pyText(value);
  }
  return rendered;
}

function parseFailureFeedback(signature: Signature): string {
  let structure = '';
  for (const message of new ChatAdapter().format(signature, [], {})) {
    structure += `${message.role}: ${message.content}\n`;
  }
  return `Your output failed to parse. Follow this structure:\n${structure}`;
}

/**
 * DSPy's `make_reflective_dataset`: for each component, one record per trajectory in which its
 * predictor ran (matched by signature). A run that called the predictor several times shows one
 * call, drawn with the adapter's generator (a parse failure is shown first when asked for). The
 * feedback comes from the metric called with the predictor's name and its call's trace.
 */
export async function makeReflectiveDataset(
  options: ReflectiveDatasetOptions,
  candidate: Candidate,
  evaluation: EvaluationBatch,
  components: readonly string[],
): Promise<ReflectiveDataset> {
  const program = buildProgram(options.student, candidate);
  const dataset: ReflectiveDataset = new Map();
  for (const name of components) {
    const predictor = demoHolders(program).find(([predictorName]) => predictorName === name)?.[1];
    if (!predictor) throw new ConfigurationError(`Predictor not found: ${name}`);
    const items: ReflectiveExample[] = [];
    for (const { trace, example, prediction, score } of evaluation.trajectories ?? []) {
      const moduleScore = scoreOf(score);
      let instances = trace.filter((entry) => signatureOf(entry)?.equals(predictor.signature));
      if (!options.addFormatFailureAsFeedback) {
        instances = instances.filter((entry) => !(entry.prediction instanceof FailedPrediction));
      }
      if (instances.length === 0) continue;
      let selected = instances.find((entry) => entry.prediction instanceof FailedPrediction);
      if (selected === undefined) {
        if (prediction instanceof FailedPrediction) continue;
        selected = options.rng.choice(instances);
      }
      const outputs = selected.prediction;
      const record: ReflectiveExample = {
        Inputs: renderInputs(selected.inputs),
        'Generated Outputs':
          outputs instanceof FailedPrediction
            ? "Couldn't parse the output as per the expected output format. The model's raw response was:\n" +
              `\`\`\`\n${outputs.completionText}\n\`\`\`\n\n`
            : Object.fromEntries(Object.entries(outputs.toDict()).map(([k, v]) => [k, pyText(v)])),
        Feedback: '',
      };
      if (outputs instanceof FailedPrediction) {
        record.Feedback = parseFailureFeedback(predictor.signature);
      } else {
        const predTrace = [{ predictor: selected.predictor, inputs: selected.inputs, prediction: outputs }];
        const value = await options.metric(
          example,
          prediction as Prediction,
          trace as never,
          name,
          predTrace,
        );
        record.Feedback = feedbackOf(value);
        if (scoreOf(value) !== moduleScore && options.warnOnScoreMismatch.value) {
          settings.logger.warn(
            'The score returned by the metric with predName differs from the program-level score: either the metric is ' +
              'non-deterministic (an LLM judge) or it scored the predictor alone. GEPA uses the program-level score and ' +
              'only reads the feedback text. Set warnOnScoreMismatch: false to silence this warning.',
          );
          options.warnOnScoreMismatch.value = false;
        }
      }
      items.push(record);
    }
    if (items.length === 0) {
      settings.logger.warn(`  No valid reflective examples found for ${name}`);
      continue;
    }
    dataset.set(name, items);
  }
  if (dataset.size === 0) throw new DspyError('No valid predictions found for any module.');
  return dataset;
}

const signatureOf = (entry: GepaTraceEntry): Signature | undefined =>
  (entry.predictor as { signature?: Signature }).signature;
