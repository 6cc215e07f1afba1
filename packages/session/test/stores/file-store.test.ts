import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@dspy-ts/core';
import { SessionStateError } from '@dspy-ts/session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { takeOverDeadLock } from '../../src/stores/file-lock.js';
import { fileStemForId, idForFileStem } from '../../src/stores/file-names.js';
import { FileStore } from '../../src/stores/file-store.js';
import type { SessionStore } from '../../src/stores/types.js';
import { describeStoreContract, ODD_IDS, type StoreHarness } from './contract.js';
import { emptyState, stateWith } from './fixtures.js';
import { describeSessionManagerContract } from './manager-contract.js';

/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

const SAFE_NAME = /^(?:(?:[a-z0-9_-]|%[0-9a-f]{2})+|~[0-9a-f]{64})\.json$/;

const fileHarness = async (): Promise<StoreHarness> => {
  const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-filestore-'));
  const path = (id: string) => join(dir, `${fileStemForId(id)}.json`);
  return {
    open: () => new FileStore({ dir }),
    corrupt: async (id, raw) => {
      const envelope = JSON.parse(await readFile(path(id), 'utf8')) as Record<string, unknown>;
      const text = JSON.stringify({ ...envelope, state: '<state>' });
      await writeFile(path(id), text.replace('"<state>"', raw));
    },
    raw: async (id) => readFile(path(id), 'utf8').catch(() => undefined),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};

describeStoreContract('FileStore', fileHarness);
describeSessionManagerContract('FileStore', fileHarness);

describe('FileStore', () => {
  let root: string;
  let dir: string;
  let store: SessionStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dspy-ts-filestore-'));
    dir = join(root, 'sessions', 'nested');
    store = new FileStore({ dir });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates its folder', () => {
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('needs a dir', () => {
    expect(() => new FileStore({ dir: '' })).toThrow(ConfigurationError);
    expect(() => new FileStore(undefined as unknown as { dir: string })).toThrow(ConfigurationError);
  });

  it('keeps every id inside its folder, one safe file name per id', async () => {
    mkdirSync(join(root, 'etc'));
    for (const id of ODD_IDS) await store.put(id, stateWith(id.slice(0, 10)));
    expect(readdirSync(root).sort()).toEqual(['etc', 'sessions']);
    expect(readdirSync(join(root, 'etc'))).toEqual([]);
    expect(readdirSync(join(root, 'sessions'))).toEqual(['nested']);
    const names = readdirSync(dir);
    expect(names).toHaveLength(ODD_IDS.length);
    for (const name of names) expect(name).toMatch(SAFE_NAME);
    for (const name of names) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(210);
  });

  it('maps ids to reversible names that differ by more than letter case', () => {
    for (const id of ODD_IDS) {
      const stem = fileStemForId(id);
      expect(idForFileStem(stem)).toBe(stem.startsWith('~') ? null : id);
    }
    expect(fileStemForId('Alice')).toBe('%41lice');
    expect(fileStemForId('alice')).toBe('alice');
    expect(fileStemForId('../x')).toBe('%2e%2e%2fx');
    expect(fileStemForId('x'.repeat(1000))).toMatch(/^~[0-9a-f]{64}$/);
    // Names this store did not write are not ids.
    expect(idForFileStem('%41')).toBe('A');
    for (const stem of ['%4A', 'A', 'a%2', '%ff', '%61', 'a.b', ''])
      expect(idForFileStem(stem)).toBeUndefined();
  });

  it('ignores foreign files, temp files and lock folders in list()', async () => {
    await store.put('alice', emptyState());
    await writeFile(join(dir, 'README.md'), 'hello');
    await writeFile(join(dir, 'Alice.json'), '{}');
    await writeFile(join(dir, 'alice.json.1a2b3c'), 'partial');
    mkdirSync(join(dir, 'bob.json.lock'));
    expect(await store.list()).toEqual(['alice']);
  });

  it('leaves no temp or lock files behind after concurrent writes', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, n) => store.put(`user-${n % 3}`, stateWith(`Q${n}`))));
    expect(readdirSync(dir).sort()).toEqual(['user-0.json', 'user-1.json', 'user-2.json']);
  });

  it('takes over a lock left by a crashed process once it is stale', async () => {
    const lock = join(dir, 'alice.json.lock');
    mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const stale = new FileStore({ dir, lockStaleMs: 2_000 });
    expect(await stale.put('alice', stateWith('Q1'))).toBe(1);
    expect(readdirSync(dir)).toEqual(['alice.json']);
  });

  it('takes over at once the lock of a process of this host that died holding it', async () => {
    const lock = join(dir, 'alice.json.lock');
    mkdirSync(lock);
    const { ino, birthtimeMs } = statSync(lock);
    const dead = deadPid();
    writeFileSync(`${lock}.owner`, JSON.stringify({ pid: dead, host: hostname(), ino, born: birthtimeMs }));
    // A fresh lock with a minute of stale time: only the dead pid lets the write through.
    const patient = new FileStore({ dir, lockStaleMs: 60_000 });
    expect(await patient.put('alice', stateWith('Q1'))).toBe(1);
    expect(readdirSync(dir)).toEqual(['alice.json']);
  });

  it.each([
    ['names an older lock folder', (ino: number) => ({ pid: deadPid(), ino: ino + 1 })],
    ['names a live process', (ino: number) => ({ pid: process.pid, ino })],
  ])('leaves a lock alone when its owner record %s', async (_name, record) => {
    const lock = join(dir, 'alice.json.lock');
    mkdirSync(lock);
    const { ino, birthtimeMs } = statSync(lock);
    const owner = { host: hostname(), born: birthtimeMs, ...record(ino) };
    writeFileSync(`${lock}.owner`, JSON.stringify(owner));
    expect(await takeOverDeadLock(lock)).toBe(false);
    expect(statSync(lock).isDirectory()).toBe(true);
  });

  it('removes temp files that a write cut short by a crash left behind, keeping fresh ones', async () => {
    await store.put('alice', stateWith('Q1'));
    const stale = join(dir, 'alice.json.123456789');
    const fresh = join(dir, 'bob.json.987654321');
    writeFileSync(stale, '{"format":"dspy-ts/sess');
    writeFileSync(fresh, '{"format":"dspy-ts/sess');
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(stale, old, old);
    await new FileStore({ dir }).put('carol', stateWith('Q1'));
    expect(readdirSync(dir).sort()).toEqual(['alice.json', 'bob.json.987654321', 'carol.json']);
  });

  it('refuses to overwrite a file whose version cannot be read', async () => {
    await store.put('alice', stateWith('Q1'));
    await writeFile(join(dir, 'alice.json'), 'garbage');
    await expect(store.put('alice', stateWith('Q2'))).rejects.toBeInstanceOf(SessionStateError);
    expect(await readFile(join(dir, 'alice.json'), 'utf8')).toBe('garbage');
  });

  it('reports a file that holds another id as corrupt', async () => {
    await store.put('alice', stateWith('Q1'));
    await store.put('bob', stateWith('Q2'));
    await writeFile(join(dir, 'alice.json'), await readFile(join(dir, 'bob.json')));
    await expect(store.get('alice')).rejects.toThrow(/belongs to session "bob"/);
  });

  it('purges the files of expired sessions only', async () => {
    const fileStore = store as FileStore;
    await fileStore.put('old', stateWith('Q1'), { ttlMs: 1500 });
    await fileStore.put('kept', stateWith('Q1'));
    await fileStore.put('later', stateWith('Q1'), { ttlMs: 60_000 });
    expect(await fileStore.purgeExpired()).toBe(0);
    await vi.waitFor(async () => expect(await fileStore.get('old')).toBeUndefined(), { timeout: 5_000 });
    expect(await fileStore.purgeExpired()).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['kept.json', 'later.json']);
  });

  it('writes the version and expiry next to the state, as plain JSON', async () => {
    await store.put('alice', stateWith('Q1'), { ttlMs: 60_000 });
    const file = JSON.parse(await readFile(join(dir, 'alice.json'), 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ format: 'dspy-ts/session-store', id: 'alice', version: 1 });
    expect(file.expires_at).toBeGreaterThan(Date.now());
    expect(file.state).toEqual(stateWith('Q1'));
  });
});
