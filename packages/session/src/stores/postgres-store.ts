import { ConfigurationError, settings } from '@dspy-ts/core';
import { SessionStateError, VersionConflictError } from '../errors.js';
import { importOptional } from './optional-import.js';
import type { ListOptions, PutOptions, SessionStore, StoredSession } from './types.js';
import {
  assertId,
  checkListPrefix,
  checkPutOptions,
  decodeState,
  encodeState,
  type SessionStateJSON,
  showId,
  sortIds,
} from './validate.js';

/** The part of a `pg` Pool (or Client) the store uses. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface PostgresStoreOptions {
  /** `postgres://...` for a pool the store creates (and ends). Default: `DATABASE_URL`, else libpq's PG* variables. */
  connectionString?: string | undefined;
  /** A `pg` Pool of your own; the store never ends it. */
  pool?: PgQueryable | undefined;
  /** Table name, optionally schema-qualified; created on first use. Default `'dspy_ts_sessions'`. */
  table?: string | undefined;
}

interface Connection {
  db: PgQueryable;
  end: (() => Promise<void>) | undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
// Errors a concurrent CREATE TABLE IF NOT EXISTS raises in the client that lost the race: a
// unique violation on pg_type, "relation already exists" or "type already exists" (all three seen).
const CREATE_RACE_CODES = new Set(['23505', '42P07', '42710']);
const MAX_RACE_RETRIES = 5;

const LIVE = '(expires_at IS NULL OR expires_at > now())';
const EXPIRES = `CASE WHEN $3::bigint IS NULL THEN NULL ELSE now() + $3::bigint * interval '1 millisecond' END`;

const pgCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new ConfigurationError(
      `PostgresStore \`table\` must be a plain identifier or schema.table (letters, digits, _ and $, ` +
        `at most 63 each), got ${JSON.stringify(table)}.`,
    );
  }
  return parts.map((part) => `"${part}"`).join('.');
}

async function openPool(connectionString: string | undefined): Promise<Connection> {
  return importOptional<Connection>(
    'PostgresStore',
    [
      [
        'pg',
        async () => {
          const pg = await import('pg');
          const Pool = (pg.default ?? pg).Pool;
          const pool = new Pool(connectionString === undefined ? {} : { connectionString });
          // An idle client that loses its connection emits 'error'; unhandled, it would crash the process.
          pool.on('error', (error: Error) => settings.logger.warn(`PostgresStore: ${error.message}`));
          return { db: pool, end: () => pool.end() };
        },
      ],
    ],
    'pass `pool` (a pg Pool)',
  );
}

/**
 * A SessionStore in PostgreSQL: one row per id in one table (created on first use) with a
 * `version` column for optimistic concurrency, the state as JSONB and an `expires_at` column.
 * Expiry uses the database clock, so clients on machines with skewed clocks agree.
 *
 * JSONB normalizes object key order and cannot hold the NUL character (`\u0000`) in strings.
 */
export class PostgresStore implements SessionStore {
  readonly table: string;
  readonly #quoted: string;
  readonly #connectionString: string | undefined;
  #connection: Promise<Connection> | undefined;
  #ready: Promise<PgQueryable> | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions = {}) {
    if (options.pool !== undefined && options.connectionString !== undefined) {
      throw new ConfigurationError('PostgresStore takes either `connectionString` or `pool`, not both.');
    }
    this.table = options.table ?? 'dspy_ts_sessions';
    this.#quoted = quoteTable(this.table);
    this.#connectionString = options.connectionString ?? process.env.DATABASE_URL;
    if (options.pool !== undefined) this.#connection = Promise.resolve({ db: options.pool, end: undefined });
  }

  /** The pool, with the table created: once per store, retried after a failure. */
  #db(): Promise<PgQueryable> {
    if (this.#closed) return Promise.reject(new ConfigurationError('This PostgresStore is closed.'));
    if (this.#ready === undefined) {
      const ready = (async () => {
        this.#connection ??= openPool(this.#connectionString);
        const { db } = await this.#connection;
        await this.#createTable(db);
        return db;
      })();
      this.#ready = ready;
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  async #createTable(db: PgQueryable): Promise<void> {
    try {
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${this.#quoted} (
           id text PRIMARY KEY,
           version bigint NOT NULL CHECK (version >= 1),
           state jsonb NOT NULL,
           expires_at timestamptz,
           updated_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    } catch (error) {
      if (!CREATE_RACE_CODES.has(String(pgCode(error)))) throw error;
    }
  }

  async #query<R>(text: string, values: unknown[]): Promise<R[]> {
    const db = await this.#db();
    return (await db.query(text, values)).rows as R[];
  }

  async #liveVersion(id: string): Promise<number> {
    const rows = await this.#query<{ version: string }>(
      `SELECT version FROM ${this.#quoted} WHERE id = $1 AND ${LIVE}`,
      [id],
    );
    return rows[0] === undefined ? 0 : Number(rows[0].version);
  }

  async get(id: string): Promise<StoredSession | undefined> {
    assertId(id);
    const rows = await this.#query<{ version: string; state: string }>(
      `SELECT version, state::text AS state FROM ${this.#quoted} WHERE id = $1 AND ${LIVE}`,
      [id],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const where = `PostgreSQL table ${this.table}`;
    return { state: decodeState(id, where, row.state), version: Number(row.version) };
  }

  async put(id: string, state: SessionStateJSON, opts?: PutOptions): Promise<number> {
    assertId(id);
    const { expectedVersion, ttlMs } = checkPutOptions(opts);
    const text = encodeState(id, state);
    const values: unknown[] = [id, text, ttlMs ?? null];
    let sql: string;
    if (expectedVersion === undefined) {
      sql = `INSERT INTO ${this.#quoted} AS s (id, version, state, expires_at) VALUES ($1, 1, $2::jsonb, ${EXPIRES})
             ON CONFLICT (id) DO UPDATE SET
               version = CASE WHEN s.expires_at IS NOT NULL AND s.expires_at <= now() THEN 1 ELSE s.version + 1 END,
               state = EXCLUDED.state, expires_at = EXCLUDED.expires_at, updated_at = now()
             RETURNING version`;
    } else if (expectedVersion === 0) {
      // Must not exist yet; an expired row counts as missing and is replaced, starting again at 1.
      sql = `INSERT INTO ${this.#quoted} AS s (id, version, state, expires_at) VALUES ($1, 1, $2::jsonb, ${EXPIRES})
             ON CONFLICT (id) DO UPDATE SET
               version = 1, state = EXCLUDED.state, expires_at = EXCLUDED.expires_at, updated_at = now()
             WHERE s.expires_at IS NOT NULL AND s.expires_at <= now()
             RETURNING version`;
    } else {
      sql = `UPDATE ${this.#quoted} SET version = version + 1, state = $2::jsonb, expires_at = ${EXPIRES},
               updated_at = now()
             WHERE id = $1 AND version = $4 AND ${LIVE}
             RETURNING version`;
      values.push(expectedVersion);
    }
    for (let attempt = 0; ; attempt++) {
      let rows: Array<{ version: string }>;
      try {
        rows = await this.#query<{ version: string }>(sql, values);
      } catch (error) {
        // 22P05: jsonb has no representation for \u0000 in strings.
        if (pgCode(error) === '22P05') {
          throw new SessionStateError(
            `Cannot store session ${showId(id)} in PostgreSQL: ${(error as Error).message}. ` +
              'JSONB cannot hold the NUL character (\\u0000): remove it from the inputs/outputs.',
            { cause: error },
          );
        }
        throw error;
      }
      if (rows[0] !== undefined) return Number(rows[0].version);
      const actualVersion = await this.#liveVersion(id);
      // The row changed between the two statements so that the check would now pass: try again.
      if (actualVersion === expectedVersion && attempt < MAX_RACE_RETRIES) continue;
      throw new VersionConflictError({ id, expectedVersion: expectedVersion ?? 0, actualVersion });
    }
  }

  async delete(id: string): Promise<boolean> {
    assertId(id);
    const rows = await this.#query<{ live: boolean }>(
      `DELETE FROM ${this.#quoted} WHERE id = $1 RETURNING ${LIVE} AS live`,
      [id],
    );
    return rows[0]?.live === true;
  }

  async list(opts?: ListOptions): Promise<string[]> {
    const prefix = checkListPrefix(opts);
    // A NUL cannot occur in an id (and PostgreSQL text cannot carry it).
    if (prefix?.includes('\0')) return [];
    const rows = await this.#query<{ id: string }>(
      `SELECT id FROM ${this.#quoted} WHERE ${LIVE} AND ($1::text IS NULL OR starts_with(id, $1::text))`,
      [prefix ?? null],
    );
    return sortIds(rows.map((row) => row.id));
  }

  /**
   * Deletes the rows of expired sessions (they are already invisible; this frees the space).
   * Resolves to the number of rows removed.
   */
  async purgeExpired(): Promise<number> {
    const rows = await this.#query<{ id: string }>(
      `DELETE FROM ${this.#quoted} WHERE expires_at IS NOT NULL AND expires_at <= now() RETURNING id`,
      [],
    );
    return rows.length;
  }

  /** Ends the pool the store created; a pool passed in stays open (its owner ends it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = await this.#connection?.catch(() => undefined);
    await connection?.end?.();
  }
}
