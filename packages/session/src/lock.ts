import { ConfigurationError } from '@dspy-ts/core';
import { FrameSlot } from '@dspy-ts/core/internal';

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

  /**
   * Runs `fn` holding this lock for `owner`, in call order. A call made from inside the owner's
   * own call is refused (it would wait for itself forever); `mode` names the lock in that message.
   */
  async runExclusive<T>(owner: object, mode: string, fn: () => Promise<T>): Promise<T> {
    if (holdsLock(owner)) {
      throw new ConfigurationError(
        `re-entrant call to a Session with lock '${mode}': the session was called from inside its own call, ` +
          'which would deadlock. Call another session (e.g. session.fork()) or use lock: "none".',
      );
    }
    const release = await this.acquire();
    try {
      return await whileHolding(owner, fn);
    } finally {
      release();
    }
  }
}

/**
 * One FIFO queue per key: `run(key, fn)` waits for the calls of the same key that came before it.
 * A key's entry is dropped when its queue empties, so a million users cost nothing at rest. A
 * call made from inside a queued call of the same key runs at once.
 */
export class KeyedFifo {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #held = new FrameSlot<ReadonlySet<string>>('dspy-ts.session.keyedFifo');

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const held = this.#held.get();
    // A call made from inside a queued call of the same key would wait for itself forever.
    if (held?.has(key)) return fn();
    const previous = this.#tails.get(key);
    let done!: () => void;
    const tail = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#tails.set(key, tail);
    await previous;
    try {
      return await this.#held.run(new Set([...(held ?? []), key]), fn);
    } finally {
      done();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** The locks held by the current async call chain, to refuse re-entrant calls instead of deadlocking. */
const held = new FrameSlot<ReadonlySet<object>>('dspy-ts.session.locks');

export const holdsLock = (owner: object): boolean => held.get()?.has(owner) ?? false;

/** Runs `fn` marked as holding `owner`'s lock. */
export function whileHolding<T>(owner: object, fn: () => T): T {
  const current = held.get();
  return held.run(new Set([...(current ?? []), owner]), fn);
}
