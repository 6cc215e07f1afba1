import { createHash } from 'node:crypto';
import { ConfigurationError, settings } from '@dspy-ts/core';
import { SessionStateError, VersionConflictError } from '../errors.js';
import { importOptional } from './optional-import.js';
import type { ListOptions, PutOptions, SessionStore, StoredSession } from './types.js';
import {
  assertId,
  checkListPrefix,
  checkPutOptions,
  corruptStateError,
  decodeState,
  encodeState,
  type SessionStateJSON,
  sortIds,
} from './validate.js';

/** The part of a node-redis (`redis` v4, v5, v6) client the store uses. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
}

/** The part of an `ioredis` client the store uses. */
export interface IORedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

export type RedisClientLike = NodeRedisClientLike | IORedisClientLike;

export interface RedisStoreOptions {
  /** `redis://...` URL for a client the store creates (and closes). Default: `REDIS_URL`, else localhost. */
  url?: string | undefined;
  /** A client of your own (`redis` or `ioredis`); the store never closes it. */
  client?: RedisClientLike | undefined;
  /** Prepended to every id to form the key. Default `'dspy-ts:session:'`. */
  keyPrefix?: string | undefined;
}

// A session is a hash { v: version, s: state JSON }. Check-and-set runs server-side in one script.
// ARGV: expected version ('' = any), state, ttl ms ('' = none). Returns {1, new} | {0, actual} | {-1, raw}.
const PUT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v')
local version = 0
if current then
  version = tonumber(current)
  if not version or version < 1 or version ~= math.floor(version) then return {-1, current} end
end
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= version then return {0, version} end
version = version + 1
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
return {1, version}
`;
const PUT_SCRIPT_SHA = createHash('sha1').update(PUT_SCRIPT).digest('hex');

type Command = (args: string[]) => Promise<unknown>;
interface Connection {
  command: Command;
  close: (() => Promise<void>) | undefined;
}

const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function commandFor(client: RedisClientLike): Command {
  const candidate = client as Partial<NodeRedisClientLike & IORedisClientLike>;
  // ioredis also has a sendCommand (taking a Command object), so `isOpen` tells node-redis apart.
  if ('isOpen' in client && typeof candidate.sendCommand === 'function') {
    const nodeRedis = client as NodeRedisClientLike;
    return async (args) => {
      if (!nodeRedis.isOpen) await nodeRedis.connect();
      return nodeRedis.sendCommand(args);
    };
  }
  if (typeof candidate.call === 'function') {
    const ioredis = client as IORedisClientLike;
    return ([name, ...args]) => ioredis.call(name!, ...args);
  }
  throw new ConfigurationError(
    'RedisStore `client` must be a `redis` (node-redis v4-v6) or an `ioredis` client.',
  );
}

async function openConnection(url: string | undefined): Promise<Connection> {
  const created = await importOptional<Connection>(
    'RedisStore',
    [
      [
        'redis',
        async () => {
          const { createClient } = await import('redis');
          let everReady = false;
          const client = createClient({
            ...(url === undefined ? {} : { url }),
            socket: {
              // Until the first connection succeeds, a dead server fails the call after a few tries
              // instead of leaving it pending; afterwards node-redis reconnects with a capped backoff.
              reconnectStrategy: (retries: number, cause: Error) =>
                everReady ? Math.min(50 * 2 ** retries, 2000) : retries >= 3 ? cause : 100 * (retries + 1),
            },
          });
          let warned = false;
          // node-redis emits 'error' while it reconnects; without a listener the process would crash.
          client.on('error', (error: unknown) => {
            if (!warned) settings.logger.warn(`RedisStore: ${errorMessage(error)}`);
            warned = true;
          });
          client.on('ready', () => {
            everReady = true;
            warned = false;
          });
          await client.connect();
          return {
            command: (args) => client.sendCommand(args),
            close: async () => {
              // node-redis v5 closes with close(); v4 only has quit().
              const closable = client as { close?: () => Promise<unknown>; quit?: () => Promise<unknown> };
              if (!client.isOpen) return;
              await (typeof closable.close === 'function' ? closable.close() : closable.quit?.());
            },
          };
        },
      ],
      [
        'ioredis',
        async () => {
          const { Redis } = await import('ioredis');
          const client = url === undefined ? new Redis() : new Redis(url);
          client.on('error', () => {});
          return {
            command: ([name, ...args]) => client.call(name!, ...args),
            close: async () => {
              await client.quit();
            },
          };
        },
      ],
    ],
    'pass `client` (a connected redis or ioredis client)',
  );
  return created;
}

/**
 * A SessionStore in Redis: a hash per id under `keyPrefix`, a Lua check-and-set for versions,
 * PEXPIRE for TTLs and SCAN for list(). Works with `redis` (node-redis) or `ioredis`.
 */
export class RedisStore implements SessionStore {
  readonly keyPrefix: string;
  readonly #url: string | undefined;
  #connection: Promise<Connection> | undefined;
  #closed = false;

  constructor(options: RedisStoreOptions = {}) {
    const keyPrefix = options.keyPrefix ?? 'dspy-ts:session:';
    if (typeof keyPrefix !== 'string' || keyPrefix.includes('\0')) {
      throw new ConfigurationError('RedisStore `keyPrefix` must be a string without NUL characters.');
    }
    if (options.client !== undefined && options.url !== undefined) {
      throw new ConfigurationError('RedisStore takes either `url` or `client`, not both.');
    }
    this.keyPrefix = keyPrefix;
    this.#url = options.url ?? process.env.REDIS_URL;
    if (options.client !== undefined) {
      this.#connection = Promise.resolve({ command: commandFor(options.client), close: undefined });
    }
  }

  async #command(args: string[]): Promise<unknown> {
    if (this.#closed) throw new ConfigurationError('This RedisStore is closed.');
    if (this.#connection === undefined) {
      const opening = openConnection(this.#url);
      this.#connection = opening;
      // A failed connect is not cached: the next call tries again.
      opening.catch(() => {
        if (this.#connection === opening) this.#connection = undefined;
      });
    }
    const { command } = await this.#connection;
    return command(args);
  }

  #key(id: string): string {
    return `${this.keyPrefix}${id}`;
  }

  #wrongType(id: string, error: unknown): never {
    if (errorMessage(error).includes('WRONGTYPE')) {
      throw corruptStateError(
        id,
        `Redis key ${JSON.stringify(this.#key(id))}`,
        'the key is not a hash',
        error,
      );
    }
    throw error;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    assertId(id);
    const where = `Redis key ${JSON.stringify(this.#key(id))}`;
    const reply = await this.#command(['HMGET', this.#key(id), 'v', 's']).catch((error: unknown) =>
      this.#wrongType(id, error),
    );
    const [rawVersion, rawState] = Array.isArray(reply) ? reply : [];
    if (rawVersion == null && rawState == null) return undefined;
    const version = Number(rawVersion);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw corruptStateError(id, where, `the version field is ${JSON.stringify(rawVersion ?? null)}`);
    }
    if (typeof rawState !== 'string') throw corruptStateError(id, where, 'the state field is missing');
    return { state: decodeState(id, where, rawState), version };
  }

  async put(id: string, state: SessionStateJSON, opts?: PutOptions): Promise<number> {
    assertId(id);
    const { expectedVersion, ttlMs } = checkPutOptions(opts);
    const text = encodeState(id, state);
    const keyAndArgs = ['1', this.#key(id), String(expectedVersion ?? ''), text, String(ttlMs ?? '')];
    let reply: unknown;
    try {
      reply = await this.#command(['EVALSHA', PUT_SCRIPT_SHA, ...keyAndArgs]);
    } catch (error) {
      if (!errorMessage(error).includes('NOSCRIPT')) this.#wrongType(id, error);
      // First use on this server (or after SCRIPT FLUSH): EVAL also caches the script.
      reply = await this.#command(['EVAL', PUT_SCRIPT, ...keyAndArgs]).catch((e: unknown) =>
        this.#wrongType(id, e),
      );
    }
    const [status, value] = Array.isArray(reply) ? reply : [];
    if (status === 1) return Number(value);
    if (status === 0) {
      throw new VersionConflictError({
        id,
        expectedVersion: expectedVersion ?? 0,
        actualVersion: Number(value),
      });
    }
    if (status === -1) {
      throw corruptStateError(
        id,
        `Redis key ${JSON.stringify(this.#key(id))}`,
        `the version field is ${JSON.stringify(value)}`,
      );
    }
    throw new SessionStateError(`Unexpected reply from Redis to the put script: ${JSON.stringify(reply)}.`);
  }

  async delete(id: string): Promise<boolean> {
    assertId(id);
    return Number(await this.#command(['DEL', this.#key(id)])) > 0;
  }

  async list(opts?: ListOptions): Promise<string[]> {
    const prefix = checkListPrefix(opts) ?? '';
    const keyPrefix = this.#key(prefix);
    const match = `${globEscape(keyPrefix)}*`;
    const ids: string[] = [];
    let cursor = '0';
    do {
      const reply = await this.#command(['SCAN', cursor, 'MATCH', match, 'COUNT', '1000']);
      const [next, keys] = Array.isArray(reply) ? reply : [];
      cursor = String(next ?? '0');
      for (const key of Array.isArray(keys) ? keys : []) {
        if (typeof key === 'string' && key.startsWith(keyPrefix)) ids.push(key.slice(this.keyPrefix.length));
      }
    } while (cursor !== '0');
    return sortIds(ids);
  }

  /** Closes the client the store created; a client passed in stays open (its owner closes it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connection = await this.#connection?.catch(() => undefined);
    await connection?.close?.();
  }
}
