import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { captureWarnings, FAKE_KEY, rejection, useHarness, user } from './helpers.js';

describe('the API key never leaks', () => {
  const h = useHarness({ reply: 'ok' });

  const assertClean = (text: string) => {
    expect(text).not.toContain(FAKE_KEY);
  };

  it.each([
    ['401', { status: 401, message: `Incorrect API key provided: ${FAKE_KEY}` }],
    ['429', { status: 429, message: `Rate limited for key ${FAKE_KEY}` }],
    ['500', { status: 500, message: `Upstream said ${FAKE_KEY}` }],
    ['garbage', { garbage: true as const }],
    ['timeout', { hang: true as const }],
  ])('is absent from the error, history and inspectHistory after a %s', async (_name, fault) => {
    const lm = h.lm({ cache: false, numRetries: 1, timeoutMs: 'hang' in fault ? 400 : 10_000 });
    await lm.request({ messages: user('fine') });
    h.server.failWhen(() => fault);
    const { result: error, warnings } = await captureWarnings(() =>
      rejection(lm.request({ messages: user('boom') })),
    );
    assertClean(error.message);
    assertClean(String(error.stack));
    assertClean(inspect(error, { depth: 5 }));
    assertClean(JSON.stringify(lm.history));
    assertClean(lm.inspectHistory(5));
    for (const warning of warnings) assertClean(warning);
  });

  it('is absent from String(lm), JSON, util.inspect and dumpState', () => {
    const lm = h.lm();
    assertClean(String(lm));
    assertClean(JSON.stringify(lm));
    assertClean(inspect(lm, { depth: 10, showHidden: true }));
    assertClean(JSON.stringify(lm.dumpState()));
    assertClean(JSON.stringify(lm.copy({ temperature: 1 })));
  });

  it('is absent from a connection error to a closed server', async () => {
    const url = h.server.url;
    await h.server.close();
    const error = await rejection(
      h.lm({ cache: false, numRetries: 0, baseURL: url }).request({ messages: user('x') }),
    );
    assertClean(error.message);
    assertClean(inspect(error, { depth: 5 }));
  });
});
