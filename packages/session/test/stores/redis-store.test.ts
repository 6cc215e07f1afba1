import { randomUUID } from 'node:crypto';
import { ConfigurationError, context } from '@dspy-ts/core';
import { SessionStateError } from '@dspy-ts/session';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/stores/redis-store.js';
import type { SessionStore } from '../../src/stores/types.js';
import { describeStoreContract, type StoreHarness } from './contract.js';
import { stateWith } from './fixtures.js';
import { describeSessionManagerContract } from './manager-contract.js';
import { useRedis } from './services.js';
import { freePort } from './services.mjs';

const redis = useRedis();

/** Runs `fn` with warnings collected into `warnings` instead of the console. */
const configureLogger = <T>(warnings: string[], fn: () => Promise<T>): Promise<T> =>
  context({ logger: { info: () => {}, warn: (message: string) => warnings.push(message) } }, fn);

type Kind = 'url' | 'node-redis' | 'ioredis';

/** Each harness uses its own key prefix; `kinds` says how successive clients are made. */
function redisHarness(kinds: readonly Kind[]) {
  return async (): Promise<StoreHarness> => {
    const { url } = redis.current;
    const keyPrefix = `test:${randomUUID()}:`;
    const admin = new Redis(url);
    const toClose: Array<() => Promise<unknown>> = [];
    let opened = 0;
    return {
      open: () => {
        const kind = kinds[opened++ % kinds.length]!;
        let store: SessionStore;
        if (kind === 'url') {
          store = new RedisStore({ url, keyPrefix });
        } else if (kind === 'node-redis') {
          const client = createClient({ url });
          store = new RedisStore({ client, keyPrefix });
          toClose.push(async () => client.isOpen && client.close());
        } else {
          const client = new Redis(url);
          store = new RedisStore({ client, keyPrefix });
          toClose.push(() => client.quit());
        }
        toClose.unshift(() => store.close());
        return store;
      },
      corrupt: async (id, raw) => {
        await admin.hset(`${keyPrefix}${id}`, 's', raw);
      },
      raw: async (id) => JSON.stringify(await admin.hgetall(`${keyPrefix}${id}`)),
      cleanup: async () => {
        for (const close of toClose) await close();
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
        await admin.quit();
      },
    };
  };
}

describe.skipIf(!redis.available)('RedisStore', () => {
  describeStoreContract(
    'RedisStore (redis client from url; second client ioredis)',
    redisHarness(['url', 'ioredis']),
  );
  describeStoreContract(
    'RedisStore (ioredis client; second client node-redis)',
    redisHarness(['ioredis', 'node-redis']),
  );
  describeSessionManagerContract('RedisStore', redisHarness(['url', 'ioredis']));

  describe('storage', () => {
    let admin: Redis;
    beforeAll(() => {
      admin = new Redis(redis.current.url);
    });
    afterAll(async () => {
      await admin.quit();
    });

    it('keeps one hash per session under the default key prefix, with PX expiry', async () => {
      const store = new RedisStore({ url: redis.current.url });
      const id = `alice-${randomUUID()}`;
      await store.put(id, stateWith('Q1'), { ttlMs: 60_000 });
      const key = `dspy-ts:session:${id}`;
      expect(await admin.hget(key, 'v')).toBe('1');
      expect(JSON.parse((await admin.hget(key, 's'))!)).toEqual(stateWith('Q1'));
      expect(await admin.pttl(key)).toBeGreaterThan(50_000);
      await store.put(id, stateWith('Q1', 'Q2'));
      expect(await admin.pttl(key)).toBe(-1);
      expect(await store.delete(id)).toBe(true);
      await store.close();
    });

    it('reports a key of another type, or a bad version field, as a corrupt session', async () => {
      const keyPrefix = `test:${randomUUID()}:`;
      const store = new RedisStore({ url: redis.current.url, keyPrefix });
      await admin.set(`${keyPrefix}str`, 'hello');
      await expect(store.get('str')).rejects.toBeInstanceOf(SessionStateError);
      await expect(store.put('str', stateWith('Q1'))).rejects.toBeInstanceOf(SessionStateError);
      expect(await admin.get(`${keyPrefix}str`)).toBe('hello');
      await admin.hset(`${keyPrefix}bad`, 'v', 'x', 's', JSON.stringify(stateWith('Q1')));
      await expect(store.get('bad')).rejects.toBeInstanceOf(SessionStateError);
      await expect(store.put('bad', stateWith('Q2'))).rejects.toBeInstanceOf(SessionStateError);
      expect(await admin.hget(`${keyPrefix}bad`, 'v')).toBe('x');
      await admin.del(`${keyPrefix}str`, `${keyPrefix}bad`);
      await store.close();
    });

    it('recovers when the server forgets the put script', async () => {
      const store = new RedisStore({ url: redis.current.url, keyPrefix: `test:${randomUUID()}:` });
      expect(await store.put('a', stateWith('Q1'))).toBe(1);
      await admin.script('FLUSH');
      expect(await store.put('a', stateWith('Q1', 'Q2'))).toBe(2);
      await store.delete('a');
      await store.close();
    });

    it('never closes a client it was given', async () => {
      const client = new Redis(redis.current.url);
      const store = new RedisStore({ client });
      await store.close();
      expect(await client.ping()).toBe('PONG');
      await client.quit();
    });
  });

  it('rejects clients it does not know, and url together with client', () => {
    expect(() => new RedisStore({ client: {} as never })).toThrow(ConfigurationError);
    const client = createClient();
    expect(() => new RedisStore({ client, url: 'redis://127.0.0.1:1' })).toThrow(ConfigurationError);
  });

  it('fails a call when no server answers, instead of leaving it pending', async () => {
    const warnings: string[] = [];
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}` });
    await configureLogger(warnings, () => expect(store.get('a')).rejects.toThrow(/ECONNREFUSED/));
    expect(warnings.join('\n')).toContain('ECONNREFUSED');
    await store.close();
  });

  it('throws after close()', async () => {
    const store = new RedisStore({ url: redis.current.url });
    await store.close();
    await expect(store.get('a')).rejects.toBeInstanceOf(ConfigurationError);
  });
});
