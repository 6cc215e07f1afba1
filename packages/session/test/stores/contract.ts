import { InputError } from '@dspy-ts/core';
import { SessionStateError, VersionConflictError } from '@dspy-ts/session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionStateJSON, SessionStore } from '../../src/stores/types.js';
import { appendTurn, emptyState, stateWith } from './fixtures.js';

/** One isolated backing store (a fresh folder, key prefix, table or map) for one test. */
export interface StoreHarness {
  /** A new client on the same backing data. Each call gives an independent client. */
  open(): SessionStore;
  /** Replaces the stored state of an existing id by `raw` (JSON text), keeping its version. */
  corrupt(id: string, raw: string): Promise<void>;
  /** The raw stored record of an id, to check that it is left untouched. */
  raw(id: string): Promise<string | undefined>;
  /** Closes every opened client and removes the backing data. */
  cleanup(): Promise<void>;
}

/** Ids that must work in every store: separators, dots, globs, LIKE wildcards, case, Unicode, length. */
export const ODD_IDS = [
  '../../etc/passwd',
  '..',
  '.',
  '/absolute/path',
  'a\\b\\..\\..\\c',
  'C:\\Windows\\win.ini',
  'CON',
  'with space',
  'tab\tand\nnewline',
  'Alice',
  'alice',
  '%2e%2e%2f',
  '~hidden',
  'user*',
  'user?[1]',
  'quote\'"',
  'ünïcødé',
  '😀 emoji',
  'x'.repeat(1000),
  'é'.repeat(300),
];

async function expectConflict(
  promise: Promise<unknown>,
  expected: { id: string; expectedVersion: number; actualVersion: number },
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VersionConflictError);
  const conflict = error as VersionConflictError;
  expect({
    id: conflict.id,
    expectedVersion: conflict.expectedVersion,
    actualVersion: conflict.actualVersion,
  }).toEqual(expected);
}

/**
 * The behavior every SessionStore shares (the "Stores" section of the README). `makeHarness` runs before each test.
 */
export function describeStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  options: {
    /** Whether the backend can hold text that is not JSON at all (a jsonb column cannot). */
    storesInvalidJson?: boolean;
  } = {},
): void {
  describe(`${name} (SessionStore contract)`, () => {
    let harness: StoreHarness;
    let store: SessionStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.open();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('returns undefined for an id that was never stored', async () => {
      expect(await store.get('nobody')).toBeUndefined();
    });

    it('creates version 1 on the first put and returns an equal state', async () => {
      const state = stateWith('Q1', 'Q2');
      expect(await store.put('alice', state)).toBe(1);
      expect(await store.get('alice')).toEqual({ state, version: 1 });
    });

    it('bumps the version by one on every put', async () => {
      expect(await store.put('alice', stateWith('Q1'))).toBe(1);
      expect(await store.put('alice', stateWith('Q1', 'Q2'))).toBe(2);
      expect(await store.put('alice', stateWith('Q1', 'Q2', 'Q3'), { expectedVersion: 2 })).toBe(3);
      expect(await store.get('alice')).toEqual({ state: stateWith('Q1', 'Q2', 'Q3'), version: 3 });
    });

    it('creates with expectedVersion 0 and conflicts when the id already exists', async () => {
      expect(await store.put('alice', stateWith('Q1'), { expectedVersion: 0 })).toBe(1);
      await expectConflict(store.put('alice', stateWith('other'), { expectedVersion: 0 }), {
        id: 'alice',
        expectedVersion: 0,
        actualVersion: 1,
      });
      expect(await store.get('alice')).toEqual({ state: stateWith('Q1'), version: 1 });
    });

    it('rejects a stale expectedVersion with VersionConflictError and writes nothing', async () => {
      await store.put('alice', stateWith('Q1'));
      await store.put('alice', stateWith('Q1', 'Q2'));
      await expectConflict(store.put('alice', stateWith('stale'), { expectedVersion: 1 }), {
        id: 'alice',
        expectedVersion: 1,
        actualVersion: 2,
      });
      expect(await store.get('alice')).toEqual({ state: stateWith('Q1', 'Q2'), version: 2 });
    });

    it('treats a non-zero expectedVersion on a missing id as a conflict with actualVersion 0', async () => {
      await expectConflict(store.put('ghost', stateWith('Q1'), { expectedVersion: 3 }), {
        id: 'ghost',
        expectedVersion: 3,
        actualVersion: 0,
      });
      expect(await store.get('ghost')).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('deletes a live session once, after which the id starts again at version 1', async () => {
      await store.put('alice', stateWith('Q1'));
      await store.put('alice', stateWith('Q1', 'Q2'));
      expect(await store.delete('alice')).toBe(true);
      expect(await store.delete('alice')).toBe(false);
      expect(await store.get('alice')).toBeUndefined();
      expect(await store.delete('never-stored')).toBe(false);
      expect(await store.put('alice', stateWith('again'), { expectedVersion: 0 })).toBe(1);
    });

    it('lists live ids sorted ascending', async () => {
      expect(await store.list()).toEqual([]);
      const ids = ['bob', 'alice', 'Zed', 'a/b', 'ä', '😀', 'alice2', 'Alice'];
      for (const id of ids) await store.put(id, emptyState());
      expect(await store.list()).toEqual([...ids].sort());
      await store.delete('bob');
      expect(await store.list()).toEqual(ids.filter((id) => id !== 'bob').sort());
    });

    it('takes list prefixes literally: no glob or LIKE wildcards', async () => {
      const ids = [
        'user:1',
        'user:2',
        'user_1',
        'userX1',
        'user%1',
        'user*',
        'user?',
        'user[1]',
        'user\\1',
        'usr',
      ];
      for (const id of ids) await store.put(id, emptyState());
      expect(await store.list({ prefix: 'user_' })).toEqual(['user_1']);
      expect(await store.list({ prefix: 'user%' })).toEqual(['user%1']);
      expect(await store.list({ prefix: 'user*' })).toEqual(['user*']);
      expect(await store.list({ prefix: 'user?' })).toEqual(['user?']);
      expect(await store.list({ prefix: 'user[' })).toEqual(['user[1]']);
      expect(await store.list({ prefix: 'user\\' })).toEqual(['user\\1']);
      expect(await store.list({ prefix: 'user:' })).toEqual(['user:1', 'user:2']);
      expect(await store.list({ prefix: 'u' })).toEqual([...ids].sort());
      expect(await store.list({ prefix: '' })).toEqual([...ids].sort());
      expect(await store.list({ prefix: 'nobody' })).toEqual([]);
    });

    it('keeps ids with separators, dots, wildcards, case differences and Unicode apart', async () => {
      for (const [i, id] of ODD_IDS.entries()) await store.put(id, stateWith(`Q${i}`));
      expect(await store.list()).toEqual([...ODD_IDS].sort());
      for (const [i, id] of ODD_IDS.entries()) {
        expect((await store.get(id))?.state).toEqual(stateWith(`Q${i}`));
      }
      expect(await store.list({ prefix: '../' })).toEqual(['../../etc/passwd']);
      for (const id of ODD_IDS) expect(await store.delete(id)).toBe(true);
      expect(await store.list()).toEqual([]);
    });

    it('rejects an empty id, a NUL character and lone surrogates with InputError', async () => {
      for (const id of ['', 'a\0b', '\uD800', 'x\uDC00']) {
        await expect(store.get(id)).rejects.toBeInstanceOf(InputError);
        await expect(store.put(id, emptyState())).rejects.toBeInstanceOf(InputError);
        await expect(store.delete(id)).rejects.toBeInstanceOf(InputError);
      }
      await expect(store.get(42 as unknown as string)).rejects.toBeInstanceOf(InputError);
      expect(await store.list()).toEqual([]);
    });

    it('rejects invalid put options with InputError', async () => {
      const bad = [{ expectedVersion: -1 }, { expectedVersion: 1.5 }, { ttlMs: 0 }, { ttlMs: Number.NaN }];
      for (const opts of bad) {
        await expect(store.put('alice', emptyState(), opts)).rejects.toBeInstanceOf(InputError);
      }
      expect(await store.get('alice')).toBeUndefined();
    });

    it('refuses to store a state that is not SessionState.toDict() JSON', async () => {
      const cyclic: Record<string, unknown> = { ...emptyState() };
      cyclic.self = cyclic;
      const bad: unknown[] = [
        { turns: 'nope' },
        { ...emptyState(), version: 2 },
        { ...emptyState(), l2_memory: 5 },
        { ...stateWith('Q1'), turns: [{ index: 0, inputs: {}, outputs: {} }] },
        JSON.parse('{"turns":[],"initial_history":null,"l2_memory":"","node_states":{"__proto__":{"x":1}}}'),
        { ...emptyState(), extra: 10n },
        cyclic,
        'text',
        null,
      ];
      for (const state of bad) {
        await expect(store.put('alice', state as SessionStateJSON)).rejects.toBeInstanceOf(SessionStateError);
      }
      expect(await store.get('alice')).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('stores nested node states and an initial history', async () => {
      const state: SessionStateJSON = {
        ...stateWith('Q1'),
        initial_history: { messages: [{ question: 'seed', answer: 'ok' }] },
        l2_memory: 'remember this',
        node_states: { worker: stateWith('W1', 'W2') },
      };
      await store.put('alice', state);
      expect((await store.get('alice'))?.state).toEqual(state);
    });

    it('returns copies: mutating a got or put state changes nothing stored', async () => {
      const state = stateWith('Q1');
      await store.put('alice', state);
      state.turns[0]!.inputs.question = 'changed';
      const got = await store.get('alice');
      got!.state.turns.push(got!.state.turns[0]!);
      expect((await store.get('alice'))?.state).toEqual(stateWith('Q1'));
    });

    it('raises SessionStateError for a stored state of the wrong shape and leaves it untouched', async () => {
      await store.put('alice', stateWith('Q1'));
      await harness.corrupt('alice', '{"turns":"not a list"}');
      const before = await harness.raw('alice');
      const error = await store.get('alice').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionStateError);
      expect((error as Error).message).toContain('turns');
      expect((error as Error).message).toContain('alice');
      expect(await harness.raw('alice')).toBe(before);
      // A second client sees the same error; the record is still there to repair or delete.
      await expect(harness.open().get('alice')).rejects.toBeInstanceOf(SessionStateError);
      expect(await store.list()).toEqual(['alice']);
      expect(await store.delete('alice')).toBe(true);
      expect(await store.get('alice')).toBeUndefined();
    });

    it('raises SessionStateError for a stored __proto__ key and pollutes nothing', async () => {
      await store.put('alice', stateWith('Q1'));
      const raw = JSON.stringify(stateWith('Q1')).replace(
        '"inputs":{',
        '"inputs":{"__proto__":{"polluted":true},',
      );
      await harness.corrupt('alice', raw);
      const before = await harness.raw('alice');
      await expect(store.get('alice')).rejects.toThrow(/__proto__/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await harness.raw('alice')).toBe(before);
    });

    // A jsonb column cannot hold such text, so that backend has no such test.
    if (options.storesInvalidJson ?? true) {
      it('raises SessionStateError for stored text that is not JSON', async () => {
        await store.put('alice', stateWith('Q1'));
        await harness.corrupt('alice', '{"turns": [tru');
        const before = await harness.raw('alice');
        await expect(store.get('alice')).rejects.toBeInstanceOf(SessionStateError);
        expect(await harness.raw('alice')).toBe(before);
      });
    }

    it('expires sessions after ttlMs: missing from get, list and delete, restarting at version 1', async () => {
      const ttlMs = 1500;
      await store.put('short', stateWith('Q1'), { ttlMs });
      await store.put('short', stateWith('Q1', 'Q2'), { expectedVersion: 1, ttlMs });
      await store.put('gone', stateWith('Q1'), { ttlMs });
      await store.put('renewed', stateWith('Q1'), { ttlMs });
      await store.put('renewed', stateWith('Q1', 'Q2')); // no ttlMs: never expires
      await store.put('kept', stateWith('Q1'));
      expect((await store.get('short'))?.version).toBe(2);
      expect(await store.list()).toEqual(['gone', 'kept', 'renewed', 'short']);

      await vi.waitFor(async () => expect(await store.get('short')).toBeUndefined(), {
        timeout: 10_000,
        interval: 50,
      });
      await vi.waitFor(async () => expect(await store.list()).toEqual(['kept', 'renewed']), {
        timeout: 5_000,
        interval: 50,
      });
      expect(await store.get('gone')).toBeUndefined();
      expect(await store.delete('gone')).toBe(false);
      await expectConflict(store.put('short', stateWith('late'), { expectedVersion: 2 }), {
        id: 'short',
        expectedVersion: 2,
        actualVersion: 0,
      });
      expect(await store.put('short', stateWith('new'), { expectedVersion: 0 })).toBe(1);
      expect(await store.put('gone', stateWith('new'))).toBe(1);
      expect(await store.get('renewed')).toEqual({ state: stateWith('Q1', 'Q2'), version: 2 });
    });

    it('loses and duplicates no turn with 20 concurrent workers on two clients', async () => {
      const clients = [store, harness.open()];
      let conflicts = 0;
      // Every worker reads once before any writes, so conflicts happen however the scheduler runs them.
      let firstReads = 0;
      let allRead: () => void = () => {};
      const barrier = new Promise<void>((resolve) => {
        allRead = resolve;
      });
      const worker = async (n: number): Promise<void> => {
        const client = clients[n % 2]!;
        for (let round = 0; ; round++) {
          const current = await client.get('shared');
          if (round === 0) {
            if (++firstReads === 20) allRead();
            await barrier;
          }
          const next = appendTurn(current?.state ?? emptyState(), `worker-${n}`);
          try {
            await client.put('shared', next, { expectedVersion: current?.version ?? 0 });
            return;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
            conflicts++;
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, (_, n) => worker(n)));
      const final = (await store.get('shared'))!;
      expect(final.version).toBe(20);
      const questions = final.state.turns.map((turn) => turn.inputs.question);
      expect([...questions].sort()).toEqual(Array.from({ length: 20 }, (_, n) => `worker-${n}`).sort());
      expect(final.state.turns.map((turn) => turn.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      // Each snapshot holds exactly the turns before it: no write was based on a stale read.
      final.state.turns.forEach((turn, i) => {
        expect(turn.history_snapshot.messages).toHaveLength(i);
      });
      expect(conflicts).toBeGreaterThan(0);
      expect((await clients[1]!.get('shared'))?.version).toBe(20);
    });

    it('closes, also twice', async () => {
      await store.put('alice', emptyState());
      await store.close();
      await store.close();
    });
  });
}
