import { VersionConflictError } from '../errors.js';
import type { ListOptions, PutOptions, SessionStore, StoredSession } from './types.js';
import {
  assertId,
  checkListPrefix,
  checkPutOptions,
  decodeState,
  encodeState,
  type SessionStateJSON,
  sortIds,
} from './validate.js';

/** One stored session of a MemoryStore. The state is kept as JSON text, like the other stores. */
export interface MemoryRecord {
  text: string;
  version: number;
  /** Epoch milliseconds, or undefined for no expiry. */
  expiresAt: number | undefined;
}

export interface MemoryStoreOptions {
  /**
   * The backing map. Pass one map to several MemoryStores to give them a shared store (handy in
   * tests that simulate several clients). Default: a new map.
   */
  data?: Map<string, MemoryRecord> | undefined;
}

/**
 * A SessionStore in this process's memory: for tests and single-process apps. States are stored
 * as JSON text, so what `get` returns never aliases what was `put`.
 */
export class MemoryStore implements SessionStore {
  readonly #data: Map<string, MemoryRecord>;

  constructor(options: MemoryStoreOptions = {}) {
    this.#data = options.data ?? new Map();
  }

  /** The live record for `id`; an expired one is dropped. */
  #live(id: string): MemoryRecord | undefined {
    const record = this.#data.get(id);
    if (record?.expiresAt !== undefined && record.expiresAt <= Date.now()) {
      this.#data.delete(id);
      return undefined;
    }
    return record;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    assertId(id);
    const record = this.#live(id);
    if (record === undefined) return undefined;
    return { state: decodeState(id, 'MemoryStore', record.text), version: record.version };
  }

  async put(id: string, state: SessionStateJSON, opts?: PutOptions): Promise<number> {
    assertId(id);
    const { expectedVersion, ttlMs } = checkPutOptions(opts);
    const text = encodeState(id, state);
    // Check and write in one synchronous step: nothing can interleave.
    const actualVersion = this.#live(id)?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== actualVersion) {
      throw new VersionConflictError({ id, expectedVersion, actualVersion });
    }
    const version = actualVersion + 1;
    this.#data.set(id, { text, version, expiresAt: ttlMs === undefined ? undefined : Date.now() + ttlMs });
    return version;
  }

  async delete(id: string): Promise<boolean> {
    assertId(id);
    const live = this.#live(id) !== undefined;
    this.#data.delete(id);
    return live;
  }

  async list(opts?: ListOptions): Promise<string[]> {
    const prefix = checkListPrefix(opts);
    const ids: string[] = [];
    for (const id of [...this.#data.keys()]) {
      if ((prefix === undefined || id.startsWith(prefix)) && this.#live(id) !== undefined) ids.push(id);
    }
    return sortIds(ids);
  }

  async close(): Promise<void> {}
}
