import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '@dspy-ts/core';
import { SessionStateError } from '@dspy-ts/session';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/stores/postgres-store.js';
import { describeStoreContract, type StoreHarness } from './contract.js';
import { stateWith } from './fixtures.js';
import { describeSessionManagerContract } from './manager-contract.js';
import { usePostgres } from './services.js';

const postgres = usePostgres();
const tableName = () => `t_${randomUUID().replaceAll('-', '')}`;

describe.skipIf(!postgres.available)('PostgresStore', () => {
  let admin: pg.Pool;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: postgres.current.connectionString, max: 2 });
  });
  afterAll(async () => {
    await admin?.end();
  });

  // The first client owns its pool (connectionString); the second one is given a pool of the test's.
  const postgresHarness = async (): Promise<StoreHarness> => {
    const { connectionString } = postgres.current;
    const table = tableName();
    const toClose: Array<() => Promise<unknown>> = [];
    let opened = 0;
    return {
      open: () => {
        let store: PostgresStore;
        if (opened++ % 2 === 0) {
          store = new PostgresStore({ connectionString, table });
        } else {
          const pool = new pg.Pool({ connectionString, max: 4 });
          store = new PostgresStore({ pool, table });
          toClose.push(() => pool.end());
        }
        toClose.unshift(() => store.close());
        return store;
      },
      corrupt: async (id, raw) => {
        await admin.query(`UPDATE ${table} SET state = $2::jsonb WHERE id = $1`, [id, raw]);
      },
      raw: async (id) => {
        const { rows } = await admin.query(
          `SELECT version, state::text AS state FROM ${table} WHERE id = $1`,
          [id],
        );
        return rows[0] === undefined ? undefined : JSON.stringify(rows[0]);
      },
      cleanup: async () => {
        for (const close of toClose) await close();
        await admin.query(`DROP TABLE IF EXISTS ${table}`);
      },
    };
  };
  describeStoreContract('PostgresStore', postgresHarness, { storesInvalidJson: false });
  describeSessionManagerContract('PostgresStore', postgresHarness);

  describe('storage', () => {
    it('creates the default table on first use, also from two stores at once', async () => {
      const { connectionString } = postgres.current;
      const stores = [new PostgresStore({ connectionString }), new PostgresStore({ connectionString })];
      const id = `alice-${randomUUID()}`;
      await Promise.all(stores.map((store, i) => store.put(`${id}-${i}`, stateWith('Q1'))));
      const { rows } = await admin.query(
        `SELECT id, version, state, expires_at FROM dspy_ts_sessions WHERE starts_with(id, $1) ORDER BY id`,
        [id],
      );
      expect(rows).toEqual([
        { id: `${id}-0`, version: '1', state: stateWith('Q1'), expires_at: null },
        { id: `${id}-1`, version: '1', state: stateWith('Q1'), expires_at: null },
      ]);
      for (const store of stores) await store.close();
    });

    it.each([
      ['23505', 'duplicate key value violates unique constraint "pg_type_typname_nsp_index"'],
      ['42P07', 'relation already exists'],
      ['42710', 'type already exists'],
    ])('uses the table when its CREATE lost a race to another client (%s: %s)', async (code, message) => {
      const table = tableName();
      // The other client's CREATE commits first; this one's then fails as Postgres fails the loser.
      const pool = {
        query: async (text: string, values?: unknown[]) => {
          const result = await admin.query(text, values);
          if (text.startsWith('CREATE TABLE')) throw Object.assign(new Error(message), { code });
          return result;
        },
      };
      const store = new PostgresStore({ pool, table });
      await store.put('alice', stateWith('Q1'));
      expect((await store.get('alice'))?.state).toEqual(stateWith('Q1'));
      await store.close();
      await admin.query(`DROP TABLE ${table}`);
    });

    it('stores the expiry with the database clock', async () => {
      const table = tableName();
      const store = new PostgresStore({ connectionString: postgres.current.connectionString, table });
      await store.put('alice', stateWith('Q1'), { ttlMs: 60_000 });
      const { rows } = await admin.query(
        `SELECT extract(epoch FROM expires_at - now()) AS seconds FROM ${table} WHERE id = 'alice'`,
      );
      expect(Number(rows[0].seconds)).toBeGreaterThan(50);
      expect(Number(rows[0].seconds)).toBeLessThanOrEqual(60);
      await store.close();
      await admin.query(`DROP TABLE ${table}`);
    });

    it('purges the rows of expired sessions only', async () => {
      const table = tableName();
      const store = new PostgresStore({ connectionString: postgres.current.connectionString, table });
      await store.put('old', stateWith('Q1'), { ttlMs: 1500 });
      await store.put('kept', stateWith('Q1'));
      await store.put('later', stateWith('Q1'), { ttlMs: 60_000 });
      expect(await store.purgeExpired()).toBe(0);
      await vi.waitFor(async () => expect(await store.get('old')).toBeUndefined(), { timeout: 5_000 });
      expect(await store.purgeExpired()).toBe(1);
      const { rows } = await admin.query(`SELECT id FROM ${table} ORDER BY id`);
      expect(rows.map((row: { id: string }) => row.id)).toEqual(['kept', 'later']);
      await store.close();
      await admin.query(`DROP TABLE ${table}`);
    });

    it('explains that jsonb cannot hold a NUL character', async () => {
      const table = tableName();
      const store = new PostgresStore({ connectionString: postgres.current.connectionString, table });
      await expect(store.put('alice', stateWith('nul \0 inside'))).rejects.toThrow(SessionStateError);
      await expect(store.put('alice', stateWith('nul \0 inside'))).rejects.toThrow(/NUL/);
      expect(await store.get('alice')).toBeUndefined();
      expect(await store.list({ prefix: 'a\0' })).toEqual([]);
      await store.close();
      await admin.query(`DROP TABLE ${table}`);
    });

    it('never ends a pool it was given', async () => {
      const pool = new pg.Pool({ connectionString: postgres.current.connectionString, max: 1 });
      const table = tableName();
      const store = new PostgresStore({ pool, table });
      await store.put('a', stateWith('Q1'));
      await store.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await pool.end();
      await admin.query(`DROP TABLE ${table}`);
    });
  });

  it('validates the table name and refuses pool together with connectionString', () => {
    for (const table of ['a b', 'x;drop table y', 'a.b.c', '"q"', '1abc', '']) {
      expect(() => new PostgresStore({ table })).toThrow(ConfigurationError);
    }
    expect(new PostgresStore({ table: 'public.my_sessions' }).table).toBe('public.my_sessions');
    const pool = new pg.Pool();
    expect(() => new PostgresStore({ pool, connectionString: 'postgres://x' })).toThrow(ConfigurationError);
  });

  it('throws after close()', async () => {
    const store = new PostgresStore({ connectionString: postgres.current.connectionString });
    await store.close();
    await expect(store.get('a')).rejects.toBeInstanceOf(ConfigurationError);
  });
});
