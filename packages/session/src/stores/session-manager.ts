import { setTimeout as delay } from 'node:timers/promises';
import {
  ConfigurationError,
  type Example,
  type ForwardOutput,
  InputError,
  type Module,
  settings,
} from '@dspy-ts/core';
import { VersionConflictError } from '../errors.js';
import type { ToExamplesOptions } from '../linearize.js';
import { KeyedFifo } from '../lock.js';
import { type AnyModule, Session, type SessionInputs, type SessionOptions } from '../session.js';
import { SessionState } from '../state.js';
import type { StateChanges } from '../state-changes.js';
import type { SessionStore } from './types.js';
import { assertId, checkPutOptions, showId } from './validate.js';

export type SessionManagerOptions = SessionOptions & {
  /** Where each user's SessionState lives (MemoryStore, FileStore, RedisStore, PostgresStore, ...). */
  store: SessionStore;
  /** Time to live applied on every save, in milliseconds. Default: no expiry. */
  ttlMs?: number | undefined;
  /**
   * How long a save keeps retrying version conflicts with another process, in milliseconds
   * (default 30000), reloading and re-applying its turn after a jittered backoff each time.
   */
  conflictTimeoutMs?: number | undefined;
  /** An additional cap on those retries (default: none, only `conflictTimeoutMs`). */
  maxConflictRetries?: number | undefined;
};

// Backoff between conflicting saves: full jitter under a ceiling that doubles up to this.
const MAX_CONFLICT_BACKOFF_MS = 250;

/**
 * One shared program, one conversation per user, kept in a SessionStore so that any process or
 * machine can serve any user. `call(userId, inputs)` loads that user's SessionState, runs the
 * shared Session with it, and saves it with an optimistic version check. On a conflict (another
 * process saved the same user meanwhile) it reloads and replays the call's changes (the state's
 * `recordChanges()` journal, with the turn it already computed): the LM is never called twice,
 * and no turn is lost or duplicated.
 */
export class SessionManager<M extends AnyModule = Module> {
  /** The shared blueprint (program, weights, options); `session.updateModule(...)` hot-swaps it. */
  readonly session: Session<M>;
  readonly store: SessionStore;
  readonly ttlMs: number | undefined;
  readonly maxConflictRetries: number;
  readonly conflictTimeoutMs: number;
  readonly #queue = new KeyedFifo();

  constructor(program: M, options: SessionManagerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError(
        'SessionManager needs options with a store: new SessionManager(program, { store }).',
      );
    }
    const {
      store,
      ttlMs,
      maxConflictRetries = Number.POSITIVE_INFINITY,
      conflictTimeoutMs = 30_000,
      ...sessionOptions
    } = options;
    const methods = ['get', 'put', 'delete', 'list'] as const;
    if (
      store === null ||
      typeof store !== 'object' ||
      !methods.every((m) => typeof store[m] === 'function')
    ) {
      throw new ConfigurationError(
        'SessionManager `store` must be a SessionStore (MemoryStore, FileStore, RedisStore, PostgresStore, ...).',
      );
    }
    if (
      !(Number.isInteger(maxConflictRetries) || maxConflictRetries === Number.POSITIVE_INFINITY) ||
      maxConflictRetries < 0
    ) {
      throw new ConfigurationError(
        `SessionManager \`maxConflictRetries\` must be an integer >= 0, got ${String(maxConflictRetries)}.`,
      );
    }
    if (typeof conflictTimeoutMs !== 'number' || !(conflictTimeoutMs >= 0)) {
      throw new ConfigurationError(
        `SessionManager \`conflictTimeoutMs\` must be a number of milliseconds >= 0, got ${String(conflictTimeoutMs)}.`,
      );
    }
    try {
      checkPutOptions({ ttlMs });
    } catch (error) {
      throw new ConfigurationError(`SessionManager ${(error as Error).message}`);
    }
    this.store = store;
    this.ttlMs = ttlMs;
    this.maxConflictRetries = maxConflictRetries;
    this.conflictTimeoutMs = conflictTimeoutMs;
    this.session = new Session(program, sessionOptions as SessionOptions);
  }

  async #load(userId: string): Promise<{ state: SessionState; version: number }> {
    const stored = await this.store.get(userId);
    if (stored === undefined) return { state: this.session.newState(), version: 0 };
    return { state: SessionState.fromDict(stored.state), version: stored.version };
  }

  async #save(userId: string, state: SessionState, version: number, changes: StateChanges): Promise<void> {
    let base = { state, version };
    const deadline = Date.now() + this.conflictTimeoutMs;
    for (let retry = 0; ; retry++) {
      try {
        await this.store.put(userId, base.state.toDict(), {
          expectedVersion: base.version,
          ttlMs: this.ttlMs,
        });
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || retry >= this.maxConflictRetries) throw error;
        // The turn was computed (the LM call is spent): keep trying for the whole time budget.
        const wait = Math.random() * Math.min(MAX_CONFLICT_BACKOFF_MS, 2 * 2 ** retry);
        if (Date.now() + wait > deadline) throw error;
        // Full jitter spreads writers that collided, so they do not collide again in lockstep.
        await delay(wait);
      }
      base = await this.#load(userId);
      changes.replayOnto(base.state);
    }
  }

  /**
   * Runs the shared program for `userId`: load that user's state, call the session with it, save
   * the new turn. Returns the module's result. A call that records nothing (an explicit history
   * under the `'override'` policy) saves nothing.
   */
  async call(userId: string, inputs: SessionInputs<M>): Promise<ForwardOutput<M>> {
    assertId(userId);
    // Calls for one user in this process take turns, as in a conversation: each sees the turns
    // before it, and none of them can conflict with another. Other processes still can.
    return this.#queue.run(userId, () => this.#call(userId, inputs));
  }

  async #call(userId: string, inputs: SessionInputs<M>): Promise<ForwardOutput<M>> {
    const { state, version } = await this.#load(userId);
    state.conversationId = userId;
    const changes = state.recordChanges();
    let result: ForwardOutput<M>;
    try {
      result = await this.session.useState(state, () => this.session.call(inputs));
    } catch (error) {
      // replace_session changes the state before the module runs, and that persists.
      if (!changes.isEmpty) {
        await this.#save(userId, state, version, changes).catch((saveError: unknown) => {
          settings.logger.warn(
            `SessionManager: could not save the state of ${showId(userId)} after a failed call: ${String(saveError)}`,
          );
        });
      }
      throw error;
    }
    if (!changes.isEmpty) await this.#save(userId, state, version, changes);
    return result;
  }

  /** Alias of `call`. */
  forward(userId: string, inputs: SessionInputs<M>): Promise<ForwardOutput<M>> {
    return this.call(userId, inputs);
  }

  /** The user's stored state, or undefined when there is none (never stored, reset or expired). */
  async get(userId: string): Promise<SessionState | undefined> {
    assertId(userId);
    const stored = await this.store.get(userId);
    return stored === undefined ? undefined : SessionState.fromDict(stored.state);
  }

  /** Deletes the user's stored state; true when there was one. */
  reset(userId: string): Promise<boolean> {
    assertId(userId);
    return this.store.delete(userId);
  }

  /**
   * `session.toExamples(options)` over the stored states of `userIds` (default: every id of
   * `store.list()`, in that order), concatenated. Ids without a stored state are skipped.
   * Scores computed by a `metric` are not saved back.
   */
  async toExamples(userIds?: readonly string[], options?: ToExamplesOptions): Promise<Example[]> {
    if (userIds !== undefined && !Array.isArray(userIds)) {
      throw new InputError(
        'toExamples(userIds) expects an array of user ids (or undefined for every stored user).',
      );
    }
    const ids = userIds ?? (await this.store.list());
    const examples: Example[] = [];
    for (const id of ids) {
      const state = await this.get(id);
      if (state === undefined) continue;
      examples.push(...(await this.session.useState(state, () => this.session.toExamples(options))));
    }
    return examples;
  }
}
