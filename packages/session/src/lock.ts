import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A FIFO mutex: `acquire()` queues synchronously, so calls run in the order they were invoked.
 * Resolves to the release function.
 */
export class FifoLock {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = next;
    return ready;
  }
}

/** The locks held by the current async call chain, to refuse re-entrant calls instead of deadlocking. */
const held = new AsyncLocalStorage<ReadonlySet<object>>();

export const holdsLock = (owner: object): boolean => held.getStore()?.has(owner) ?? false;

/** Runs `fn` marked as holding `owner`'s lock. */
export function whileHolding<T>(owner: object, fn: () => T): T {
  const current = held.getStore();
  return held.run(new Set([...(current ?? []), owner]), fn);
}
