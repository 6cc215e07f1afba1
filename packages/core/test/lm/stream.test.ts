import { describe, expect, it } from 'vitest';
import {
  LMAbortError,
  LMError,
  LMRateLimitError,
  LMTimeoutError,
  LMUnexpectedError,
} from '../../src/errors.js';
import { LMCache } from '../../src/lm/cache.js';
import type { LM } from '../../src/lm/lm.js';
import type { LMRequest, LMResponse } from '../../src/lm/types.js';
import { rejection, useHarness, user } from './helpers.js';

/** Drains a stream: the chunk texts and the generator's return value. */
async function drain(lm: LM, req: LMRequest): Promise<{ chunks: string[]; response: LMResponse }> {
  const chunks: string[] = [];
  const generator = lm.stream(req);
  for (;;) {
    const next = await generator.next();
    if (next.done) return { chunks, response: next.value };
    chunks.push(next.value.text);
  }
}

const TEXT = 'The quick brown fox jumps over the lazy dog.';

describe('LM.stream', () => {
  const h = useHarness({ reply: TEXT, chunkSize: 5 });

  it('yields the text in chunks as the server sends them and returns the full response', async () => {
    const { chunks, response } = await drain(h.lm({ cache: false }), { messages: user('hi') });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.join('')).toBe(TEXT);
    expect(response.outputs).toEqual([TEXT]);
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    expect(h.server.requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('adds usage and a history entry when the stream completes', async () => {
    const lm = h.lm({ cache: false });
    await drain(lm, { messages: user('hi') });
    expect(lm.usage.total_tokens).toBeGreaterThan(0);
    expect(lm.history).toHaveLength(1);
    expect(lm.history[0]?.outputs).toEqual([TEXT]);
  });

  it('caches a completed stream and replays a hit as one chunk without a request', async () => {
    const lm = h.lm();
    await drain(lm, { messages: user('hi') });
    const again = await drain(lm, { messages: user('hi') });
    expect(again.chunks).toEqual([TEXT]);
    expect(again.response.cacheHit).toBe(true);
    expect(h.server.requestCount).toBe(1);
    await expect(lm.request({ messages: user('hi') })).resolves.toMatchObject({
      cacheHit: true,
      outputs: [TEXT],
    });
  });

  it('collects every choice and streams choice 0', async () => {
    h.server.script(['first choice', 'second choice']);
    const { chunks, response } = await drain(h.lm({ cache: false }), { messages: user('hi'), n: 2 });
    expect(chunks.join('')).toBe('first choice');
    expect(response.outputs).toEqual(['first choice', 'second choice']);
  });

  it('retries failures before the first chunk', async () => {
    h.server.fail({ status: 429, retryAfterMs: 1 }, { status: 500 }, { hang: true });
    const { chunks } = await drain(h.lm({ cache: false, timeoutMs: 300 }), { messages: user('hi') });
    expect(chunks.join('')).toBe(TEXT);
    expect(h.server.requestCount).toBe(4);
  });

  it('throws the mapped error when retries run out', async () => {
    h.server.failWhen(() => ({ status: 429 }));
    const error = await rejection(drain(h.lm({ cache: false, numRetries: 1 }), { messages: user('hi') }));
    expect(error).toBeInstanceOf(LMRateLimitError);
    expect(h.server.requestCount).toBe(2);
  });

  it('retries a failure after the role chunk but before any text', async () => {
    h.server.fail({ midStreamError: true, afterChunks: 1 });
    const lm = h.lm({ cache: false });
    const chunks: string[] = [];
    for await (const chunk of lm.stream({ messages: user('hi') })) chunks.push(chunk.text);
    expect(chunks.join('')).toBe(TEXT);
    expect(h.server.requestCount).toBe(2);
  });

  it('does not retry a failure after the first chunk and surfaces it as an LMError', async () => {
    h.server.fail({ midStreamError: true, afterChunks: 3 });
    const lm = h.lm();
    const chunks: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of lm.stream({ messages: user('hi') })) chunks.push(chunk.text);
      })(),
    );
    expect(error).toBeInstanceOf(LMError);
    expect(chunks.length).toBeGreaterThan(0);
    expect(h.server.requestCount).toBe(1);
    expect(lm.history).toEqual([]);
    expect((await lm.request({ messages: user('hi') })).cacheHit).toBe(false);
  });

  it('stops with LMAbortError when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const lm = h.lm({ cache: false });
    const error = await rejection(
      (async () => {
        for await (const _chunk of lm.stream({ messages: user('hi'), signal: controller.signal }))
          controller.abort();
      })(),
    );
    expect(error).toBeInstanceOf(LMAbortError);
    expect(lm.history).toEqual([]);
  });

  it('cancels the HTTP request when the consumer breaks out of the loop', async () => {
    const lm = h.lm({ cache: false, concurrency: 1 });
    for await (const _chunk of lm.stream({ messages: user('hi') })) break;
    await expect.poll(() => h.server.inFlight).toBe(0);
    await expect(lm.request({ messages: user('next') })).resolves.toMatchObject({ outputs: [TEXT] });
    expect(lm.history.map((entry) => entry.messages[0]?.content)).toEqual(['next']);
  });
});

describe('LM.stream idle timeout', () => {
  const h = useHarness({ reply: 'abcdefghij', chunkSize: 5, chunkDelayMs: 400 });

  it('raises LMTimeoutError when a chunk takes longer than timeoutMs', async () => {
    const error = await rejection(
      drain(h.lm({ cache: false, timeoutMs: 200, numRetries: 0 }), { messages: user('hi') }),
    );
    expect(error).toBeInstanceOf(LMTimeoutError);
  });

  it('retries a timeout that comes before the first text (only a role chunk was read)', async () => {
    const lm = h.lm({ cache: false, timeoutMs: 200, numRetries: 2 });
    const error = await rejection(drain(lm, { messages: user('hi') }));
    expect(error).toBeInstanceOf(LMTimeoutError);
    expect(h.server.requestCount).toBe(3);
  });

  it('does not count the time the consumer spends between chunks', async () => {
    const lm = h.lm({ cache: false, timeoutMs: 600, numRetries: 0 });
    const chunks: string[] = [];
    for await (const chunk of lm.stream({ messages: user('hi') })) {
      chunks.push(chunk.text);
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    expect(chunks.join('')).toBe('abcdefghij');
    expect(h.server.requestCount).toBe(1);
  });
});

describe('LM.stream against a broken stream', () => {
  const h = useHarness({ reply: TEXT, chunkSize: 5 });

  it.each([
    ['a plain JSON completion', { notStreamed: true as const }],
    ['a body that is not JSON', { garbage: true as const }],
  ])(
    'reports %s answered to a stream request as LMUnexpectedError, like the same body unstreamed',
    async (_name, fault) => {
      h.server.fail(fault);
      const error = await rejection(drain(h.lm({ numRetries: 2 }), { messages: user('hi') }));
      expect(error).toBeInstanceOf(LMUnexpectedError);
      expect(error.message).toContain('Server-Sent Events');
      expect(h.server.requestCount).toBe(1);
    },
  );

  it('does not cache the failed stream: the same request after a restart reaches the server', async () => {
    h.server.fail({ notStreamed: true });
    await rejection(drain(h.lm(), { messages: user('hi') }));
    LMCache.clearMemory();
    const { response } = await drain(h.lm(), { messages: user('hi') });
    expect(response.outputs).toEqual([TEXT]);
    expect(response.cacheHit).toBe(false);
    expect(h.server.requestCount).toBe(2);
  });

  it('does not cache a stream that ended before any choice finished', async () => {
    h.server.fail({ cutStream: true, afterChunks: 3 });
    const first = await drain(h.lm(), { messages: user('hi') });
    expect(first.response.outputs[0]).toBe(TEXT.slice(0, 10));
    LMCache.clearMemory();
    const second = await drain(h.lm(), { messages: user('hi') });
    expect(second.response.outputs).toEqual([TEXT]);
    expect(h.server.requestCount).toBe(2);
  });
});
