import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, LM, type LMOptions, Predict } from '@dspy-ts/core';
import { type ChatRequestBody, type OpenAIServer, startOpenAIServer } from '@dspy-ts/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BootstrapFewShot, Evaluate } from '../src/index.js';
import { exactMatch, qaSet, recordingLogger } from './support/helpers.js';

const LATENCY_MS = 50;

/** The current question of a ChatAdapter prompt (its last user message). */
const questionOf = (body: ChatRequestBody): string => {
  const messages = body.messages as { content: string }[];
  return /\[\[ ## question ## \]\]\n(.*)/.exec(messages[messages.length - 1]!.content)?.[1] ?? '';
};

/** Answers `aN` for `qN?` in ChatAdapter format; every 4th question is wrong unless sampled at temperature 1. */
const reply = (body: ChatRequestBody): string => {
  const n = Number(/q(\d+)\?/.exec(questionOf(body))?.[1]);
  const answer = n % 4 === 3 && body.temperature !== 1 ? 'wrong' : `a${n}`;
  return `[[ ## answer ## ]]\n${answer}\n\n[[ ## completed ## ]]`;
};

describe('optimizers against the local OpenAI server (real openai SDK)', () => {
  let server: OpenAIServer;
  let cacheDir: string;
  const makeLM = (options: LMOptions = {}) =>
    new LM('openai/test-model', {
      apiKey: 'sk-test',
      baseURL: server.url,
      cache: { dir: cacheDir },
      ...options,
    });

  beforeEach(async () => {
    server = await startOpenAIServer({ reply, latencyMs: LATENCY_MS });
    cacheDir = await mkdtemp(join(tmpdir(), 'dspy-ts-optimizers-lm-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('bootstraps 100 examples with 8 requests in flight at once', async () => {
    const logger = recordingLogger();
    const compiled = await context({ lm: makeLM({ cache: false }), logger }, () =>
      new BootstrapFewShot({ metric: exactMatch, maxBootstrappedDemos: 100, maxLabeledDemos: 0 }).compile(
        new Predict('question -> answer'),
        { trainset: qaSet(100) },
      ),
    );
    expect(server.requestCount).toBe(100);
    // Overlap is measured by the server, not by timing (sequential: 100 x 50 ms = 5 s).
    expect(server.peakInFlight).toBe(8);
    expect(compiled.demos).toHaveLength(75);
    expect(logger.infos).toContain(
      'Bootstrapped 75 full traces after 99 examples for up to 1 rounds, amounting to 100 attempts.',
    );
  });

  it('retries on a copy of the LM: temperature 1.0, a fresh cache key, no rollout_id on the wire', async () => {
    const lm = makeLM();
    const compiled = await context({ lm, logger: recordingLogger() }, () =>
      new BootstrapFewShot({
        metric: exactMatch,
        maxRounds: 2,
        maxBootstrappedDemos: 8,
        maxLabeledDemos: 0,
      }).compile(new Predict('question -> answer'), { trainset: qaSet(4) }),
    );
    expect(compiled.demos).toHaveLength(4);
    const q3 = server.requests.filter((r) => questionOf(r.body!) === 'q3?').map((r) => r.body!);
    expect(q3).toHaveLength(2);
    expect(q3[0]!.temperature).toBeUndefined();
    expect(q3[1]!.temperature).toBe(1);
    expect(q3.every((body) => !('rollout_id' in body))).toBe(true);
    expect(lm.history.length).toBe(4);
  });

  it('serves a second compile from the LM cache', async () => {
    const run = () =>
      context({ lm: makeLM(), logger: recordingLogger() }, () =>
        new BootstrapFewShot({ metric: exactMatch, maxLabeledDemos: 0 }).compile(
          new Predict('question -> answer'),
          {
            trainset: qaSet(4),
          },
        ),
      );
    const first = await run();
    const requests = server.requestCount;
    const second = await run();
    expect(server.requestCount).toBe(requests);
    expect(second.dumpState()).toEqual(first.dumpState());
  });

  it('evaluates with `concurrency` requests in flight and scores through the real parse path', async () => {
    const result = await context({ lm: makeLM({ cache: false }), logger: recordingLogger() }, () =>
      new Evaluate({ devset: qaSet(40), metric: exactMatch, concurrency: 5 }).run(
        new Predict('question -> answer'),
      ),
    );
    expect(server.peakInFlight).toBe(5);
    expect(result.score).toBe(75);
  });
});
