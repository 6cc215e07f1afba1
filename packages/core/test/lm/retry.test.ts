import { describe, expect, it } from 'vitest';
import {
  ContextWindowExceededError,
  LMAbortError,
  LMAuthError,
  LMBillingError,
  LMError,
  LMInvalidRequestError,
  LMRateLimitError,
  LMServerError,
  LMTimeoutError,
  LMUnexpectedError,
  LMUnsupportedModelError,
} from '../../src/errors.js';
import { backoffMs } from '../../src/lm/retry.js';
import { rejection, useHarness, user } from './helpers.js';

describe('LM retries', () => {
  const h = useHarness({ reply: 'ok' });

  it('retries a 429 and honors its Retry-After', async () => {
    h.server.fail({ status: 429, retryAfterMs: 200 });
    const started = Date.now();
    const response = await h.lm({ cache: false, retryBaseMs: 1 }).request({ messages: user('hi') });
    expect(response.outputs).toEqual(['ok']);
    expect(h.server.requestCount).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('retries 500s until success', async () => {
    h.server.fail({ status: 500 }, { status: 503 });
    await expect(h.lm({ cache: false }).request({ messages: user('hi') })).resolves.toMatchObject({
      outputs: ['ok'],
    });
    expect(h.server.requestCount).toBe(3);
  });

  it('retries an attempt that exceeds timeoutMs', async () => {
    h.server.fail({ hang: true });
    const response = await h.lm({ cache: false, timeoutMs: 300 }).request({ messages: user('hi') });
    expect(response.outputs).toEqual(['ok']);
    expect(h.server.requestCount).toBe(2);
  });

  it('retries an attempt whose body stalls after the headers past timeoutMs', async () => {
    h.server.fail({ stallBody: true });
    const response = await h.lm({ cache: false, timeoutMs: 300 }).request({ messages: user('hi') });
    expect(response.outputs).toEqual(['ok']);
    expect(h.server.requestCount).toBe(2);
  });

  it('reports a body stalled past timeoutMs as LMTimeoutError, with or without an AbortSignal', async () => {
    h.server.failWhen(() => ({ stallBody: true }));
    const lm = h.lm({ cache: false, numRetries: 0, timeoutMs: 50 });
    const plain = await rejection(lm.request({ messages: user('hi') }));
    const signal = new AbortController().signal;
    const withSignal = await rejection(lm.request({ messages: user('hi'), signal }));
    expect(plain).toBeInstanceOf(LMTimeoutError);
    expect(withSignal).toBeInstanceOf(LMTimeoutError);
    expect(plain.message).toContain('timed out after 50 ms');
  });

  it('retries a 408 and a dropped connection', async () => {
    h.server.fail({ status: 408 }, { disconnect: true });
    await expect(h.lm({ cache: false }).request({ messages: user('hi') })).resolves.toMatchObject({
      outputs: ['ok'],
    });
    expect(h.server.requestCount).toBe(3);
  });

  it.each([400, 401, 403, 404])('never retries a %i', async (status) => {
    h.server.fail({ status });
    await expect(h.lm({ cache: false }).request({ messages: user('hi') })).rejects.toBeInstanceOf(LMError);
    expect(h.server.requestCount).toBe(1);
  });

  it('gives up after numRetries retries with the mapped error, status, request id and retry-after', async () => {
    h.server.failWhen(() => ({ status: 429, retryAfterMs: 5 }));
    const error = await rejection(h.lm({ cache: false, numRetries: 2 }).request({ messages: user('hi') }));
    expect(h.server.requestCount).toBe(3);
    expect(error).toBeInstanceOf(LMRateLimitError);
    expect(error).toMatchObject({
      status: 429,
      retryAfterMs: 5,
      requestId: 'req_3',
      model: 'openai/test-model',
    });
    expect(error.message).toMatch(/^\[openai\/test-model\] HTTP 429 .*after 3 attempts/);
  });

  it('makes a single attempt with numRetries 0', async () => {
    h.server.fail({ status: 500 });
    await expect(
      h.lm({ cache: false, numRetries: 0 }).request({ messages: user('hi') }),
    ).rejects.toBeInstanceOf(LMServerError);
    expect(h.server.requestCount).toBe(1);
  });

  it('reports an attempt timeout after the last retry as LMTimeoutError', async () => {
    h.server.failWhen(() => ({ hang: true }));
    const error = await rejection(
      h.lm({ cache: false, numRetries: 1, timeoutMs: 50 }).request({ messages: user('hi') }),
    );
    expect(error).toBeInstanceOf(LMTimeoutError);
    expect(h.server.requestCount).toBe(2);
  });
});

describe('LM error mapping', () => {
  const h = useHarness({ reply: 'ok' });
  const cases = [
    [401, LMAuthError],
    [403, LMAuthError],
    [402, LMBillingError],
    [404, LMUnsupportedModelError],
    [408, LMTimeoutError],
    [422, LMInvalidRequestError],
    [429, LMRateLimitError],
    [500, LMServerError],
    [502, LMServerError],
  ] as const;

  it.each(cases)('maps HTTP %i to %o', async (status, ErrorClass) => {
    h.server.failWhen(() => ({ status }));
    const error = await rejection(h.lm({ cache: false, numRetries: 1 }).request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, provider: 'openai' });
  });

  it('maps a context-length 400 to ContextWindowExceededError', async () => {
    h.server.fail({
      status: 400,
      code: 'context_length_exceeded',
      message: "This model's maximum context length is 8192",
    });
    const error = await rejection(h.lm({ cache: false }).request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(ContextWindowExceededError);
    expect(error).toBeInstanceOf(LMInvalidRequestError);
  });

  it('maps a body that is not JSON to LMUnexpectedError without retrying', async () => {
    h.server.fail({ garbage: true });
    const error = await rejection(h.lm({ cache: false }).request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(LMUnexpectedError);
    expect(h.server.requestCount).toBe(1);
  });

  it('maps an unreachable server to LMUnexpectedError after retrying', async () => {
    const url = h.server.url;
    await h.server.close();
    const lm = h.lm({ cache: false, numRetries: 1, baseURL: url });
    const error = await rejection(lm.request({ messages: user('hi') }));
    expect(error).toBeInstanceOf(LMUnexpectedError);
    expect(error.message).toContain('after 2 attempts');
  });
});

describe('LM abort', () => {
  const h = useHarness({ reply: 'ok' });

  it('rejects with LMAbortError when the signal is already aborted, making no request', async () => {
    const error = await rejection(
      h.lm({ cache: false }).request({ messages: user('hi'), signal: AbortSignal.abort() }),
    );
    expect(error).toBeInstanceOf(LMAbortError);
    expect(h.server.requestCount).toBe(0);
  });

  it('rejects with LMAbortError when aborted mid-request, without retrying', async () => {
    h.server.fail({ hang: true });
    const controller = new AbortController();
    const pending = h.lm({ cache: false }).request({ messages: user('hi'), signal: controller.signal });
    await expect.poll(() => h.server.requestCount).toBe(1);
    controller.abort();
    expect(await rejection(pending)).toBeInstanceOf(LMAbortError);
    expect(h.server.requestCount).toBe(1);
  });

  it('rejects with LMAbortError when aborted during a retry backoff', async () => {
    h.server.fail({ status: 429, retryAfterMs: 10_000 });
    const controller = new AbortController();
    const pending = h.lm({ cache: false }).request({ messages: user('hi'), signal: controller.signal });
    await expect.poll(() => h.server.requestCount).toBe(1);
    controller.abort();
    expect(await rejection(pending)).toBeInstanceOf(LMAbortError);
  });

  it('rejects with LMAbortError when aborted while waiting for a concurrency slot', async () => {
    h.server.fail({ hang: true });
    const lm = h.lm({ cache: false, concurrency: 1, numRetries: 0 });
    const blocker = lm
      .request({ messages: user('first'), signal: AbortSignal.timeout(2000) })
      .catch(() => undefined);
    await expect.poll(() => h.server.requestCount).toBe(1);
    const controller = new AbortController();
    const queued = lm.request({ messages: user('second'), signal: controller.signal });
    controller.abort();
    expect(await rejection(queued)).toBeInstanceOf(LMAbortError);
    expect(h.server.requestCount).toBe(1);
    await h.server.close();
    await blocker;
  });
});

describe('backoff', () => {
  const policy = { numRetries: 3, baseMs: 250, maxMs: 8000 };

  it('draws full jitter below base * 2^attempt, capped', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const delay = backoffMs(attempt, policy, undefined);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(8000, 250 * 2 ** attempt));
    }
  });

  it('uses the server Retry-After when given, bounded to a minute', () => {
    expect(backoffMs(0, policy, 1234)).toBe(1234);
    expect(backoffMs(0, policy, 10 * 60_000)).toBe(60_000);
  });
});
