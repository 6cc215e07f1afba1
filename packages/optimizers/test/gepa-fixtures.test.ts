import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChainOfThought,
  context,
  Example,
  History,
  type HistoryMessage,
  Module,
  Predict,
  Prediction,
} from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { type FeedbackMetric, GEPA, type GEPAOptions } from '../src/index.js';
import { CallLog, RuleTaskLM, ScriptedReflectionLM } from './support/gepa-models.js';
import { recordingLogger } from './support/helpers.js';

const DIR = join(import.meta.dirname, 'fixtures', 'gepa');

interface Fixture {
  name: string;
  program: 'predict' | 'cot' | 'two_step' | 'chat';
  judge: 'exact' | 'both';
  gepa_kwargs: Record<string, unknown>;
  trainset: Record<string, unknown>[];
  valset: Record<string, unknown>[];
  task_rules: string[];
  reflection_proposals: string[];
  metric_hint: string;
  student_predictors: string[];
  final_instructions: Record<string, string>;
  result: {
    candidates_instructions: Record<string, string>[];
    parents: (number | null)[][];
    val_aggregate_scores: number[];
    val_subscores: Record<string, number>[];
    discovery_eval_counts: number[];
    total_metric_calls: number;
    num_full_val_evals: number;
    best_idx: number;
  };
  task_calls: { role: string; content: string }[][];
  reflection_prompts: string[];
  call_sequence: string;
}

const fixtures: Fixture[] = readdirSync(DIR)
  .filter((file) => file.startsWith('gepa__') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Fixture);

class TwoStep extends Module {
  extract = new Predict('question -> word');
  finish = new Predict('word -> answer');
  async forward(inputs: { question: string }) {
    const { word } = await this.extract.call({ question: inputs.question });
    return this.finish.call({ word });
  }
}

class Chat extends Module {
  respond = new Predict('question, history: History -> answer');
  async forward(inputs: { question: string; history: History }) {
    return this.respond.call(inputs);
  }
}

function student(program: Fixture['program']): Module<never, unknown> {
  if (program === 'predict') return new Predict('question -> answer') as never;
  if (program === 'cot') return new ChainOfThought('question -> answer') as never;
  if (program === 'two_step') return new TwoStep() as never;
  return new Chat() as never;
}

const toExample = (data: Record<string, unknown>): Example => {
  if ('history' in data) {
    const history = new History((data.history as { messages: HistoryMessage[] }).messages);
    return new Example({ ...data, history }).withInputs('question', 'history');
  }
  return new Example(data).withInputs('question');
};

export function fixtureMetric(fixture: Pick<Fixture, 'judge' | 'metric_hint'>): FeedbackMetric {
  return (gold, pred, _trace, _predName, _predTrace) => {
    const got = String(pred.answer);
    const want = String(gold.answer);
    const score =
      fixture.judge === 'both'
        ? (got === got.toUpperCase() && /[A-Z]/.test(got) ? 0.5 : 0) +
          (got.toLowerCase() === want.toLowerCase() ? 0.5 : 0)
        : Number(got === want);
    if (score === 1) return new Prediction({ score, feedback: 'Correct.' });
    return new Prediction({ score, feedback: `Expected '${want}' but got '${got}': ${fixture.metric_hint}` });
  };
}

export function gepaOptions(kwargs: Record<string, unknown>): Partial<GEPAOptions> {
  const names: Record<string, keyof GEPAOptions> = {
    max_metric_calls: 'maxMetricCalls',
    reflection_minibatch_size: 'reflectionMinibatchSize',
    seed: 'seed',
    use_merge: 'useMerge',
    max_merge_invocations: 'maxMergeInvocations',
    component_selector: 'componentSelector',
    candidate_selection_strategy: 'candidateSelectionStrategy',
    skip_perfect_score: 'skipPerfectScore',
    add_format_failure_as_feedback: 'addFormatFailureAsFeedback',
  };
  return Object.fromEntries(Object.entries(kwargs).map(([key, value]) => [names[key] ?? key, value]));
}

async function run(fixture: Fixture, concurrency: number) {
  const log = new CallLog();
  const task = new RuleTaskLM(fixture.task_rules, log);
  const reflection = new ScriptedReflectionLM(fixture.reflection_proposals, log);
  const gepa = new GEPA({
    metric: fixtureMetric(fixture),
    reflectionLm: reflection,
    concurrency,
    trackStats: true,
    displayProgress: false,
    ...gepaOptions(fixture.gepa_kwargs),
  } as GEPAOptions);
  const program = student(fixture.program);
  const optimized = await context({ lm: task, logger: recordingLogger() }, () =>
    gepa.compile(program, {
      trainset: fixture.trainset.map(toExample),
      valset: fixture.valset.map(toExample),
    }),
  );
  return { optimized, task, reflection, log };
}

describe.each(fixtures)('GEPA run $name (real Python DSPy 3.3.1 + gepa)', (fixture) => {
  it('sends every task request and reflection prompt as Python, in the same order', async () => {
    const { task, reflection, log } = await run(fixture, 1);
    expect(reflection.prompts).toEqual(fixture.reflection_prompts);
    expect(task.calls).toEqual(fixture.task_calls);
    expect(log.sequence).toBe(fixture.call_sequence);
  });

  it('finds the same candidates, parents, scores and counts, and returns the best', async () => {
    const { optimized } = await run(fixture, 1);
    const details = optimized.detailedResults!;
    expect(details.candidateInstructions).toEqual(fixture.result.candidates_instructions);
    expect(details.parents).toEqual(fixture.result.parents);
    expect(details.valAggregateScores).toEqual(fixture.result.val_aggregate_scores);
    expect(
      details.valSubscores.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [String(k), v]))),
    ).toEqual(fixture.result.val_subscores);
    expect(details.discoveryEvalCounts).toEqual(fixture.result.discovery_eval_counts);
    expect(details.totalMetricCalls).toBe(fixture.result.total_metric_calls);
    expect(details.numFullValEvals).toBe(fixture.result.num_full_val_evals);
    expect(details.bestIdx).toBe(fixture.result.best_idx);
    const finals = Object.fromEntries(
      optimized.namedPredictors().map(([name, p]) => [name, (p as Predict<string>).signature.instructions]),
    );
    expect(finals).toEqual(fixture.final_instructions);
  });

  it('reaches the same result when candidates are evaluated concurrently', async () => {
    const sequential = await run(fixture, 1);
    const concurrent = await run(fixture, 4);
    expect(concurrent.reflection.prompts).toEqual(sequential.reflection.prompts);
    expect(concurrent.optimized.detailedResults!.candidateInstructions).toEqual(
      sequential.optimized.detailedResults!.candidateInstructions,
    );
    expect(concurrent.task.calls.length).toBe(sequential.task.calls.length);
  });
});
