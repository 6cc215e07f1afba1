import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { History, InputError } from '@dspy-ts/core';
import { atomicWriteFile, PyFloat } from '@dspy-ts/core/internal';
import { SessionStateError } from './errors.js';
import { type HistoryView, MessageLog } from './history-builder.js';
import { type JsonValue, sessionFileText, toJsonSafe } from './json.js';
import { type AppendOptions, StateChanges } from './state-changes.js';
import { formatPath, readStateJson, type StateJson } from './state-schema.js';
import { checkTurnInit, isPlainRecord, makeTurn, type Turn, type TurnInit } from './turn.js';

/** `SessionState.toDict()`: unlike `saveState`, snapshots are stored. */
export interface SessionStateDict {
  version: 1;
  turns: {
    index: number;
    inputs: Record<string, JsonValue>;
    outputs: Record<string, JsonValue>;
    history_snapshot: { messages: JsonValue };
    score: number | null;
  }[];
  initial_history: { messages: JsonValue } | null;
  l2_memory: string;
  node_states: Record<string, SessionStateDict>;
}

export interface SessionStateInit {
  turns?: readonly TurnInit[] | undefined;
  initialHistory?: History | null | undefined;
  l2Memory?: string | undefined;
  nodeStates?: Readonly<Record<string, SessionState>> | undefined;
}

/**
 * One conversation, kept outside the program: its turns, its history seed, a long-term memory
 * string and the states of child sessions. One shared Session (the program and its weights) can
 * serve many states through `session.useState(state, fn)`.
 *
 * The state owns its turn list: it changes only through `append`, `pop`, `trim` and `reset`, which
 * keep the state's history messages in step (so the next History costs O(1)) and tell a
 * `recordChanges()` journal what happened.
 */
export class SessionState {
  /** The states of withMemory child sessions, by their dotted path. */
  nodeStates: Record<string, SessionState>;
  #turns: Turn[] = [];
  #turnsView: readonly Turn[] | undefined;
  #initialHistory: History | null;
  #l2Memory: string;
  #log: MessageLog | undefined;
  #changes: StateChanges | undefined;
  #conversationId: string | undefined;

  constructor(init: SessionStateInit = {}) {
    if (!isPlainRecord(init)) throw new InputError('new SessionState expects an options object.');
    if (
      init.initialHistory !== undefined &&
      init.initialHistory !== null &&
      !(init.initialHistory instanceof History)
    ) {
      throw new InputError('SessionState initialHistory must be a History or null.');
    }
    if (init.l2Memory !== undefined && typeof init.l2Memory !== 'string') {
      throw new InputError('SessionState l2Memory must be a string.');
    }
    if (init.turns !== undefined && !Array.isArray(init.turns)) {
      throw new InputError('SessionState turns must be an array of turns.');
    }
    for (const [position, turn] of (init.turns ?? []).entries()) {
      checkTurnInit(turn, `SessionState turns[${position}]`);
      this.#push(turn, turn.index ?? position);
    }
    this.#initialHistory = init.initialHistory ?? null;
    this.#l2Memory = init.l2Memory ?? '';
    this.nodeStates = { ...(init.nodeStates ?? {}) };
  }

  /** The turns, oldest first: a frozen view, rebuilt only after a change. Change them with the methods below. */
  get turns(): readonly Turn[] {
    this.#turnsView ??= Object.freeze([...this.#turns]);
    return this.#turnsView;
  }

  get length(): number {
    return this.#turns.length;
  }

  /** Seed messages placed before all turns; `null` falls back to the session's `initialHistory`. */
  get initialHistory(): History | null {
    return this.#initialHistory;
  }

  set initialHistory(value: History | null) {
    if (value !== null && !(value instanceof History)) {
      throw new InputError('SessionState initialHistory must be a History or null.');
    }
    this.#initialHistory = value;
    this.#changes?.record({ kind: 'initialHistory', value });
  }

  /** Long-term memory text (what an episodic withMemory child consolidates its turns into). */
  get l2Memory(): string {
    return this.#l2Memory;
  }

  set l2Memory(value: string) {
    if (typeof value !== 'string') throw new InputError('SessionState l2Memory must be a string.');
    this.#l2Memory = value;
    this.#changes?.record({ kind: 'l2Memory', value });
  }

  /**
   * The index `append` gives the next turn: the turn count, or under a stored-turn cap the last
   * stored index + 1 (so indexes keep counting after old turns are dropped).
   */
  nextIndex(options: AppendOptions = {}): number {
    if (options.maxStoredTurns === undefined) return this.#turns.length;
    return (this.#turns.at(-1)?.index ?? -1) + 1;
  }

  /**
   * Records a turn (its inputs and outputs are copied and frozen) and returns it. Without an
   * `index` the turn is numbered by `nextIndex(options)`; with `maxStoredTurns` the oldest turns
   * beyond it are then dropped, unless `trim: false`.
   */
  append(turn: TurnInit, options: AppendOptions = {}): Turn {
    checkTurnInit(turn, 'SessionState.append(turn)');
    const added = this.#push(turn, turn.index ?? this.nextIndex(options));
    const cap = options.maxStoredTurns;
    if (cap !== undefined && options.trim !== false && this.#turns.length > cap) {
      this.#dropFront(this.#turns.length - cap);
    }
    this.#changes?.record({ kind: 'append', turn: added, options });
    return added;
  }

  /** Removes and returns the last turn, or undefined when there is none. */
  pop(): Turn | undefined {
    const turn = this.#turns.pop();
    if (turn === undefined) return undefined;
    this.#turnsView = undefined;
    this.#log?.truncate(this.#turns.length);
    this.#changes?.record({ kind: 'pop' });
    return turn;
  }

  /** Keeps only the last `keep` turns (all of them when there are fewer). */
  trim(keep: number): void {
    if (!Number.isInteger(keep) || keep < 0) {
      throw new InputError(`SessionState.trim(keep) expects an integer >= 0; got ${String(keep)}.`);
    }
    if (this.#turns.length > keep) this.#dropFront(this.#turns.length - keep);
    this.#changes?.record({ kind: 'trim', keep });
  }

  /** Deletes every turn; the seed, the long-term memory and the node states stay. */
  reset(): void {
    this.#turns = [];
    this.#turnsView = undefined;
    // A fresh log: old snapshots keep viewing the old one.
    this.#log = undefined;
    this.#changes?.record({ kind: 'reset' });
  }

  /**
   * The History a session call on this state sees: the seed (this state's, else `view`'s), then
   * one message per turn, cut to the last `view.maxTurns` messages. Snapshots share one array.
   */
  history(view: HistoryView): History {
    const seed = this.#initialHistory ?? view.initialHistory;
    if (!this.#log?.serves(seed, view)) this.#log = new MessageLog(seed, view);
    return this.#log.view(this.#turns, view.maxTurns);
  }

  /** The node state at `path` (a withMemory child's), made by `create` on first use. */
  nodeState(path: string, create: () => SessionState): SessionState {
    let node = this.nodeStates[path];
    if (node === undefined) {
      node = create();
      this.nodeStates[path] = node;
      // A child that first runs during a recorded call is recorded from its creation.
      if (this.#changes) this.#changes.recordNode(path, node, node.recordChanges());
    }
    return node;
  }

  /**
   * Starts a journal of every change made from now on to this state and its node states (it
   * replaces an earlier one). `changes.replayOnto(newerCopy)` re-applies them elsewhere. A node
   * state assigned to `nodeStates` by hand meanwhile is not journaled: add it with `nodeState`.
   */
  recordChanges(): StateChanges {
    const changes = new StateChanges();
    this.#changes = changes;
    for (const [path, node] of Object.entries(this.nodeStates)) {
      changes.recordNode(path, node, node.recordChanges());
    }
    return changes;
  }

  /**
   * Names this conversation in traces (`gen_ai.conversation.id`): the user id under a
   * SessionManager, else a random UUID drawn on first use. Runtime only: never saved.
   */
  get conversationId(): string {
    this.#conversationId ??= randomUUID();
    return this.#conversationId;
  }

  set conversationId(id: string) {
    this.#conversationId = id;
  }

  /** An independent copy: turns (inputs, outputs, scores) and node states are copied. */
  fork(): SessionState {
    const copy = new SessionState({ initialHistory: this.#initialHistory, l2Memory: this.#l2Memory });
    for (const turn of this.#turns) copy.#push(turn, turn.index);
    copy.nodeStates = Object.fromEntries(Object.entries(this.nodeStates).map(([k, v]) => [k, v.fork()]));
    return copy;
  }

  /** Plain JSON (snapshots included). Values JSON cannot represent throw SessionStateError. */
  toDict(): SessionStateDict {
    const initial = this.#initialHistory;
    return {
      version: 1,
      turns: this.#turns.map((turn, i) => ({
        index: turn.index,
        inputs: toJsonSafe(turn.inputs, `turns[${i}].inputs`) as Record<string, JsonValue>,
        outputs: toJsonSafe(turn.outputs, `turns[${i}].outputs`) as Record<string, JsonValue>,
        history_snapshot: {
          messages: toJsonSafe(turn.historySnapshot.messages, `turns[${i}].history_snapshot`),
        },
        score: turn.score ?? null,
      })),
      initial_history: initial ? { messages: toJsonSafe(initial.messages, 'initial_history') } : null,
      l2_memory: this.#l2Memory,
      node_states: Object.fromEntries(Object.entries(this.nodeStates).map(([k, v]) => [k, v.toDict()])),
    };
  }

  /**
   * Reads `toDict()` output (also Python's) with the one SessionState schema (`state-schema.ts`).
   * Lenient like Python where it can be (a missing snapshot is an empty History, `index` defaults
   * to the position); forbidden keys, a wrong version, a wrong shape, a negative or duplicate
   * index, or nesting beyond any sane depth throw SessionStateError naming the JSON path.
   */
  static fromDict(data: unknown): SessionState {
    return stateFromJson(data);
  }

  /** Writes `toDict()` as JSON (atomic: a failed save leaves the old file intact). */
  async save(path: string): Promise<void> {
    const dict = this.toDict();
    await atomicWriteFile(path, sessionFileText(withFloatScores(dict)));
  }

  static async loadFrom(path: string): Promise<SessionState> {
    return SessionState.fromDict(await readJsonFile(path));
  }

  /** Stores a copy of `turn` under `index`; the checked entry point of every turn. */
  #push(turn: TurnInit, index: number): Turn {
    const added = makeTurn({
      index,
      inputs: turn.inputs ?? {},
      outputs: turn.outputs ?? {},
      historySnapshot: turn.historySnapshot ?? new History(),
      score: turn.score,
    });
    this.#turns.push(added);
    this.#turnsView = undefined;
    return added;
  }

  #dropFront(count: number): void {
    this.#turns.splice(0, count);
    this.#turnsView = undefined;
    if (this.#log && !this.#log.dropFront(count)) this.#log = undefined;
  }
}

function withFloatScores(dict: SessionStateDict): unknown {
  return {
    ...dict,
    turns: dict.turns.map((t) => ({ ...t, score: t.score === null ? null : new PyFloat(t.score) })),
    node_states: Object.fromEntries(
      Object.entries(dict.node_states).map(([k, v]) => [k, withFloatScores(v)]),
    ),
  };
}

/** Reads and parses a JSON file; unreadable JSON is a SessionStateError. */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SessionStateError(
      `Session file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Builds a state from JSON the schema accepted; `path` names it in error messages. */
export function stateFromJson(data: unknown, path: readonly PropertyKey[] = []): SessionState {
  const read = readStateJson(data, { path });
  if (read.problem) {
    throw new SessionStateError(
      `Invalid session state at ${formatPath(read.problem.path)}: ${read.problem.message}.`,
    );
  }
  return buildState(read.state);
}

const historyOf = (value: { messages: Record<string, unknown>[] } | null | undefined): History =>
  new History(value?.messages ?? []);

// Node states nest at most MAX_NESTING / 2 levels (the schema's limit), so this recursion is bounded.
function buildState(json: StateJson): SessionState {
  const state = new SessionState({
    initialHistory: json.initial_history ? historyOf(json.initial_history) : null,
    l2Memory: json.l2_memory === undefined || json.l2_memory === null ? '' : String(json.l2_memory),
  });
  for (const [i, turn] of (json.turns ?? []).entries()) {
    state.append({
      index: turn.index ?? i,
      inputs: turn.inputs ?? {},
      outputs: turn.outputs ?? {},
      historySnapshot: historyOf(turn.history_snapshot),
      score: turn.score ?? null,
    });
  }
  for (const [name, node] of Object.entries(json.node_states ?? {}))
    state.nodeStates[name] = buildState(node);
  return state;
}
