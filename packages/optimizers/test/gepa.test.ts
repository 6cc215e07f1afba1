import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  context,
  Example,
  InputError,
  LM,
  type LMRequest,
  Predict,
  type Prediction,
} from '@dspy-ts/core';
import { type ChatRequestBody, startOpenAIServer } from '@dspy-ts/core/testing';
import { describe, expect, it } from 'vitest';
import { autoBudget } from '../src/gepa/budget.js';
import { extractInstruction } from '../src/gepa/instruction-proposal.js';
import { type FeedbackMetric, GEPA, type GEPAOptions } from '../src/index.js';
import { RuleTaskLM, ScriptedReflectionLM } from './support/gepa-models.js';
import { recordingLogger } from './support/helpers.js';

const WORDS = ['apple', 'river', 'stone', 'cloud', 'maple', 'tiger'];
const upperSet = (words: readonly string[]) =>
  words.map((w) =>
    new Example({ question: `Say the word ${w}?`, answer: w.toUpperCase() }).withInputs('question'),
  );

const metric: FeedbackMetric = (gold, pred, _trace, _predName, _predTrace) =>
  pred.answer === gold.answer
    ? { score: 1, feedback: 'Correct.' }
    : { score: 0, feedback: `Expected '${String(gold.answer)}' but got '${String(pred.answer)}'.` };

const options = (overrides: Partial<GEPAOptions> = {}): GEPAOptions => ({
  metric,
  reflectionLm: new ScriptedReflectionLM(['Answer with the last word in UPPERCASE.']),
  maxMetricCalls: 20,
  reflectionMinibatchSize: 2,
  useMerge: false,
  displayProgress: false,
  ...overrides,
});

describe('GEPA rejects bad input with clear errors (as Python does)', () => {
  it('rejects a metric that does not take the five GEPA arguments', () => {
    const twoArgs = (gold: Example, pred: Prediction) => Number(gold.answer === pred.answer);
    expect(() => new GEPA(options({ metric: twoArgs as never }))).toThrow(ConfigurationError);
    expect(() => new GEPA(options({ metric: twoArgs as never }))).toThrow(
      /GEPA metric must accept five arguments: \(gold, pred, trace, predName, predTrace\); twoArgs declares 2/,
    );
  });

  it('accepts a metric declared with rest parameters', () => {
    const rest = (...args: Parameters<FeedbackMetric>) => Number(args[0].answer === args[1].answer);
    expect(() => new GEPA(options({ metric: rest }))).not.toThrow();
  });

  it('requires exactly one budget', () => {
    expect(() => new GEPA(options({ maxMetricCalls: 1, auto: 'light' }))).toThrow(
      'Exactly one of maxMetricCalls, maxFullEvals, auto must be set. You set maxMetricCalls=1, maxFullEvals=undefined, auto=light.',
    );
    expect(() => new GEPA(options({ maxMetricCalls: undefined }))).toThrow(
      'Exactly one of maxMetricCalls, maxFullEvals, auto must be set. You set maxMetricCalls=undefined, maxFullEvals=undefined, auto=undefined.',
    );
  });

  it('requires a reflection model', () => {
    expect(() => new GEPA(options({ reflectionLm: undefined as never }))).toThrow(
      /requires a reflection language model/,
    );
  });

  it('rejects an empty trainset before any model call', async () => {
    const task = new RuleTaskLM(['UPPERCASE']);
    const gepa = new GEPA(options());
    await expect(
      context({ lm: task }, () => gepa.compile(new Predict('question -> answer'), { trainset: [] })),
    ).rejects.toThrow(InputError);
    expect(task.calls).toHaveLength(0);
  });

  it('rejects a teacher (GEPA has none)', async () => {
    const student = new Predict('question -> answer');
    await expect(
      new GEPA(options()).compile(student, { trainset: upperSet(WORDS), teacher: student }),
    ).rejects.toThrow('Teacher is not supported in GEPA yet.');
  });

  it('uses a reflection reply without a ``` block as the instruction itself', () => {
    expect(extractInstruction('No code block here, just use UPPERCASE.')).toBe(
      'No code block here, just use UPPERCASE.',
    );
    expect(extractInstruction('```\nUnclosed block')).toBe('Unclosed block');
    expect(extractInstruction('Closing only```')).toBe('Closing only');
    expect(extractInstruction('Here:\n```text\nUse UPPERCASE.\n```\nDone.')).toBe('Use UPPERCASE.');
  });

  it('scores a throwing metric as failures, spends the budget and returns the student (as Python)', async () => {
    const boom: FeedbackMetric = (_gold, _pred, _trace, _predName, _predTrace) => {
      throw new Error('metric boom');
    };
    const reflection = new ScriptedReflectionLM(['Use UPPERCASE.']);
    const logger = recordingLogger();
    const gepa = new GEPA(
      options({ metric: boom, reflectionLm: reflection, maxMetricCalls: 12, trackStats: true }),
    );
    const result = await context({ lm: new RuleTaskLM(['UPPERCASE']), logger }, () =>
      gepa.compile(new Predict('question -> answer'), { trainset: upperSet(WORDS.slice(0, 4)) }),
    );
    // Python 3.3.1: val_aggregate_scores [0.0], total_metric_calls 12, no reflection call.
    expect(result.detailedResults?.valAggregateScores).toEqual([0]);
    expect(result.detailedResults?.totalMetricCalls).toBe(12);
    expect(reflection.prompts).toHaveLength(0);
    expect(logger.warns.filter((w) => w.includes('metric boom'))).toHaveLength(12);
  });
});

describe('GEPA budgets', () => {
  it('computes the auto budget as DSPy does', () => {
    // Values printed by Python DSPy 3.3.1's GEPA.auto_budget(num_preds, num_candidates, valset_size).
    expect([6, 12, 18].map((c) => autoBudget(1, c, 2))).toEqual([388, 700, 1049]);
    expect([6, 12, 18].map((c) => autoBudget(2, c, 10))).toEqual([790, 1110, 1325]);
    expect([6, 12, 18].map((c) => autoBudget(3, c, 50))).toEqual([1515, 2065, 2440]);
  });

  it('turns maxFullEvals into metric calls over train + val', async () => {
    const logger = recordingLogger();
    const gepa = new GEPA(options({ maxMetricCalls: undefined, maxFullEvals: 2 }));
    await context({ lm: new RuleTaskLM(['UPPERCASE']), logger }, () =>
      gepa.compile(new Predict('question -> answer'), {
        trainset: upperSet(WORDS.slice(0, 4)),
        valset: upperSet(WORDS.slice(4)),
      }),
    );
    expect(logger.infos[0]).toBe(
      'Running GEPA for approx 12 metric calls of the program. This amounts to 2.00 full evals on the train+val set.',
    );
  });

  it('validates the valset against the trainset default and warns when it is missing', async () => {
    const logger = recordingLogger();
    await context({ lm: new RuleTaskLM(['UPPERCASE']), logger }, () =>
      new GEPA(options({ maxMetricCalls: 6 })).compile(new Predict('question -> answer'), {
        trainset: upperSet(WORDS),
      }),
    );
    expect(logger.warns[0]).toMatch(/^No valset provided; using the trainset as valset/);
  });
});

describe('GEPA runs', () => {
  it('returns a new program with the accepted instruction and leaves the student unchanged', async () => {
    const student = new Predict('question -> answer');
    const compiled = await context({ lm: new RuleTaskLM(['UPPERCASE']), logger: recordingLogger() }, () =>
      new GEPA(options()).compile(student, {
        trainset: upperSet(WORDS.slice(0, 4)),
        valset: upperSet(WORDS.slice(4)),
      }),
    );
    expect(compiled).not.toBe(student);
    expect(compiled.signature.instructions).toBe('Answer with the last word in UPPERCASE.');
    expect(student.signature.instructions).toBe('Given the fields `question`, produce the fields `answer`.');
    const reply = await context({ lm: new RuleTaskLM(['UPPERCASE']) }, () =>
      compiled.call({ question: 'Say the word ocean?' }),
    );
    expect(reply.answer).toBe('OCEAN');
  });

  it('prints a progress line per iteration with the best score so far', async () => {
    const logger = recordingLogger();
    await context({ lm: new RuleTaskLM(['UPPERCASE']), logger }, () =>
      new GEPA(options({ displayProgress: true })).compile(new Predict('question -> answer'), {
        trainset: upperSet(WORDS.slice(0, 4)),
        valset: upperSet(WORDS.slice(4)),
      }),
    );
    const lines = logger.infos.filter((line) => line.startsWith('GEPA iteration'));
    // The seed's evaluation, then one per iteration: 2 + 4 (first iteration) + 7 x 2 = 20 calls.
    expect(lines[0]).toBe('GEPA iteration 0: best valset score 0.0 (candidate 0 of 1), metric calls [2/20]');
    expect(lines[1]).toBe('GEPA iteration 1: best valset score 1.0 (candidate 1 of 2), metric calls [8/20]');
    expect(lines.at(-1)).toBe(
      'GEPA iteration 7: best valset score 1.0 (candidate 1 of 2), metric calls [20/20]',
    );
    expect(lines).toHaveLength(8);
  });

  it('passes the predictor name and its call to the metric when building feedback', async () => {
    const seen: unknown[][] = [];
    const spy: FeedbackMetric = (gold, pred, trace, predName, predTrace) => {
      if (predName !== undefined)
        seen.push([predName, predTrace?.length, predTrace?.[0]?.inputs, trace?.length]);
      return metric(gold, pred, trace, predName, predTrace);
    };
    await context({ lm: new RuleTaskLM(['UPPERCASE']), logger: recordingLogger() }, () =>
      new GEPA(options({ metric: spy, maxMetricCalls: 6 })).compile(new Predict('question -> answer'), {
        trainset: upperSet(WORDS.slice(0, 4)),
        valset: upperSet(WORDS.slice(4)),
      }),
    );
    expect(seen).toHaveLength(2);
    expect(seen[0]![0]).toBe('self');
    expect(seen[0]![1]).toBe(1);
    expect(seen[0]![3]).toBe(1);
  });

  it('warns once when the predictor-level score differs from the program score', async () => {
    const logger = recordingLogger();
    const twoFaced: FeedbackMetric = (gold, pred, trace, predName, predTrace) => {
      const result = metric(gold, pred, trace, predName, predTrace) as { score: number; feedback: string };
      return predName === undefined ? result : { ...result, score: result.score + 0.5 };
    };
    await context({ lm: new RuleTaskLM(['UPPERCASE']), logger }, () =>
      new GEPA(options({ metric: twoFaced, maxMetricCalls: 6 })).compile(new Predict('question -> answer'), {
        trainset: upperSet(WORDS.slice(0, 4)),
        valset: upperSet(WORDS.slice(4)),
      }),
    );
    expect(
      logger.warns.filter((w) => w.startsWith('The score returned by the metric with predName')),
    ).toHaveLength(1);
  });

  it('states the score as feedback when the metric returns a bare number', async () => {
    const bare: FeedbackMetric = (gold, pred, _trace, _predName, _predTrace) =>
      pred.answer === gold.answer ? 1 : 0;
    const reflection = new ScriptedReflectionLM(['Use UPPERCASE.']);
    await context({ lm: new RuleTaskLM(['UPPERCASE']), logger: recordingLogger() }, () =>
      new GEPA(options({ metric: bare, reflectionLm: reflection, maxMetricCalls: 6 })).compile(
        new Predict('question -> answer'),
        { trainset: upperSet(WORDS.slice(0, 4)), valset: upperSet(WORDS.slice(4)) },
      ),
    );
    expect(reflection.prompts[0]).toContain('## Feedback\nThis trajectory got a score of 0.0.\n');
  });
});

/** The rule model, and a reflection model with a fixed proposal, over HTTP. */
async function serverReply(body: ChatRequestBody): Promise<string> {
  const messages = body.messages as LMRequest['messages'];
  if (String(messages[0]?.content ?? '').startsWith('I provided an assistant')) {
    return '```\nAnswer with the last word of the question in UPPERCASE.\n```';
  }
  return (await new RuleTaskLM(['UPPERCASE']).request({ messages })).outputs[0]!;
}

describe('GEPA against the local OpenAI server (real openai SDK, LM cache)', () => {
  it('evaluates candidates concurrently, and a repeated compile makes no request', async () => {
    const server = await startOpenAIServer({ reply: serverReply, latencyMs: 20 });
    const cacheDir = await mkdtemp(join(tmpdir(), 'dspy-ts-gepa-'));
    try {
      const lm = (model: string) =>
        new LM(`openai/${model}`, { apiKey: 'sk-test', baseURL: server.url, cache: { dir: cacheDir } });
      const compile = () =>
        context({ lm: lm('task'), logger: recordingLogger() }, () =>
          new GEPA(options({ reflectionLm: lm('reflection'), concurrency: 4, maxMetricCalls: 24 })).compile(
            new Predict('question -> answer'),
            { trainset: upperSet(WORDS.slice(0, 4)), valset: upperSet(WORDS) },
          ),
        );
      const first = await compile();
      expect(first.signature.instructions).toBe('Answer with the last word of the question in UPPERCASE.');
      const requests = server.requestCount;
      expect(requests).toBeGreaterThan(0);
      expect(server.peakInFlight).toBe(4);
      const second = await compile();
      expect(second.signature.instructions).toBe(first.signature.instructions);
      expect(server.requestCount - requests).toBe(0);
    } finally {
      await server.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
