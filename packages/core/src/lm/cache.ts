import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { settings } from '../settings.js';
import type { LMToolCall } from './types.js';

export interface LMCacheOptions {
  /** Disk cache folder. Default: `$DSPY_TS_CACHEDIR`, else `~/.dspy_ts_cache`. */
  dir?: string | undefined;
  /** `false` keeps the cache in memory only (default true). */
  disk?: boolean | undefined;
  /** Bound of the in-memory LRU (default 100,000 entries). LMs with the same folder and bound share one LRU. */
  maxEntries?: number | undefined;
}

/** What a cache entry holds: the choice texts of one completion and their tool calls. */
export interface CachedCompletion {
  outputs: string[];
  toolCalls?: (LMToolCall[] | undefined)[] | undefined;
}

const ToolCallEntry = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
const CacheFile = z.object({
  key: z.string(),
  outputs: z.array(z.string()),
  toolCalls: z.array(z.array(ToolCallEntry).nullable()).optional(),
});

const copyOf = (value: CachedCompletion): CachedCompletion =>
  value.toolCalls
    ? { outputs: [...value.outputs], toolCalls: [...value.toolCalls] }
    : { outputs: [...value.outputs] };

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const source = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(source)
        .sort()
        .map((key) => [key, sortKeys(source[key])]),
    );
  }
  return value;
};

/** JSON with object keys sorted at every level, so equal requests give equal text. */
export const canonicalJSON = (value: unknown): string => JSON.stringify(sortKeys(value));

/** SHA-256 hex of the canonical JSON of a request (model, messages, merged parameters). */
export const cacheKey = (request: Readonly<Record<string, unknown>>): string =>
  createHash('sha256').update(canonicalJSON(request)).digest('hex');

export const defaultCacheDir = (): string =>
  process.env.DSPY_TS_CACHEDIR ?? join(homedir(), '.dspy_ts_cache');

// One memory LRU per (disk folder, bound), shared by every LM in the process, as DSPy shares its
// cache: the LRU is just the fast front of that folder.
const memories = new Map<string, LRUCache<string, CachedCompletion>>();
const warnedDirs = new Set<string>();

/**
 * The two-level completion cache: a bounded in-memory LRU in front of a folder with one JSON file
 * per key (`<dir>/<key[0:2]>/<key>.json`). Writes go through a temp file + rename, so concurrent
 * writers (threads or processes) never leave a half-written file; an unreadable or corrupt file is
 * a miss. Cache errors never fail a call.
 */
export class LMCache {
  readonly dir: string | undefined;
  readonly #memory: LRUCache<string, CachedCompletion>;

  constructor(options: LMCacheOptions = {}) {
    this.dir = options.disk === false ? undefined : resolve(options.dir ?? defaultCacheDir());
    const max = Math.max(1, Math.floor(options.maxEntries ?? 100_000));
    const scope = `${this.dir ?? ':memory:'}#${max}`;
    let memory = memories.get(scope);
    if (!memory) {
      memory = new LRUCache<string, CachedCompletion>({ max });
      memories.set(scope, memory);
    }
    this.#memory = memory;
  }

  /** Drops every in-memory entry of every cache in the process (disk files are kept). */
  static clearMemory(): void {
    for (const memory of memories.values()) memory.clear();
  }

  async get(key: string): Promise<CachedCompletion | undefined> {
    const hit = this.#memory.get(key);
    if (hit) return copyOf(hit);
    if (!this.dir) return undefined;
    try {
      const parsed = CacheFile.safeParse(JSON.parse(await readFile(this.#path(key), 'utf8')));
      if (!parsed.success || parsed.data.key !== key) return undefined;
      const { outputs, toolCalls } = parsed.data;
      const entry: CachedCompletion = toolCalls
        ? { outputs, toolCalls: toolCalls.map((calls) => calls ?? undefined) }
        : { outputs };
      this.#memory.set(key, entry);
      return copyOf(entry);
    } catch {
      return undefined; // missing, unreadable or corrupt: a miss
    }
  }

  async set(key: string, value: CachedCompletion): Promise<void> {
    this.#memory.set(key, copyOf(value));
    if (!this.dir) return;
    const path = this.#path(key);
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      const toolCalls = value.toolCalls?.map((calls) => calls ?? null);
      await writeFile(
        temp,
        JSON.stringify({ key, outputs: value.outputs, ...(toolCalls ? { toolCalls } : {}) }),
        {
          encoding: 'utf8',
          flag: 'wx',
        },
      );
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (!warnedDirs.has(this.dir)) {
        warnedDirs.add(this.dir);
        const reason = error instanceof Error ? error.message : String(error);
        settings.logger.warn(
          `LM disk cache at ${this.dir} is not writable (${reason}); using the memory cache only.`,
        );
      }
    }
  }

  #path(key: string): string {
    return join(this.dir ?? '', key.slice(0, 2), `${key}.json`);
  }
}
