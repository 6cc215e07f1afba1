import { mkdirSync } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '@dspy-ts/core';
import { atomicWriteFile } from '@dspy-ts/core/internal';
import { z } from 'zod';
import { VersionConflictError } from '../errors.js';
import { withFileLock } from './file-lock.js';
import { fileStemForId, idForFileStem } from './file-names.js';
import type { ListOptions, PutOptions, SessionStore, StoredSession } from './types.js';
import {
  assertId,
  checkListPrefix,
  checkPutOptions,
  corruptStateError,
  decodeState,
  encodeState,
  type SessionStateJSON,
  showId,
  sortIds,
} from './validate.js';

export interface FileStoreOptions {
  /** Folder holding one `<encoded id>.json` file per session; created when missing. */
  dir: string;
  /**
   * A lock left by a crashed process is taken over at once when that process ran on this host
   * (its pid is gone), else after this many milliseconds (default 10000, at least 2000; a live
   * holder keeps its lock fresh).
   */
  lockStaleMs?: number | undefined;
}

const FORMAT = 'dspy-ts/session-store';
const EXTENSION = '.json';
// write-file-atomic's temp name: the target name, a dot, a 32-bit number.
const TEMP_FILE = /\.json\.\d+$/;
// Files read at once by list(): enough to overlap I/O, few enough to stay clear of EMFILE.
const READ_CONCURRENCY = 32;

// The envelope around the state: the version lives in the file, next to the expiry.
const envelopeSchema = z.object({
  format: z.literal(FORMAT),
  id: z.string(),
  version: z.number().int().min(1),
  expires_at: z.number().nullable(),
  state: z.unknown(),
});
type Envelope = z.infer<typeof envelopeSchema>;

type ReadResult =
  | { kind: 'missing' }
  | { kind: 'ok'; envelope: Envelope }
  | { kind: 'corrupt'; problem: string; cause?: unknown };

const isExpired = (envelope: Envelope): boolean =>
  envelope.expires_at !== null && envelope.expires_at <= Date.now();

/**
 * The embedded default store: one JSON file per session in `dir`. Writes are atomic (temp file +
 * rename), and a lock file serializes the version check across processes sharing the folder
 * (also over a network file system with working mkdir atomicity).
 */
export class FileStore implements SessionStore {
  readonly dir: string;
  readonly #lockStaleMs: number;
  #sweep: Promise<void> | undefined;

  constructor(options: FileStoreOptions) {
    if (options === null || typeof options !== 'object' || typeof options.dir !== 'string' || !options.dir) {
      throw new ConfigurationError(
        "FileStore needs a folder: new FileStore({ dir: '.sessions' }). `dir` must be a non-empty string.",
      );
    }
    this.dir = resolve(options.dir);
    this.#lockStaleMs = options.lockStaleMs ?? 10_000;
    mkdirSync(this.dir, { recursive: true });
  }

  #path(id: string): string {
    return join(this.dir, `${fileStemForId(id)}${EXTENSION}`);
  }

  async #read(path: string): Promise<ReadResult> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { kind: 'corrupt', problem: `not valid JSON: ${(error as Error).message}`, cause: error };
    }
    const parsed = envelopeSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { kind: 'corrupt', problem: `${issue.message} at ${issue.path.join('.') || '(root)'}` };
    }
    return { kind: 'ok', envelope: parsed.data };
  }

  /** The envelope of a live session, undefined when missing or expired; throws when unreadable. */
  async #readLive(id: string, path: string): Promise<Envelope | undefined> {
    const result = await this.#read(path);
    if (result.kind === 'missing') return undefined;
    if (result.kind === 'corrupt') throw corruptStateError(id, path, result.problem, result.cause);
    if (result.envelope.id !== id) {
      throw corruptStateError(id, path, `the file belongs to session ${showId(result.envelope.id)}`);
    }
    return isExpired(result.envelope) ? undefined : result.envelope;
  }

  async #withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
    this.#sweep ??= this.#removeStaleTemps();
    await this.#sweep;
    return withFileLock(path, this.#lockStaleMs, fn);
  }

  /**
   * Deletes the temp files (`<name>.json.<digits>`) of writes that a crash cut short between
   * write and rename. Runs once per store, before its first write; a temp file is old enough to
   * be dead when no live write takes that long (the lock's stale time).
   */
  async #removeStaleTemps(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const cutoff = Date.now() - Math.max(this.#lockStaleMs, 60_000);
    await Promise.all(
      names
        .filter((name) => TEMP_FILE.test(name))
        .map(async (name) => {
          const path = join(this.dir, name);
          const info = await stat(path).catch(() => undefined);
          if (info?.isFile() && info.mtimeMs < cutoff) await unlink(path).catch(() => undefined);
        }),
    );
  }

  async get(id: string): Promise<StoredSession | undefined> {
    assertId(id);
    const path = this.#path(id);
    const envelope = await this.#readLive(id, path);
    if (envelope === undefined) return undefined;
    return { state: decodeState(id, path, envelope.state), version: envelope.version };
  }

  async put(id: string, state: SessionStateJSON, opts?: PutOptions): Promise<number> {
    assertId(id);
    const { expectedVersion, ttlMs } = checkPutOptions(opts);
    const stateText = encodeState(id, state);
    const path = this.#path(id);
    return this.#withLock(path, async () => {
      // An unreadable file has no version to check against: refuse rather than overwrite it.
      const actualVersion = (await this.#readLive(id, path))?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== actualVersion) {
        throw new VersionConflictError({ id, expectedVersion, actualVersion });
      }
      const version = actualVersion + 1;
      const expiresAt = ttlMs === undefined ? null : Date.now() + ttlMs;
      await atomicWriteFile(
        path,
        `{"format":${JSON.stringify(FORMAT)},"id":${JSON.stringify(id)},"version":${version},` +
          `"expires_at":${expiresAt},"state":${stateText}}\n`,
      );
      return version;
    });
  }

  async delete(id: string): Promise<boolean> {
    assertId(id);
    const path = this.#path(id);
    return this.#withLock(path, async () => {
      const result = await this.#read(path);
      if (result.kind === 'missing') return false;
      await unlink(path);
      // A corrupt file counts as present: deleting it is how a caller repairs the store.
      return result.kind === 'corrupt' || !isExpired(result.envelope);
    });
  }

  /**
   * The session files of the folder with their ids (from the name, else from the file) and
   * contents, reading at most READ_CONCURRENCY files at a time. Ids outside `prefix` are not read.
   */
  async #scan(prefix: string | undefined): Promise<Array<{ id: string; path: string; result: ReadResult }>> {
    const names = (await readdir(this.dir)).filter((name) => name.endsWith(EXTENSION));
    const found: Array<{ id: string; path: string; result: ReadResult }> = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++]!;
        const fromName = idForFileStem(name.slice(0, -EXTENSION.length));
        if (fromName === undefined) continue;
        if (fromName !== null && prefix !== undefined && !fromName.startsWith(prefix)) continue;
        const path = join(this.dir, name);
        const result = await this.#read(path);
        if (result.kind === 'missing') continue;
        // A hashed name tells no id: take it from the file, if the file is readable and is really that id's.
        let id = fromName;
        if (id === null) {
          if (result.kind !== 'ok' || `${fileStemForId(result.envelope.id)}${EXTENSION}` !== name) continue;
          id = result.envelope.id;
          if (prefix !== undefined && !id.startsWith(prefix)) continue;
        }
        found.push({ id, path, result });
      }
    };
    await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
    return found;
  }

  async list(opts?: ListOptions): Promise<string[]> {
    const prefix = checkListPrefix(opts);
    const entries = await this.#scan(prefix);
    // A corrupt file stays listed (get() then reports it): it exists, and can be deleted.
    return sortIds(
      entries.filter(({ result }) => result.kind !== 'ok' || !isExpired(result.envelope)).map((e) => e.id),
    );
  }

  /**
   * Deletes the files of expired sessions (they are already invisible; this frees the disk) and
   * the temp files of crashed writes.
   * Resolves to the number of files removed. Safe to run while other processes use the folder.
   */
  async purgeExpired(): Promise<number> {
    await this.#removeStaleTemps();
    let removed = 0;
    for (const { path, result } of await this.#scan(undefined)) {
      if (result.kind !== 'ok' || !isExpired(result.envelope)) continue;
      await this.#withLock(path, async () => {
        // Re-read under the lock: another process may have renewed the session meanwhile.
        const current = await this.#read(path);
        if (current.kind === 'ok' && isExpired(current.envelope)) {
          await unlink(path);
          removed++;
        }
      });
    }
    return removed;
  }

  async close(): Promise<void> {}
}
