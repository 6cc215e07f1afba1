import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { DEFAULT_MAX_DISK_BYTES, DiskCache } from './disk-cache.js';
import type { LMToolCall } from './types.js';

export interface LMCacheOptions {
  /** Disk cache folder. Default: `$DSPY_TS_CACHEDIR`, else `~/.dspy_ts_cache`. */
  dir?: string | undefined;
  /** `false` keeps the cache in memory only (default true). */
  disk?: boolean | undefined;
  /** Bound of the in-memory LRU (default 100,000 entries). LMs with the same folder and bound share one LRU. */
  maxEntries?: number | undefined;
  /**
   * Bound of the disk folder in bytes (default 1 GiB): past it the least recently used entries
   * are deleted. LMs sharing a folder share its bound; the last one given applies.
   */
  maxDiskBytes?: number | undefined;
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
// cache: the LRU is just the fast front of that folder. One DiskCache per folder, for the same reason.
const memories = new Map<string, LRUCache<string, CachedCompletion>>();
const disks = new Map<string, DiskCache>();

/** Throws a ConfigurationError for cache options that cannot work (checked when the LM is built). */
export function checkCacheOptions(options: LMCacheOptions): void {
  const { maxDiskBytes } = options;
  if (maxDiskBytes !== undefined && !(Number.isFinite(maxDiskBytes) && maxDiskBytes >= 0)) {
    throw new ConfigurationError(
      `LM cache \`maxDiskBytes\` must be a number of bytes >= 0, got ${String(maxDiskBytes)}.`,
    );
  }
}

function diskFor(dir: string, maxDiskBytes: number | undefined): DiskCache {
  checkCacheOptions({ maxDiskBytes });
  let disk = disks.get(dir);
  if (!disk) {
    disk = new DiskCache(dir, maxDiskBytes ?? DEFAULT_MAX_DISK_BYTES);
    disks.set(dir, disk);
  } else if (maxDiskBytes !== undefined) {
    disk.maxBytes = maxDiskBytes;
  }
  return disk;
}

/**
 * The two-level completion cache: a bounded in-memory LRU in front of a folder bounded by bytes
 * (see DiskCache). An unreadable or corrupt file is a miss, and cache errors never fail a call.
 */
export class LMCache {
  readonly dir: string | undefined;
  readonly #memory: LRUCache<string, CachedCompletion>;
  readonly #disk: DiskCache | undefined;

  constructor(options: LMCacheOptions = {}) {
    this.dir = options.disk === false ? undefined : resolve(options.dir ?? defaultCacheDir());
    this.#disk = this.dir === undefined ? undefined : diskFor(this.dir, options.maxDiskBytes);
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
    if (hit) {
      this.#disk?.touch(key);
      return copyOf(hit);
    }
    const text = await this.#disk?.read(key);
    if (text === undefined) return undefined;
    try {
      const parsed = CacheFile.safeParse(JSON.parse(text));
      if (!parsed.success || parsed.data.key !== key) return undefined;
      const { outputs, toolCalls } = parsed.data;
      const entry: CachedCompletion = toolCalls
        ? { outputs, toolCalls: toolCalls.map((calls) => calls ?? undefined) }
        : { outputs };
      this.#memory.set(key, entry);
      return copyOf(entry);
    } catch {
      return undefined; // corrupt: a miss
    }
  }

  async set(key: string, value: CachedCompletion): Promise<void> {
    this.#memory.set(key, copyOf(value));
    const toolCalls = value.toolCalls?.map((calls) => calls ?? null);
    await this.#disk?.write(
      key,
      JSON.stringify({ key, outputs: value.outputs, ...(toolCalls ? { toolCalls } : {}) }),
    );
  }
}

/** The outputs, plus the per-choice tool calls only when some choice made one. */
export const withToolCalls = (
  outputs: string[],
  toolCalls: (LMToolCall[] | undefined)[] | undefined,
): CachedCompletion =>
  toolCalls?.some((calls) => calls && calls.length > 0) ? { outputs, toolCalls } : { outputs };
