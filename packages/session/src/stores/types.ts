import type { SessionStateJSON } from './validate.js';

export type { SessionStateJSON, SessionTurnJSON } from './validate.js';

/** What `SessionStore.get` returns for a live (present, unexpired) session. */
export interface StoredSession {
  state: SessionStateJSON;
  /** 1 after the first put, +1 on every put; restarts at 1 after a delete or an expiry. */
  version: number;
}

export interface PutOptions {
  /**
   * Optimistic-concurrency check: the version the caller last read (0 = the id must not exist).
   * A stale value rejects with VersionConflictError and writes nothing. Omitted: write anyway.
   */
  expectedVersion?: number | undefined;
  /** Time to live from this put, in milliseconds. Omitted: the session never expires. */
  ttlMs?: number | undefined;
}

export interface ListOptions {
  /** Literal prefix (no glob or LIKE semantics). */
  prefix?: string | undefined;
}

/**
 * Per-user session state shared across processes and machines.
 * Ids are non-empty strings without NUL; expired ids are missing everywhere.
 */
export interface SessionStore {
  get(id: string): Promise<StoredSession | undefined>;
  /** Resolves to the new version. */
  put(id: string, state: SessionStateJSON, opts?: PutOptions): Promise<number>;
  /** True when a live session was removed. */
  delete(id: string): Promise<boolean>;
  /** Live ids, sorted ascending (UTF-16 code unit order, as `Array.prototype.sort`). */
  list(opts?: ListOptions): Promise<string[]>;
  close(): Promise<void>;
}
