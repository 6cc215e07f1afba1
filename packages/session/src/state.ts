import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { History, InputError } from '@dspy-ts/core';
import { atomicWriteFile, PyFloat } from '@dspy-ts/core/internal';
import { SessionStateError } from './errors.js';
import { type JsonValue, pythonJsonDumps, toJsonSafe } from './json.js';
import { formatPath, readStateJson, type StateJson } from './state-schema.js';
import { frozenRecord, isPlainRecord, type Turn } from './turn.js';

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

/** A turn as given to `new SessionState`: the snapshot defaults to an empty History. */
export interface TurnInit {
  index?: number | undefined;
  inputs?: Readonly<Record<string, unknown>> | undefined;
  outputs?: Readonly<Record<string, unknown>> | undefined;
  historySnapshot?: History | undefined;
  score?: number | null | undefined;
}

function checkTurnInit(turn: TurnInit, position: number): void {
  const at = `SessionState turns[${position}]`;
  if (turn.index !== undefined && !Number.isInteger(turn.index))
    throw new InputError(`${at}.index must be an integer.`);
  for (const key of ['inputs', 'outputs'] as const) {
    if (turn[key] !== undefined && !isPlainRecord(turn[key]))
      throw new InputError(`${at}.${key} must be a record.`);
  }
  if (turn.historySnapshot !== undefined && !(turn.historySnapshot instanceof History)) {
    throw new InputError(`${at}.historySnapshot must be a History.`);
  }
  if (turn.score !== undefined && turn.score !== null && !Number.isFinite(turn.score)) {
    throw new InputError(`${at}.score must be a finite number or null.`);
  }
}

/** A stored turn with frozen copies of its inputs and outputs. */
export function makeTurn(init: {
  index: number;
  inputs: Readonly<Record<string, unknown>>;
  outputs: Readonly<Record<string, unknown>>;
  historySnapshot: History;
  score?: number | null | undefined;
}): Turn {
  return {
    index: init.index,
    inputs: frozenRecord(init.inputs),
    outputs: frozenRecord(init.outputs),
    historySnapshot: init.historySnapshot,
    score: init.score ?? undefined,
  };
}

/**
 * One conversation, kept outside the program: its turns, its history seed, a
 * long-term memory string and the states of child sessions. One shared Session (the program and
 * its weights) can serve many states through `session.useState(state, fn)`.
 */
export class SessionState {
  turns: Turn[];
  initialHistory: History | null;
  l2Memory: string;
  nodeStates: Record<string, SessionState>;
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
    this.turns = (init.turns ?? []).map((turn: TurnInit, position) => {
      if (!isPlainRecord(turn as unknown))
        throw new InputError(`SessionState turns[${position}] must be an object.`);
      checkTurnInit(turn, position);
      return makeTurn({
        index: turn.index ?? position,
        inputs: turn.inputs ?? {},
        outputs: turn.outputs ?? {},
        historySnapshot: turn.historySnapshot ?? new History(),
        score: turn.score,
      });
    });
    this.initialHistory = init.initialHistory ?? null;
    this.l2Memory = init.l2Memory ?? '';
    this.nodeStates = { ...(init.nodeStates ?? {}) };
  }

  get length(): number {
    return this.turns.length;
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
    const copy = new SessionState({ initialHistory: this.initialHistory, l2Memory: this.l2Memory });
    copy.turns = this.turns.map((turn) => makeTurn(turn));
    copy.nodeStates = Object.fromEntries(Object.entries(this.nodeStates).map(([k, v]) => [k, v.fork()]));
    return copy;
  }

  /** Plain JSON (snapshots included). Values JSON cannot represent throw SessionStateError. */
  toDict(): SessionStateDict {
    return {
      version: 1,
      turns: this.turns.map((turn, i) => ({
        index: turn.index,
        inputs: toJsonSafe(turn.inputs, `turns[${i}].inputs`) as Record<string, JsonValue>,
        outputs: toJsonSafe(turn.outputs, `turns[${i}].outputs`) as Record<string, JsonValue>,
        history_snapshot: {
          messages: toJsonSafe(turn.historySnapshot.messages, `turns[${i}].history_snapshot`),
        },
        score: turn.score ?? null,
      })),
      initial_history: this.initialHistory
        ? { messages: toJsonSafe(this.initialHistory.messages, 'initial_history') }
        : null,
      l2_memory: this.l2Memory,
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
    await atomicWriteFile(path, pythonJsonDumps(withFloatScores(dict)));
  }

  static async loadFrom(path: string): Promise<SessionState> {
    return SessionState.fromDict(await readJsonFile(path));
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
  state.turns = (json.turns ?? []).map((turn, i) =>
    makeTurn({
      index: turn.index ?? i,
      inputs: turn.inputs ?? {},
      outputs: turn.outputs ?? {},
      historySnapshot: historyOf(turn.history_snapshot),
      score: turn.score ?? null,
    }),
  );
  for (const [name, node] of Object.entries(json.node_states ?? {}))
    state.nodeStates[name] = buildState(node);
  return state;
}
