import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OpenAIServer, type OpenAIServerOptions, startOpenAIServer } from '@dspy-ts/core/testing';
import { afterEach, beforeEach } from 'vitest';
import { LM, type LMOptions } from '../../src/lm/lm.js';
import { context, type Logger } from '../../src/settings.js';

export const FAKE_KEY = 'sk-test-SECRET-0123456789abcdef';

export interface Harness {
  server: OpenAIServer;
  /** A fresh temp folder for this test's disk cache. */
  cacheDir: string;
  /** An LM against this test's server, with a temp disk cache and fast retries. */
  lm(options?: LMOptions, model?: string): LM;
}

/** Starts a fresh local server and temp cache folder per test; closes and removes them after. */
export function useHarness(options: OpenAIServerOptions = {}): Harness {
  const harness = {} as Harness;
  const previousDir = process.env.DSPY_TS_CACHEDIR;
  beforeEach(async () => {
    harness.server = await startOpenAIServer(options);
    harness.cacheDir = await mkdtemp(join(tmpdir(), 'dspy-ts-lm-'));
    // Any LM that forgets `cache.dir` still stays out of the home folder.
    process.env.DSPY_TS_CACHEDIR = harness.cacheDir;
    harness.lm = (lmOptions = {}, model = 'openai/test-model') =>
      new LM(model, {
        apiKey: FAKE_KEY,
        baseURL: harness.server.url,
        cache: { dir: harness.cacheDir },
        retryBaseMs: 1,
        ...lmOptions,
      });
  });
  afterEach(async () => {
    await harness.server.close();
    await rm(harness.cacheDir, { recursive: true, force: true });
    if (previousDir === undefined) delete process.env.DSPY_TS_CACHEDIR;
    else process.env.DSPY_TS_CACHEDIR = previousDir;
  });
  return harness;
}

/** Runs `fn` with a logger that records warnings. */
export async function captureWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const logger: Logger = { info: () => undefined, warn: (message) => warnings.push(message) };
  const result = await context({ logger }, fn);
  return { result, warnings };
}

export const user = (content: string) => [{ role: 'user' as const, content }];

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}
