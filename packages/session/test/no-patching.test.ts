import { context, DummyLM, Module, Predict } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { getCurrentHistory, sessionify, withMemory } from '../src/index.js';

class Agent extends Module {
  gen = new Predict('question -> answer');
  async forward({ question }: { question: string }) {
    return this.gen.call({ question });
  }
}

const ownKeys = (value: object) => Reflect.ownKeys(value).map(String).sort();

describe('a session wraps without patching', () => {
  it('defines nothing on the predictors it wraps (copyMode none)', async () => {
    const agent = new Agent();
    const before = ownKeys(agent.gen);
    const session = sessionify(agent, { copyMode: 'none' });
    expect(Object.hasOwn(agent.gen, 'forward')).toBe(false);
    expect(ownKeys(agent.gen)).toEqual(before);
    const lm = new DummyLM([{ answer: 'A1' }, { answer: 'A2' }]);
    await context({ lm }, async () => {
      await session.call({ question: 'Q1' });
      await session.call({ question: 'Q2' });
    });
    expect(lm.requests[1]!.messages.some((m) => String(m.content).includes('Q1'))).toBe(true);
  });

  it('gives withMemory children their history through the call context, not a patched forward', async () => {
    const agent = new Agent();
    const root = withMemory(agent);
    const child = (root.module as Agent).gen as unknown as { module: object };
    expect(Object.hasOwn(child.module, 'forward')).toBe(false);
    const lm = new DummyLM([{ answer: 'A1' }, { answer: 'A2' }]);
    await context({ lm }, async () => {
      await root.call({ question: 'Q1' });
      await root.call({ question: 'Q2' });
    });
    expect(lm.requests[1]!.messages.some((m) => String(m.content).includes('Q1'))).toBe(true);
  });

  it('exposes the innermost call history to code inside the module', async () => {
    const seen: (number | undefined)[] = [];
    class Probe extends Module {
      gen = new Predict('question -> answer');
      async forward({ question }: { question: string }) {
        seen.push(getCurrentHistory()?.messages.length);
        return this.gen.call({ question });
      }
    }
    const session = sessionify(new Probe());
    const lm = new DummyLM([{ answer: 'A1' }, { answer: 'A2' }]);
    await context({ lm }, async () => {
      await session.call({ question: 'Q1' });
      await session.call({ question: 'Q2' });
    });
    expect(seen).toEqual([0, 1]);
    expect(getCurrentHistory()).toBeUndefined();
  });
});
