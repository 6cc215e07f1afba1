import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJSON, LMCache } from '../../src/lm/cache.js';
import { captureWarnings, useHarness, user } from './helpers.js';

const cacheFiles = async (dir: string): Promise<string[]> => {
  const files: string[] = [];
  for (const shard of await readdir(dir).catch(() => [])) {
    for (const file of await readdir(join(dir, shard))) files.push(join(dir, shard, file));
  }
  return files;
};

describe('LM cache', () => {
  let counter = 0;
  const h = useHarness({ reply: () => `reply ${++counter}` });

  it('answers a repeated request from the cache without an HTTP request', async () => {
    const lm = h.lm();
    const first = await lm.request({ messages: user('same') });
    const second = await lm.request({ messages: user('same') });
    expect(h.server.requestCount).toBe(1);
    expect(second).toEqual({ outputs: first.outputs, cacheHit: true });
  });

  it('records a cache hit in history but adds no usage', async () => {
    const lm = h.lm();
    await lm.request({ messages: user('same') });
    const usage = structuredClone(lm.usage);
    await lm.request({ messages: user('same') });
    expect(lm.usage).toEqual(usage);
    expect(lm.history).toHaveLength(2);
    expect(lm.history[1]).toMatchObject({
      cacheHit: true,
      usage: undefined,
      outputs: lm.history[0]?.outputs,
    });
  });

  it('misses when any parameter differs, including rollout_id and response_format', async () => {
    const lm = h.lm();
    await lm.request({ messages: user('q') });
    await lm.request({ messages: user('q'), extra: { rollout_id: 1 } });
    await lm.request({ messages: user('q'), responseFormat: { type: 'json_object' } });
    await lm.request({ messages: user('q'), temperature: 0.3 });
    expect(h.server.requestCount).toBe(4);
  });

  it('shares entries across LMs on the same folder whatever their API key or base URL', async () => {
    await h.lm({ apiKey: 'sk-one-aaaa' }).request({ messages: user('shared') });
    const other = h.lm({ apiKey: 'sk-two-bbbb', baseURL: `${h.server.url}/` });
    expect(await other.request({ messages: user('shared') })).toMatchObject({ cacheHit: true });
    expect(h.server.requestCount).toBe(1);
  });

  it('survives a new LM instance through the disk cache', async () => {
    const first = await h.lm().request({ messages: user('persisted') });
    LMCache.clearMemory();
    const second = await h.lm().request({ messages: user('persisted') });
    expect(second).toEqual({ outputs: first.outputs, cacheHit: true });
    expect(h.server.requestCount).toBe(1);
    expect(await cacheFiles(h.cacheDir)).toHaveLength(1);
  });

  it('stores one file per key under a two-character shard folder', async () => {
    await h.lm().request({ messages: user('sharded') });
    const [file] = await cacheFiles(h.cacheDir);
    const key = JSON.parse(await readFile(file ?? '', 'utf8')).key as string;
    expect(file).toBe(join(h.cacheDir, key.slice(0, 2), `${key}.json`));
  });

  it('treats a corrupt cache file as a miss and repairs it', async () => {
    await h.lm().request({ messages: user('corrupt me') });
    const [file] = await cacheFiles(h.cacheDir);
    await writeFile(file ?? '', '{"key": "trunc');
    LMCache.clearMemory();
    const again = await h.lm().request({ messages: user('corrupt me') });
    expect(again.cacheHit).toBe(false);
    expect(h.server.requestCount).toBe(2);
    expect(JSON.parse(await readFile(file ?? '', 'utf8')).outputs).toEqual(again.outputs);
  });

  it('treats a cache file holding another key as a miss', async () => {
    await h.lm().request({ messages: user('mine') });
    const [file] = await cacheFiles(h.cacheDir);
    await writeFile(file ?? '', JSON.stringify({ key: 'someone-else', outputs: ['wrong'] }));
    LMCache.clearMemory();
    expect((await h.lm().request({ messages: user('mine') })).outputs).not.toEqual(['wrong']);
  });

  it('keeps every file whole when many writers store the same key at once', async () => {
    const caches = Array.from({ length: 8 }, () => new LMCache({ dir: h.cacheDir }));
    const key = cacheKey({ model: 'm', messages: [] });
    await Promise.all(
      caches.flatMap((cache, i) => [
        cache.set(key, { outputs: [`v${i}`] }),
        cache.set(key, { outputs: [`w${i}`] }),
      ]),
    );
    const files = await cacheFiles(h.cacheDir);
    expect(files).toEqual([join(h.cacheDir, key.slice(0, 2), `${key}.json`)]);
    const stored = JSON.parse(await readFile(files[0] ?? '', 'utf8'));
    expect(stored.key).toBe(key);
    expect(stored.outputs[0]).toMatch(/^[vw]\d$/);
  });

  it('falls back to the memory cache with one warning when the folder is not writable', async () => {
    const blocked = join(h.cacheDir, 'blocked');
    await writeFile(blocked, 'a file where a folder should be');
    const { result, warnings } = await captureWarnings(async () => {
      const lm = h.lm({ cache: { dir: blocked } });
      await lm.request({ messages: user('x') });
      return lm.request({ messages: user('x') });
    });
    expect(result.cacheHit).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('memory cache only');
  });

  it('makes every request when cache is false and writes nothing to disk', async () => {
    const lm = h.lm({ cache: false });
    await lm.request({ messages: user('x') });
    await lm.request({ messages: user('x') });
    expect(h.server.requestCount).toBe(2);
    expect(await cacheFiles(h.cacheDir)).toEqual([]);
  });

  it('honors a per-call cache flag in extra', async () => {
    const lm = h.lm();
    await lm.request({ messages: user('x') });
    const fresh = await lm.request({ messages: user('x'), extra: { cache: false } });
    expect(fresh.cacheHit).toBe(false);
    expect(h.server.requestCount).toBe(2);
    expect(h.server.requests[1]?.body).not.toHaveProperty('cache');
  });

  it('keeps a memory-only cache when disk is off', async () => {
    const lm = h.lm({ cache: { disk: false } });
    await lm.request({ messages: user('memory only') });
    expect((await lm.request({ messages: user('memory only') })).cacheHit).toBe(true);
    expect(await cacheFiles(h.cacheDir)).toEqual([]);
  });

  it('bounds the memory LRU by maxEntries', async () => {
    const dir = join(h.cacheDir, 'lru');
    await mkdir(dir);
    const cache = new LMCache({ dir, disk: false, maxEntries: 2 });
    await cache.set('a', { outputs: ['1'] });
    await cache.set('b', { outputs: ['2'] });
    await cache.set('c', { outputs: ['3'] });
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toEqual({ outputs: ['3'] });
  });
});

describe('cache key', () => {
  it('is the SHA-256 of JSON with keys sorted at every level', () => {
    expect(canonicalJSON({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}',
    );
    expect(cacheKey({ b: 1, a: 2 })).toBe(cacheKey({ a: 2, b: 1 }));
    expect(cacheKey({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
