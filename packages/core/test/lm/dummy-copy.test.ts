import { describe, expect, it } from 'vitest';
import { DummyLM } from '../../src/index.js';

const ask = (lm: DummyLM, text: string, temperature?: number) =>
  lm.request({
    messages: [{ role: 'user', content: text }],
    ...(temperature === undefined ? {} : { temperature }),
  });

describe('DummyLM.copy (DSPy lm.copy)', () => {
  it('continues the script with its own history and logs to the same requests', async () => {
    const lm = new DummyLM([{ a: 'one' }, { a: 'two' }, { a: 'three' }]);
    await ask(lm, 'a');
    const copy = lm.copy({ rollout_id: 1, temperature: 1.0 });
    expect((await ask(copy, 'b')).outputs).toEqual(['[[ ## a ## ]]\ntwo']);
    expect((await ask(lm, 'c')).outputs).toEqual(['[[ ## a ## ]]\nthree']);
    expect(lm.history.map((entry) => entry.messages[0]!.content)).toEqual(['a', 'c']);
    expect(copy.history.map((entry) => entry.messages[0]!.content)).toEqual(['b']);
    expect(lm.requests.map((r) => r.messages[0]!.content)).toEqual(['a', 'b', 'c']);
  });

  it('sends temperature and rollout_id as request defaults the call can override', async () => {
    const copy = new DummyLM([{ a: 'x' }, { a: 'y' }]).copy({ rollout_id: 2, temperature: 1.0 });
    await ask(copy, 'a');
    await ask(copy, 'b', 0.3);
    expect(copy.requests.map((r) => [r.temperature, r.extra?.rollout_id])).toEqual([
      [1, 2],
      [0.3, 2],
    ]);
    expect(copy.defaults.temperature).toBe(1);
  });
});
