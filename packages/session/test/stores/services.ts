import { afterAll, beforeAll } from 'vitest';
import {
  findPostgresBin,
  findRedisServer,
  type RunningPostgres,
  type RunningRedis,
  requireService,
  startPostgres,
  startRedis,
} from './services.mjs';

const START_TIMEOUT_MS = 60_000;

export interface ServiceHandle<T> {
  /** False when the server binary is missing outside CI: skip the suite. */
  readonly available: boolean;
  /** The running server (inside tests, after beforeAll). */
  readonly current: T;
}

function useService<T extends { stop(): Promise<void> }>(
  found: string | undefined,
  name: string,
  installHint: string,
  start: (found: string) => Promise<T>,
): ServiceHandle<T> {
  const available = requireService(name, found, installHint);
  let running: T | undefined;
  if (available) {
    beforeAll(async () => {
      running = await start(found!);
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await running?.stop();
    }, START_TIMEOUT_MS);
  }
  return {
    available,
    get current(): T {
      if (running === undefined) throw new Error(`${name} is not running`);
      return running;
    },
  };
}

/**
 * Starts a private redis-server for this test file (stopped after it). Missing binary: throws
 * under CI, else warns and reports `available: false` for `describe.skipIf`.
 */
export function useRedis(): ServiceHandle<RunningRedis> {
  return useService(
    findRedisServer(),
    'redis-server',
    'Install it with `apt-get install redis-server` (or run .ci/services as root).',
    startRedis,
  );
}

/** Starts a throwaway PostgreSQL cluster for this test file (stopped after it). */
export function usePostgres(): ServiceHandle<RunningPostgres> {
  return useService(
    findPostgresBin(),
    'PostgreSQL',
    'Install it with `apt-get install postgresql` (or run .ci/services as root).',
    startPostgres,
  );
}
