import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { settings } from '../settings.js';

/** DSPy bounds its disk cache too (30 GB); completions are small, so 1 GiB holds ~100k+ of them. */
export const DEFAULT_MAX_DISK_BYTES = 1024 ** 3;
// A temp file this old was left by a writer that died between write and rename.
const STALE_TEMP_MS = 60_000;

/**
 * A cache folder with one file per key (`<dir>/<key[0:2]>/<key>.json`), bounded by bytes: past
 * `maxBytes` the least recently used files are deleted. Recency is the file's mtime (a disk hit
 * touches it), so the order survives restarts. The process learns the folder's contents with one
 * scan before its first write; files other processes add later are counted when this one restarts.
 * Writes go through a temp file + rename. The first write error (full disk, read-only folder)
 * turns writing off for the process with one warning: the cache then lives in memory only.
 */
export class DiskCache {
  readonly dir: string;
  maxBytes: number;
  // Map order is recency order: the first key is the least recently used.
  readonly #sizes = new Map<string, number>();
  #bytes = 0;
  #scan: Promise<void> | undefined;
  #writable = true;

  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** Bytes of the files this process knows about. */
  get bytes(): number {
    return this.#bytes;
  }

  async read(key: string): Promise<string | undefined> {
    const path = this.#path(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return undefined; // missing or unreadable: a miss
    }
    this.touch(key);
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
    return text;
  }

  /** Marks `key` as just used (a memory hit in front of this folder). */
  touch(key: string): void {
    const size = this.#sizes.get(key);
    if (size === undefined) return;
    this.#sizes.delete(key);
    this.#sizes.set(key, size);
  }

  async write(key: string, text: string): Promise<void> {
    if (!this.#writable) return;
    this.#scan ??= this.#scanFolder();
    await this.#scan;
    const path = this.#path(key);
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      this.#disable(error);
      return;
    }
    this.#account(key, Buffer.byteLength(text));
    await this.#evict();
  }

  #account(key: string, size: number): void {
    this.#bytes += size - (this.#sizes.get(key) ?? 0);
    this.#sizes.delete(key);
    this.#sizes.set(key, size);
  }

  async #evict(): Promise<void> {
    while (this.#bytes > this.maxBytes && this.#sizes.size > 0) {
      const [oldest, size] = this.#sizes.entries().next().value as [string, number];
      this.#sizes.delete(oldest);
      this.#bytes -= size;
      await unlink(this.#path(oldest)).catch(() => undefined);
    }
  }

  #disable(error: unknown): void {
    if (!this.#writable) return;
    this.#writable = false;
    const reason = error instanceof Error ? error.message : String(error);
    settings.logger.warn(
      `LM disk cache at ${this.dir} is not writable (${reason}); using the memory cache only.`,
    );
  }

  /** Learns the folder's files (oldest first) and removes temp files of crashed writers. */
  async #scanFolder(): Promise<void> {
    const found: Array<{ key: string; size: number; mtime: number }> = [];
    const shards = await readdir(this.dir).catch(() => [] as string[]);
    for (const shard of shards) {
      if (shard.length !== 2) continue;
      const names = await readdir(join(this.dir, shard)).catch(() => [] as string[]);
      await Promise.all(
        names.map(async (name) => {
          const path = join(this.dir, shard, name);
          const info = await stat(path).catch(() => undefined);
          if (!info?.isFile()) return;
          if (name.endsWith('.tmp')) {
            if (Date.now() - info.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => undefined);
          } else if (name.endsWith('.json')) {
            found.push({ key: name.slice(0, -'.json'.length), size: info.size, mtime: info.mtimeMs });
          }
        }),
      );
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const { key, size } of found) this.#account(key, size);
    await this.#evict();
  }

  #path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }
}
