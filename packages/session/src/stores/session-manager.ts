import { setTimeout as delay } from 'node:timers/promises';
import {
  ConfigurationError,
  type Example,
  type ForwardOutput,
  type History,
  InputError,
  type Module,
  settings,
} from '@dspy-ts/core';
import { VersionConflictError } from '../errors.js';
import type { ToExamplesOptions } from '../linearize.js';
import { KeyedFifo } from '../lock.js';
import { type AnyModule, Session, type SessionInputs, type SessionOptions } from '../session.js';
import { makeTurn, SessionState } from '../state.js';
import type { Turn } from '../turn.js';
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

/** What one call changed in a state, re-applicable onto a newer copy of it. */
interface StateChange {
  /** replace_session installed a new seed. */
  seed: { value: History | null } | undefined;
  /** The turns the call started with are gone (replace_session, or trimmed away entirely). */
  cleared: boolean;
  /** New turns, as computed: their snapshots keep the history the module actually saw. */
  appended: Turn[];
  l2Memory: { value: string } | undefined;
  nodes: Map<string, { change: StateChange; state: SessionState }>;
}

interface StateMark {
  turns: readonly Turn[];
  seed: History | null;
  l2Memory: string;
  nodes: Map<string, StateMark>;
}

function mark(state: SessionState): StateMark {
  return {
    turns: [...state.turns],
    seed: state.initialHistory,
    l2Memory: state.l2Memory,
    nodes: new Map(Object.entries(state.nodeStates).map(([path, node]) => [path, mark(node)])),
  };
}

const EMPTY_MARK: StateMark = { turns: [], seed: null, l2Memory: '', nodes: new Map() };

function changeSince(before: StateMark, after: SessionState): StateChange | undefined {
  const known = new Set(before.turns);
  const kept = after.turns.filter((turn) => known.has(turn));
  const change: StateChange = {
    seed: after.initialHistory === before.seed ? undefined : { value: after.initialHistory },
    cleared: before.turns.length > 0 && kept.length === 0,
    appended: after.turns.filter((turn) => !known.has(turn)),
    l2Memory: after.l2Memory === before.l2Memory ? undefined : { value: after.l2Memory },
    nodes: new Map(),
  };
  for (const [path, node] of Object.entries(after.nodeStates)) {
    const nodeChange = changeSince(before.nodes.get(path) ?? EMPTY_MARK, node);
    if (nodeChange !== undefined) change.nodes.set(path, { change: nodeChange, state: node });
  }
  const changed =
    change.seed !== undefined ||
    change.cleared ||
    change.appended.length > 0 ||
    change.l2Memory !== undefined ||
    change.nodes.size > 0;
  return changed ? change : undefined;
}

/** Replays `change` onto `target` (a newer state): indexes and the stored-turn cap as a Session would. */
function applyChange(target: SessionState, change: StateChange, maxStoredTurns: number | undefined): void {
  if (change.seed !== undefined) target.initialHistory = change.seed.value;
  if (change.cleared) target.turns.splice(0);
  for (const turn of change.appended) {
    const index = maxStoredTurns === undefined ? target.turns.length : (target.turns.at(-1)?.index ?? -1) + 1;
    target.turns.push(makeTurn({ ...turn, index }));
    if (maxStoredTurns !== undefined && target.turns.length > maxStoredTurns) {
      target.turns.splice(0, target.turns.length - maxStoredTurns);
    }
  }
  if (change.l2Memory !== undefined) target.l2Memory = change.l2Memory.value;
  for (const [path, node] of change.nodes) {
    const existing = target.nodeStates[path];
    if (existing === undefined) target.nodeStates[path] = node.state;
    else applyChange(existing, node.change, maxStoredTurns);
  }
}

/**
 * One shared program, one conversation per user, kept in a SessionStore so that any process or
 * machine can serve any user. `call(userId, inputs)` loads that user's SessionState, runs the
 * shared Session with it, and saves it with an optimistic version check. On a conflict (another
 * process saved the same user meanwhile) it reloads and appends the turn it already computed: the
 * LM is never called twice, and no turn is lost or duplicated.
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

  async #save(userId: string, state: SessionState, version: number, change: StateChange): Promise<void> {
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
      applyChange(base.state, change, this.session.options.maxStoredTurns);
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
    const before = mark(state);
    let result: ForwardOutput<M>;
    try {
      result = await this.session.useState(state, () => this.session.call(inputs));
    } catch (error) {
      // replace_session changes the state before the module runs, and that persists.
      const change = changeSince(before, state);
      if (change !== undefined) {
        await this.#save(userId, state, version, change).catch((saveError: unknown) => {
          settings.logger.warn(
            `SessionManager: could not save the state of ${showId(userId)} after a failed call: ${String(saveError)}`,
          );
        });
      }
      throw error;
    }
    const change = changeSince(before, state);
    if (change !== undefined) await this.#save(userId, state, version, change);
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
