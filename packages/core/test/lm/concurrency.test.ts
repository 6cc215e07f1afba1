import { describe, expect, it } from 'vitest';
import { useHarness, user } from './helpers.js';

describe('LM concurrency', () => {
  const h = useHarness({ reply: 'ok', latencyMs: 30 });

  it('keeps at most `concurrency` requests in flight', async () => {
    h.server.failWhen(() => ({ delayMs: 60 }));
    const lm = h.lm({ cache: false, concurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => lm.request({ messages: user(`q${i}`) })));
    expect(h.server.requestCount).toBe(8);
    expect(h.server.peakInFlight).toBe(2);
  });

  it('runs requests in parallel without a limit', async () => {
    h.server.failWhen(() => ({ delayMs: 300 }));
    const lm = h.lm({ cache: false });
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => lm.request({ messages: user(`q${i}`) })));
    await expect.poll(() => h.server.inFlight).toBe(6);
    await all;
  });

  it('shares the limit with copies', async () => {
    const lm = h.lm({ cache: false, concurrency: 1 });
    const copy = lm.copy({ rollout_id: 1 });
    await Promise.all(
      [0, 1, 2].flatMap((i) => [lm, copy].map((m) => m.request({ messages: user(`q${i}`) }))),
    );
    expect(h.server.peakInFlight).toBe(1);
  });

  it('answers a cache hit while every slot is taken', async () => {
    const lm = h.lm({ concurrency: 1 });
    await lm.request({ messages: user('cached') });
    h.server.fail({ hang: true });
    const blocked = lm
      .request({ messages: user('slow'), signal: AbortSignal.timeout(3000) })
      .catch(() => undefined);
    await expect.poll(() => h.server.inFlight).toBe(1);
    await expect(lm.request({ messages: user('cached') })).resolves.toMatchObject({ cacheHit: true });
    await h.server.close();
    await blocked;
  });

  it('frees the slot during retry backoff', async () => {
    const lm = h.lm({ cache: false, concurrency: 1, retryBaseMs: 1 });
    h.server.fail({ status: 429, retryAfterMs: 600 });
    let firstDone = false;
    const first = lm.request({ messages: user('retried') }).then(() => {
      firstDone = true;
    });
    await expect.poll(() => h.server.requestCount).toBe(1);
    await lm.request({ messages: user('other') });
    expect(firstDone).toBe(false);
    await first;
  });
});
