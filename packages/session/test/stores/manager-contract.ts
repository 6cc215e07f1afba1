import { ChatAdapter } from '@dspy-ts/adapters';
import { context, DummyLM, type History, type LMRequest, Predict } from '@dspy-ts/core';
import { SessionStateError } from '@dspy-ts/session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionManager } from '../../src/stores/session-manager.js';
import type { StoreHarness } from './contract.js';

/** The question of the request's last (current) user message. */
export function questionOf(request: LMRequest): string {
  const content = request.messages.at(-1)?.content ?? '';
  return /\[\[ ## question ## \]\]\n(.*)/.exec(content)?.[1] ?? '?';
}

/** A DummyLM answering `A:<question>` to any question, counting its requests. */
export const echoLM = (): DummyLM => new DummyLM((request) => ({ answer: `A:${questionOf(request)}` }));

/** Runs `fn` with `lm` and ChatAdapter in this async scope. */
export const withLM = <T>(lm: DummyLM, fn: () => Promise<T>): Promise<T> =>
  context({ lm, adapter: new ChatAdapter() }, fn);

export const QA = () => new Predict('question -> answer');

/** SessionManager over one store kind: what must hold whatever the backend. */
export function describeSessionManagerContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`SessionManager with ${name}`, () => {
    let harness: StoreHarness;

    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('keeps one conversation per user and feeds it back as history', async () => {
      const lm = echoLM();
      const users = new SessionManager(QA(), { store: harness.open() });
      const result = await withLM(lm, async () => {
        const first = await users.call('alice', { question: 'Q1' });
        await users.call('bob', { question: 'B1' });
        await users.call('alice', { question: 'Q2' });
        return first;
      });
      expect(result.answer).toBe('A:Q1');
      const alice = (await users.get('alice'))!;
      expect(alice.turns.map((turn) => [turn.index, turn.inputs.question, turn.outputs.answer])).toEqual([
        [0, 'Q1', 'A:Q1'],
        [1, 'Q2', 'A:Q2'],
      ]);
      expect(alice.turns[1]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
      expect((await users.get('bob'))!.turns).toHaveLength(1);
      // Alice's second prompt carried her first turn, not Bob's.
      const prompt = JSON.stringify(lm.requests[2]!.messages);
      expect(prompt).toContain('Q1');
      expect(prompt).not.toContain('B1');
      expect(await users.store.list()).toEqual(['alice', 'bob']);
    });

    it('saves every turn of 20 concurrent calls for one user through two clients, calling the LM once each', async () => {
      const lm = echoLM();
      // 20 writers of one user at the same instant: the last to land may see 19 conflicts.
      const managers = [0, 1].map(
        () => new SessionManager(QA(), { store: harness.open(), maxConflictRetries: 19 }),
      );
      await withLM(lm, () =>
        Promise.all(
          Array.from({ length: 20 }, (_, n) => managers[n % 2]!.call('shared', { question: `q${n}` })),
        ),
      );
      expect(lm.requests).toHaveLength(20);
      const state = (await managers[0]!.get('shared'))!;
      const questions = state.turns.map((turn) => turn.inputs.question);
      expect([...questions].sort()).toEqual(Array.from({ length: 20 }, (_, n) => `q${n}`).sort());
      expect(state.turns.map((turn) => turn.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (const turn of state.turns) expect(turn.outputs.answer).toBe(`A:${turn.inputs.question}`);
      expect((await harness.open().get('shared'))!.version).toBe(20);
    });

    it('fails a call on a corrupted stored state before the LM runs, leaving the record untouched', async () => {
      const lm = echoLM();
      const users = new SessionManager(QA(), { store: harness.open() });
      await withLM(lm, () => users.call('alice', { question: 'Q1' }));
      await harness.corrupt('alice', '{"turns":[{"index":"zero"}]}');
      const before = await harness.raw('alice');
      await expect(withLM(lm, () => users.call('alice', { question: 'Q2' }))).rejects.toBeInstanceOf(
        SessionStateError,
      );
      expect(lm.requests).toHaveLength(1);
      expect(await harness.raw('alice')).toBe(before);
    });

    it('applies ttlMs on every save: an idle user starts over', async () => {
      const lm = echoLM();
      const users = new SessionManager(QA(), { store: harness.open(), ttlMs: 1500 });
      await withLM(lm, () => users.call('alice', { question: 'Q1' }));
      expect((await users.get('alice'))?.turns).toHaveLength(1);
      await vi.waitFor(async () => expect(await users.get('alice')).toBeUndefined(), {
        timeout: 10_000,
        interval: 50,
      });
      await withLM(lm, () => users.call('alice', { question: 'Q2' }));
      const state = (await users.get('alice'))!;
      expect(state.turns.map((turn) => [turn.index, turn.inputs.question])).toEqual([[0, 'Q2']]);
    });

    it('resets a user and turns every stored user into examples in list() order', async () => {
      const lm = echoLM();
      const users = new SessionManager(QA(), { store: harness.open() });
      await withLM(lm, async () => {
        for (const [user, question] of [
          ['carol', 'C1'],
          ['alice', 'A1'],
          ['bob', 'B1'],
          ['alice', 'A2'],
        ] as const) {
          await users.call(user, { question });
        }
      });
      expect(await users.reset('bob')).toBe(true);
      expect(await users.reset('bob')).toBe(false);
      expect(await users.get('bob')).toBeUndefined();
      const examples = await users.toExamples();
      expect(examples.map((ex) => ex.question)).toEqual(['A1', 'A2', 'C1']);
      expect((examples[1]!.history as History).messages).toEqual([{ question: 'A1', answer: 'A:A1' }]);
      expect(examples[1]!.labels().keys()).toEqual(['answer']);
      const some = await users.toExamples(['carol', 'nobody', 'alice'], { includeHistory: false });
      expect(some.map((ex) => ex.question)).toEqual(['C1', 'A1', 'A2']);
      expect(some[0]!.keys()).toEqual(['question', 'answer']);
    });
  });
}
