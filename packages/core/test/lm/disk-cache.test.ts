import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { LMCache } from '../../src/lm/cache.js';
import { DiskCache } from '../../src/lm/disk-cache.js';
import { LM } from '../../src/lm/lm.js';
import { captureWarnings } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dspy-ts-disk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keys = async (folder: string): Promise<string[]> => {
  const found: string[] = [];
  for (const shard of await readdir(folder).catch(() => [])) {
    for (const name of await readdir(join(folder, shard))) found.push(name);
  }
  return found.sort();
};

// Keys whose files are all the same size, in distinct shard folders.
const key = (letter: string) => letter.repeat(64);
const text = (letter: string) => JSON.stringify({ key: key(letter), outputs: ['x'.repeat(100)] });
const SIZE = Buffer.byteLength(text('a'));

describe('disk cache bound', () => {
  it('deletes the least recently used entries past maxDiskBytes', async () => {
    const cache = new LMCache({ dir, maxDiskBytes: 3 * SIZE });
    for (const letter of ['a', 'b', 'c']) await cache.set(key(letter), { outputs: ['x'.repeat(100)] });
    await cache.get(key('a'));
    await cache.set(key('d'), { outputs: ['x'.repeat(100)] });
    expect(await keys(dir)).toEqual([`${key('a')}.json`, `${key('c')}.json`, `${key('d')}.json`]);
  });

  it('keeps 50 writes within the bound', async () => {
    const cache = new LMCache({ dir, maxDiskBytes: 10 * SIZE });
    for (let i = 0; i < 50; i++) {
      await cache.set(i.toString(16).padStart(64, '0'), { outputs: ['x'.repeat(100)] });
    }
    expect(await keys(dir)).toHaveLength(10);
  });

  it('learns the files of an earlier process and evicts the oldest by modification time', async () => {
    const earlier = new DiskCache(dir, 10 * SIZE);
    for (const letter of ['a', 'b', 'c']) await earlier.write(key(letter), text(letter));
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'bb', `${key('b')}.json`), old, old);
    const restarted = new DiskCache(dir, 3 * SIZE);
    await restarted.write(key('d'), text('d'));
    expect(await keys(dir)).not.toContain(`${key('b')}.json`);
    expect(await keys(dir)).toHaveLength(3);
    expect(restarted.bytes).toBe(3 * SIZE);
  });

  it('marks a disk hit as recent across restarts', async () => {
    const earlier = new DiskCache(dir, 10 * SIZE);
    for (const letter of ['a', 'b']) await earlier.write(key(letter), text(letter));
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'aa', `${key('a')}.json`), old, old);
    await utimes(join(dir, 'bb', `${key('b')}.json`), new Date(), new Date());
    const reader = new DiskCache(dir, 10 * SIZE);
    expect(await reader.read(key('a'))).toBe(text('a'));
    await expect
      .poll(async () => (await stat(join(dir, 'aa', `${key('a')}.json`))).mtimeMs)
      .toBeGreaterThan(old.getTime());
  });

  it('removes temp files that a crashed writer left behind', async () => {
    await mkdir(join(dir, 'aa'));
    const leftover = join(dir, 'aa', `${key('a')}.json.123.dead.tmp`);
    await writeFile(leftover, 'half');
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(leftover, old, old);
    await new DiskCache(dir, 10 * SIZE).write(key('b'), text('b'));
    expect(await keys(dir)).toEqual([`${key('b')}.json`]);
  });

  it('stops writing after the first failure with one warning, answering from memory', async () => {
    const blocked = join(dir, 'file-not-folder');
    await writeFile(blocked, '');
    const { result, warnings } = await captureWarnings(async () => {
      const cache = new LMCache({ dir: blocked, maxDiskBytes: 10 * SIZE });
      await cache.set(key('a'), { outputs: ['1'] });
      await cache.set(key('b'), { outputs: ['2'] });
      return cache.get(key('b'));
    });
    expect(result).toEqual({ outputs: ['2'] });
    expect(warnings).toHaveLength(1);
  });

  it('rejects a negative maxDiskBytes when the LM is built', () => {
    expect(() => new LMCache({ dir, maxDiskBytes: -1 })).toThrow(ConfigurationError);
    expect(() => new LM('openai/x', { cache: { dir, maxDiskBytes: -1 } })).toThrow(ConfigurationError);
  });
});
