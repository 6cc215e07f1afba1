import { context, type Example, Module, Predict } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { BootstrapFewShot, type BootstrapFewShotOptions } from '../src/index.js';
import { exactMatch, fieldOf, qaLM, qaSet, recordingLogger } from './support/helpers.js';
import { SlowLM } from './support/slow-lm.js';

const indexOf = (question: string | undefined) => Number(/q(\d+)\?/.exec(question ?? '')?.[1] ?? 0);

/** Later examples answer faster, so under concurrency they finish first. Every third is wrong at first. */
const makeLM = () =>
  new SlowLM(
    qaLM((question, request) =>
      indexOf(question) % 3 === 0 && request.temperature !== 1 ? { answer: 'wrong' } : undefined,
    ),
    (request) => Math.max(0, 12 - (indexOf(fieldOf(request, 'question')) % 12)),
  );

const snapshot = (demos: readonly unknown[]) => JSON.stringify(demos.map((d) => (d as Example).toDict()));

async function compile(options: BootstrapFewShotOptions, trainset = qaSet(24)) {
  const lm = makeLM();
  const logger = recordingLogger();
  const compiled = await context({ lm, logger }, () =>
    new BootstrapFewShot({ metric: exactMatch, maxRounds: 2, ...options }).compile(
      new Predict('question -> answer'),
      {
        trainset,
      },
    ),
  );
  return { compiled, lm, logger };
}

describe('BootstrapFewShot concurrency', () => {
  it('overlaps examples up to `concurrency` at once', async () => {
    const sequential = await compile({ concurrency: 1, maxBootstrappedDemos: 24 });
    const concurrent = await compile({ concurrency: 6, maxBootstrappedDemos: 24 });
    expect(sequential.lm.peakInFlight).toBe(1);
    expect(concurrent.lm.peakInFlight).toBe(6);
  });

  it('chooses the same demos and logs the same summary as a sequential run', async () => {
    for (const maxBootstrappedDemos of [3, 7, 24]) {
      const sequential = await compile({ concurrency: 1, maxBootstrappedDemos, maxLabeledDemos: 12 });
      const concurrent = await compile({ concurrency: 8, maxBootstrappedDemos, maxLabeledDemos: 12 });
      expect(snapshot(concurrent.compiled.demos)).toBe(snapshot(sequential.compiled.demos));
      expect(concurrent.logger.infos).toEqual(sequential.logger.infos);
    }
  });

  it('spends at most `concurrency - 1` extra examples past the stopping point', async () => {
    const sequential = await compile({ concurrency: 1, maxBootstrappedDemos: 4 });
    const concurrent = await compile({ concurrency: 4, maxBootstrappedDemos: 4 });
    const extraExamples = 3;
    expect(concurrent.lm.requests.length).toBeLessThanOrEqual(
      sequential.lm.requests.length + extraExamples * 2,
    );
  });

  it('never starts an example `concurrency` or more past the first uncommitted one', async () => {
    // Example 0 is slow and every other example is instant: without a window, the pool would race
    // ahead through the trainset while example 0 (which alone reaches maxBootstrappedDemos) runs.
    const lm = new SlowLM(
      qaLM(() => undefined),
      (request) => (indexOf(fieldOf(request, 'question')) === 0 ? 40 : 0),
    );
    await context({ lm, logger: recordingLogger() }, () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 1, concurrency: 4 }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(24) },
      ),
    );
    const started = new Set(lm.requests.map((request) => indexOf(fieldOf(request, 'question'))));
    expect([...started].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });

  it('waits for in-flight examples before returning', async () => {
    const { lm } = await compile({ concurrency: 8, maxBootstrappedDemos: 1 });
    expect(lm.inFlight).toBe(0);
  });

  it('gives each concurrent example its own teacher copy (no demo filtering races)', async () => {
    // With shared teacher demos, a concurrent example could see its own answer as a demo.
    const lm = makeLM();
    await context({ lm, logger: recordingLogger() }, () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 24, concurrency: 8 }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(12) },
      ),
    );
    for (const request of lm.requests) {
      const current = fieldOf(request, 'question')!;
      const demoTexts = request.messages.slice(1, -1).map((m) => m.content ?? '');
      expect(demoTexts.some((text) => text.endsWith(`\n${current}`))).toBe(false);
    }
  });
});

describe('BootstrapFewShot seed', () => {
  const run = async (seed: number | undefined) =>
    snapshot(
      (
        await compile({
          seed,
          concurrency: 4,
          maxBootstrappedDemos: 2,
          maxLabeledDemos: 6,
        })
      ).compiled.demos,
    );

  it('reproduces the same demos for the same seed', async () => {
    expect(await run(7)).toBe(await run(7));
    expect(await run(undefined)).toBe(await run(0));
  });

  it('changes the labeled demos with the seed', async () => {
    const results = new Set(await Promise.all([1, 2, 3, 4].map(run)));
    expect(results.size).toBeGreaterThan(1);
  });

  it('keeps one demo per predictor called several times, reproducibly', async () => {
    class Twice extends Module {
      gen = new Predict('question -> answer');
      async forward(inputs: { question: string }) {
        await this.gen.call({ question: `${inputs.question} (draft)` });
        return this.gen.call(inputs);
      }
    }
    const pick = async () => {
      const lm = qaLM((question) => ({
        answer: question.startsWith('q') ? question.replace(/^q(\d+)\?.*$/, 'a$1') : '',
      }));
      const compiled = await context({ lm, logger: recordingLogger() }, () =>
        new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 6, maxLabeledDemos: 0 }).compile(
          new Twice(),
          {
            trainset: qaSet(6),
          },
        ),
      );
      return compiled.gen.demos.map((d) => (d as Example).get('question'));
    };
    const first = await pick();
    expect(first).toHaveLength(6);
    expect(await pick()).toEqual(first);
    // Each kept demo is one of that example's two calls.
    for (const [i, question] of first.entries()) expect([`q${i}?`, `q${i}? (draft)`]).toContain(question);
  });
});
