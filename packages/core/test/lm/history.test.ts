import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoNow } from '../../src/lm/history-log.js';
import { formatHistory } from '../../src/lm/inspect-history.js';
import type { LMHistoryEntry } from '../../src/lm/types.js';
import { context } from '../../src/settings.js';
import { useHarness, user } from './helpers.js';

describe('LM history', () => {
  const h = useHarness({
    reply: (body) => `re: ${(body.messages as Array<{ content: string }>).at(-1)?.content}`,
  });

  it('records messages, outputs, usage, model, timestamp and the request parameters', async () => {
    const lm = h.lm({ cache: false, temperature: 0.1 });
    await lm.request({ messages: user('hello'), extra: { rollout_id: 3 } });
    const [entry] = lm.history;
    expect(entry).toMatchObject({
      messages: user('hello'),
      outputs: ['re: hello'],
      model: 'openai/test-model',
      request: { temperature: 0.1, rollout_id: 3 },
      cacheHit: false,
    });
    expect(entry?.usage?.total_tokens).toBeGreaterThan(0);
    expect(new Date(entry?.timestamp ?? '').toISOString()).toBe(entry?.timestamp);
  });

  it('keeps at most settings.maxHistorySize entries, dropping the oldest', async () => {
    const lm = h.lm({ cache: false });
    await context({ maxHistorySize: 2 }, async () => {
      for (const q of ['a', 'b', 'c']) await lm.request({ messages: user(q) });
    });
    expect(lm.history.map((entry) => entry.outputs[0])).toEqual(['re: b', 're: c']);
  });

  it('keeps lm.history within settings.maxHistoryBytes of message and output text, dropping the oldest', async () => {
    const lm = h.lm({ cache: false });
    const question = (i: number) => `${i}`.padEnd(1_000, '.');
    await context({ maxHistoryBytes: 5_000 }, async () => {
      for (let i = 0; i < 20; i++) await lm.request({ messages: user(question(i)) });
    });
    // Each entry holds ~1,000 characters of prompt and ~1,004 of output: two fit in 5,000.
    expect(lm.history.map((entry) => entry.messages[0]?.content)).toEqual([question(18), question(19)]);
    expect(lm.inspectHistory(1)).toContain('re: 19.');
  });

  it('keeps the newest entry even when it alone is larger than maxHistoryBytes', async () => {
    const lm = h.lm({ cache: false });
    await context({ maxHistoryBytes: 10 }, async () => {
      for (const q of ['first question', 'second question']) await lm.request({ messages: user(q) });
    });
    expect(lm.history.map((entry) => entry.outputs[0])).toEqual(['re: second question']);
  });

  it('starts a fresh count when the history is cleared by the user', async () => {
    const lm = h.lm({ cache: false });
    await context({ maxHistoryBytes: 100 }, async () => {
      await lm.request({ messages: user('a'.repeat(40)) });
      lm.history.length = 0;
      await lm.request({ messages: user('b') });
      await lm.request({ messages: user('c') });
    });
    expect(lm.history.map((entry) => entry.outputs[0])).toEqual(['re: b', 're: c']);
  });

  it('records nothing when settings.disableHistory is set', async () => {
    const lm = h.lm({ cache: false });
    await context({ disableHistory: true }, () => lm.request({ messages: user('a') }));
    expect(lm.history).toEqual([]);
  });

  it('prints the last call like dspy.inspect_history, without colors', async () => {
    const lm = h.lm({ cache: false });
    await lm.request({ messages: user('old') });
    await lm.request({
      messages: [
        { role: 'system', content: '  Be brief.  ' },
        { role: 'user', content: 'hello' },
      ],
    });
    const timestamp = lm.history[1]?.timestamp;
    expect(lm.inspectHistory()).toBe(
      `\n\n\n\n[${timestamp}]\n\nSystem message:\n\nBe brief.\n\n\nUser message:\n\nhello\n\n\nResponse:\n\nre: hello\n\n\n\n\n\n`,
    );
    expect(lm.inspectHistory()).not.toContain('\x1b[');
  });
});

describe('formatHistory', () => {
  const entry = (outputs: string[], content: string): LMHistoryEntry => ({
    messages: user(content),
    outputs,
    model: 'm',
    timestamp: 'T',
    request: {},
  });

  it('notes the other completions when there were several choices', () => {
    expect(formatHistory([entry(['a', 'b', 'c'], 'q')])).toBe(
      '\n\n\n\n[T]\n\nUser message:\n\nq\n\n\nResponse:\n\na\n\n \t (and 2 other completions)\n\n\n\n\n',
    );
  });

  it('prints the last n calls in order', () => {
    const text = formatHistory([entry(['1'], 'first'), entry(['2'], 'second'), entry(['3'], 'third')], 2);
    expect(text).not.toContain('first');
    expect(text.indexOf('second')).toBeLessThan(text.indexOf('third'));
  });
});

describe('history timestamps', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the time as Date.toISOString does, across second and day boundaries', () => {
    vi.useFakeTimers();
    for (const time of [
      '2026-12-03T08:15:02.007Z',
      '2026-12-03T08:15:02.999Z',
      '2026-12-03T08:15:03.000Z',
      '2026-12-04T00:00:00.050Z',
    ]) {
      vi.setSystemTime(new Date(time));
      expect(isoNow()).toBe(time);
    }
  });
});
