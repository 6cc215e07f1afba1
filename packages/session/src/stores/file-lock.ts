import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { settings } from '@dspy-ts/core';
import lockfile from 'proper-lockfile';
import { z } from 'zod';

// Attempts before giving up on a held lock (~50 s of backoff, as the lock's own retries were).
const MAX_ATTEMPTS = 1000;
const MAX_BACKOFF_MS = 50;

/** Who holds a lock: written next to the lock folder (`<file>.lock.owner`) once it is taken. */
const ownerSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  ino: z.number(),
  born: z.number(),
});
type Owner = z.infer<typeof ownerSchema>;

const ownerPath = (lockPath: string): string => `${lockPath}.owner`;

/** False only when `pid` is certainly gone (ESRCH); EPERM means it runs under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function readOwner(lockPath: string): Promise<Owner | undefined> {
  try {
    const parsed = ownerSchema.safeParse(JSON.parse(await readFile(ownerPath(lockPath), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the lock folder of a holder that died on this host, so the next writer need not wait for
 * the lock to go stale. The owner record names the folder (inode and birth time): a record left by
 * an older holder never condemns a newer folder. The folder is moved aside first, and its inode checked
 * again, so two waiters taking over at once cannot remove the lock one of them just took.
 */
export async function takeOverDeadLock(lockPath: string): Promise<boolean> {
  const owner = await readOwner(lockPath);
  if (!owner || owner.host !== hostname() || owner.ino === 0 || isAlive(owner.pid)) return false;
  const sameFolder = (info: { ino: number; birthtimeMs: number } | undefined) =>
    info?.ino === owner.ino && info.birthtimeMs === owner.born;
  if (!sameFolder(await stat(lockPath).catch(() => undefined))) return false;
  const aside = `${lockPath}.${randomUUID()}.dead`;
  try {
    await rename(lockPath, aside);
  } catch {
    return false;
  }
  if (!sameFolder(await stat(aside).catch(() => undefined))) {
    await rename(aside, lockPath).catch(() => undefined);
    return false;
  }
  await unlink(ownerPath(lockPath)).catch(() => undefined);
  await rm(aside, { recursive: true, force: true });
  return true;
}

/**
 * Runs `fn` holding the cross-process lock of `path` (proper-lockfile's `<path>.lock` folder).
 * A holder that crashed is detected at once on the same host (its pid is gone), elsewhere once
 * its lock is older than `staleMs` (a live holder keeps it fresh).
 */
export async function withFileLock<T>(path: string, staleMs: number, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${path}.lock`;
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; release === undefined; attempt++) {
    try {
      release = await lockfile.lock(path, {
        realpath: false,
        stale: staleMs,
        retries: 0,
        onCompromised: (error) => {
          settings.logger.warn(`FileStore: the lock on ${path} was compromised: ${error.message}`);
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || attempt >= MAX_ATTEMPTS) throw error;
      if (await takeOverDeadLock(lockPath)) continue;
      // Full jitter keeps waiters from retrying in lockstep.
      await delay(Math.random() * Math.min(MAX_BACKOFF_MS, 2 * 1.2 ** attempt));
    }
  }
  try {
    const { ino, birthtimeMs } = await stat(lockPath);
    const owner: Owner = { pid: process.pid, host: hostname(), ino, born: birthtimeMs };
    await writeFile(ownerPath(lockPath), JSON.stringify(owner));
    return await fn();
  } finally {
    await unlink(ownerPath(lockPath)).catch(() => undefined);
    await release().catch(() => {});
  }
}
