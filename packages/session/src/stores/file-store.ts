import { mkdirSync } from 'node:fs';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWriteFile, ConfigurationError, settings, VersionConflictError } from '@dspy-ts/core';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
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
   * A lock left by a crashed process is taken over after this many milliseconds
   * (default 10000, at least 2000; a live holder keeps its lock fresh).
   */
  lockStaleMs?: number | undefined;
}

const FORMAT = 'dspy-ts/session-store';
const EXTENSION = '.json';

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
    const release = await lockfile.lock(path, {
      realpath: false,
      stale: this.#lockStaleMs,
      retries: { retries: 1000, factor: 1.2, minTimeout: 2, maxTimeout: 50, randomize: true },
      onCompromised: (error) => {
        settings.logger.warn(`FileStore: the lock on ${path} was compromised: ${error.message}`);
      },
    });
    try {
      return await fn();
    } finally {
      await release().catch(() => {});
    }
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

  async list(opts?: ListOptions): Promise<string[]> {
    const prefix = checkListPrefix(opts);
    const names = await readdir(this.dir);
    const ids = await Promise.all(
      names.map(async (name): Promise<string | undefined> => {
        if (!name.endsWith(EXTENSION)) return undefined;
        const fromName = idForFileStem(name.slice(0, -EXTENSION.length));
        if (fromName === undefined) return undefined;
        if (fromName !== null && prefix !== undefined && !fromName.startsWith(prefix)) return undefined;
        const result = await this.#read(join(this.dir, name));
        if (result.kind === 'missing') return undefined;
        // A corrupt file stays listed (get() then reports it) when its name tells the id.
        if (result.kind === 'corrupt') return fromName ?? undefined;
        if (isExpired(result.envelope)) return undefined;
        const id = fromName ?? result.envelope.id;
        if (fromName === null && `${fileStemForId(id)}${EXTENSION}` !== name) return undefined;
        return prefix === undefined || id.startsWith(prefix) ? id : undefined;
      }),
    );
    return sortIds(ids.filter((id): id is string => id !== undefined));
  }

  async close(): Promise<void> {}
}
