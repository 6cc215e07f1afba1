import { notifyLmRetry } from '../callbacks/dispatch.js';
import type { LMError } from '../errors.js';
import type { MappedError } from './map-error.js';

export interface RetryPolicy {
  /** Attempts after the first one. */
  numRetries: number;
  /** First backoff ceiling in ms; it doubles per attempt. */
  baseMs: number;
  /** Largest computed backoff in ms. */
  maxMs: number;
}

// A server's Retry-After is honoured, but never beyond a minute (the openai SDK's own bound).
const MAX_RETRY_AFTER_MS = 60_000;

/** Exponential backoff with full jitter, or the server's Retry-After when it sent one. */
export const backoffMs = (attempt: number, policy: RetryPolicy, retryAfter: number | undefined): number =>
  retryAfter !== undefined
    ? Math.min(retryAfter, MAX_RETRY_AFTER_MS)
    : Math.random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Carries an attempt's already-classified failure out of the attempt. */
export class AttemptError extends Error {
  constructor(readonly mapped: MappedError) {
    super(mapped.error.message);
  }
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or `numRetries` retries are
 * spent; then throws the mapped LMError. `classify` maps failures that happen outside an attempt
 * (an abort while queued or sleeping).
 */
export async function withRetries<T>(
  attempt: (index: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  classify: (thrown: unknown, attempts: number) => MappedError,
): Promise<T> {
  for (let index = 0; ; index += 1) {
    let failure: LMError;
    try {
      return await attempt(index);
    } catch (thrown) {
      const { error, retryable } =
        thrown instanceof AttemptError ? thrown.mapped : classify(thrown, index + 1);
      if (!retryable || index >= policy.numRetries) throw error;
      failure = error;
    }
    const delayMs = backoffMs(index, policy, failure.retryAfterMs);
    notifyLmRetry({ attempt: index + 1, error: failure, delayMs });
    try {
      await sleep(delayMs, signal);
    } catch (thrown) {
      throw classify(thrown, index + 1).error;
    }
  }
}
