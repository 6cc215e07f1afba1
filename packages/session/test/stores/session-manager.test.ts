import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, History, InputError, Module, Prediction } from '@dspy-ts/core';
import { VersionConflictError } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/stores/file-store.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { SessionManager } from '../../src/stores/session-manager.js';
import type { PutOptions, SessionStateJSON, SessionStore } from '../../src/stores/types.js';
import { echoLM, QA, withLM } from './manager-contract.js';

/** A MemoryStore whose put can run something first (e.g. another writer), and that counts puts. */
class HookedStore extends MemoryStore {
  puts: PutOptions[] = [];
  beforePut: (() => Promise<void>) | undefined;

  override async put(id: string, state: SessionStateJSON, opts?: PutOptions): Promise<number> {
    this.puts.push({ ...opts });
    const hook = this.beforePut;
    this.beforePut = undefined;
    await hook?.();
    return super.put(id, state, opts);
  }
}

const questions = (state: { turns: readonly { inputs: Readonly<Record<string, unknown>> }[] } | undefined) =>
  state?.turns.map((turn) => turn.inputs.question);

describe('SessionManager', () => {
  it('appends the computed turn onto the newer state after a conflict, keeping the history it saw', async () => {
    const lm = echoLM();
    const store = new HookedStore();
    const users = new SessionManager(QA(), { store });
    const other = new SessionManager(QA(), { store: new MemoryStore() });
    await withLM(lm, async () => {
      await users.call('alice', { question: 'Q1' });
      // Another process saves Q3 for Alice while this one is computing Q2.
      store.beforePut = async () => {
        const state = (await users.get('alice'))!;
        await other.session.useState(state, () => other.session.call({ question: 'Q3' }));
        await MemoryStore.prototype.put.call(store, 'alice', state.toDict(), { expectedVersion: 1 });
      };
      await users.call('alice', { question: 'Q2' });
    });
    expect(lm.requests).toHaveLength(3);
    const alice = (await users.get('alice'))!;
    expect(alice.turns.map((turn) => [turn.index, turn.inputs.question])).toEqual([
      [0, 'Q1'],
      [1, 'Q3'],
      [2, 'Q2'],
    ]);
    expect(alice.turns[2]!.historySnapshot.messages).toEqual([{ question: 'Q1', answer: 'A:Q1' }]);
    expect((await store.get('alice'))!.version).toBe(3);
  });

  it('gives up with VersionConflictError after maxConflictRetries, having called the LM once', async () => {
    const lm = echoLM();
    const conflicting: SessionStore = {
      get: async () => undefined,
      put: async (id) => {
        throw new VersionConflictError({ id, expectedVersion: 0, actualVersion: 1 });
      },
      delete: async () => false,
      list: async () => [],
      close: async () => {},
    };
    let puts = 0;
    const counted: SessionStore = {
      ...conflicting,
      put: (...args) => {
        puts++;
        return conflicting.put(...args);
      },
    };
    const users = new SessionManager(QA(), { store: counted, maxConflictRetries: 2 });
    await expect(withLM(lm, () => users.call('alice', { question: 'Q1' }))).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect(puts).toBe(3);
    expect(lm.requests).toHaveLength(1);
  });

  it('saves nothing for a pass-through call (explicit history under the override policy)', async () => {
    const store = new HookedStore();
    const users = new SessionManager(QA(), { store });
    const result = await withLM(echoLM(), () =>
      users.call('alice', { question: 'Q1', history: new History([{ question: 'Q0', answer: 'A0' }]) }),
    );
    expect(result.answer).toBe('A:Q1');
    expect(store.puts).toEqual([]);
    expect(await users.get('alice')).toBeUndefined();
  });

  it('applies ttlMs on every save', async () => {
    const store = new HookedStore();
    const users = new SessionManager(QA(), { store, ttlMs: 60_000 });
    await withLM(echoLM(), async () => {
      await users.call('alice', { question: 'Q1' });
      await users.call('alice', { question: 'Q2' });
    });
    expect(store.puts).toEqual([
      { expectedVersion: 0, ttlMs: 60_000 },
      { expectedVersion: 1, ttlMs: 60_000 },
    ]);
  });

  it('starts new users from the initialHistory option', async () => {
    const seed = new History([{ question: 'Hi', answer: 'Hello' }]);
    const users = new SessionManager(QA(), { store: new MemoryStore(), initialHistory: seed });
    await withLM(echoLM(), () => users.call('alice', { question: 'Q1' }));
    const alice = (await users.get('alice'))!;
    expect(alice.turns[0]!.historySnapshot.messages).toEqual([{ question: 'Hi', answer: 'Hello' }]);
  });

  it('replays replace_session after a conflict: new seed, earlier turns dropped', async () => {
    const store = new HookedStore();
    const users = new SessionManager(QA(), { store, historyPolicy: 'replace_session' });
    const seed = new History([{ question: 'S', answer: 'seed' }]);
    await withLM(echoLM(), async () => {
      await users.call('alice', { question: 'Q1' });
      store.beforePut = async () => {
        await users.call('alice', { question: 'Q3' });
      };
      await users.call('alice', { question: 'Q2', history: seed });
    });
    const alice = (await users.get('alice'))!;
    expect(questions(alice)).toEqual(['Q2']);
    expect(alice.initialHistory?.messages).toEqual(seed.messages);
    expect(alice.turns[0]!.historySnapshot.messages).toEqual(seed.messages);
  });

  it('keeps the maxStoredTurns cap and index rule when replaying a turn', async () => {
    const store = new HookedStore();
    const users = new SessionManager(QA(), { store, maxStoredTurns: 2 });
    await withLM(echoLM(), async () => {
      await users.call('alice', { question: 'Q1' });
      await users.call('alice', { question: 'Q2' });
      store.beforePut = async () => {
        await users.call('alice', { question: 'Q4' });
      };
      await users.call('alice', { question: 'Q3' });
    });
    const alice = (await users.get('alice'))!;
    expect(alice.turns.map((turn) => [turn.index, turn.inputs.question])).toEqual([
      [2, 'Q4'],
      [3, 'Q3'],
    ]);
  });

  it('saves the new seed of a replace_session call whose module throws, and rethrows', async () => {
    class Failing extends Module {
      override async forward(): Promise<Prediction> {
        throw new Error('boom');
      }
    }
    const store = new MemoryStore();
    const users = new SessionManager(new Failing(), { store, historyPolicy: 'replace_session' });
    const seed = new History([{ question: 'S', answer: 'seed' }]);
    await expect(users.call('alice', { question: 'Q', history: seed })).rejects.toThrow('boom');
    expect((await users.get('alice'))?.initialHistory?.messages).toEqual(seed.messages);
    await expect(users.call('bob', { question: 'Q' })).rejects.toThrow('boom');
    expect(await users.get('bob')).toBeUndefined();
  });

  it('works with a program that is not a Predict', async () => {
    class Echo extends Module {
      override async forward(inputs: Record<string, unknown>): Promise<Prediction> {
        const history = inputs.history as History;
        return new Prediction({ answer: `${inputs.question} after ${history.messages.length}` });
      }
    }
    const users = new SessionManager(new Echo(), { store: new MemoryStore() });
    await users.call('alice', { question: 'Q1' });
    const second = await users.call('alice', { question: 'Q2' });
    expect((second as Prediction).answer).toBe('Q2 after 1');
  });

  it('queues 50 concurrent calls for one user on a FileStore: every turn stored, in call order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-manager-'));
    try {
      const lm = echoLM();
      const users = new SessionManager(QA(), { store: new FileStore({ dir }) });
      const results = await withLM(lm, () =>
        Promise.allSettled(Array.from({ length: 50 }, (_, n) => users.call('alice', { question: `q${n}` }))),
      );
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(lm.requests).toHaveLength(50);
      const alice = (await users.get('alice'))!;
      expect(questions(alice)).toEqual(Array.from({ length: 50 }, (_, n) => `q${n}`));
      // Each call saw the turns queued before it, as in a conversation.
      expect(alice.turns.map((turn) => turn.historySnapshot.messages.length)).toEqual(
        Array.from({ length: 50 }, (_, n) => n),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs calls for different users side by side', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    class Gated extends Module {
      override async forward(inputs: Record<string, unknown>): Promise<Prediction> {
        if (inputs.question === 'wait') await gate;
        return new Prediction({ answer: 'ok' });
      }
    }
    const users = new SessionManager(new Gated(), { store: new MemoryStore() });
    const waiting = users.call('alice', { question: 'wait' });
    await users.call('bob', { question: 'go' });
    release();
    await waiting;
    expect(questions(await users.get('alice'))).toEqual(['wait']);
  });

  it('keeps retrying a conflict for conflictTimeoutMs, not a fixed count', async () => {
    let conflicts = 0;
    const store = new MemoryStore();
    const flaky: SessionStore = {
      get: (id) => store.get(id),
      put: async (id, state, opts) => {
        // Another process wins the first 12 saves (more than the old fixed count of 10).
        if (++conflicts <= 12) throw new VersionConflictError({ id, expectedVersion: 0, actualVersion: 1 });
        return store.put(id, state, opts);
      },
      delete: (id) => store.delete(id),
      list: (opts) => store.list(opts),
      close: async () => {},
    };
    const users = new SessionManager(QA(), { store: flaky });
    await withLM(echoLM(), () => users.call('alice', { question: 'Q1' }));
    expect(questions(await users.get('alice'))).toEqual(['Q1']);
  });

  it('validates its options and user ids', async () => {
    const store = new MemoryStore();
    expect(() => new SessionManager(QA(), {} as never)).toThrow(ConfigurationError);
    expect(() => new SessionManager(QA(), { store: {} as never })).toThrow(ConfigurationError);
    expect(() => new SessionManager(QA(), { store, maxConflictRetries: -1 })).toThrow(ConfigurationError);
    expect(() => new SessionManager(QA(), { store, conflictTimeoutMs: -1 })).toThrow(ConfigurationError);
    expect(() => new SessionManager(QA(), { store, ttlMs: 0 })).toThrow(ConfigurationError);
    expect(() => new SessionManager(QA(), { store, max_turns: 3 } as never)).toThrow(ConfigurationError);
    const users = new SessionManager(QA(), { store });
    await expect(users.call('', { question: 'Q' })).rejects.toBeInstanceOf(InputError);
    await expect(users.get('a\0b')).rejects.toBeInstanceOf(InputError);
    await expect(users.toExamples('alice' as never)).rejects.toBeInstanceOf(InputError);
  });
});
