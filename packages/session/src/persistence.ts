import { History } from '@dspy-ts/core';
import { markFloatFields, PyFloat } from '@dspy-ts/core/internal';
import { z } from 'zod';
import { SessionStateError } from './errors.js';
import type { FieldTypes } from './field-types.js';
import { type JsonValue, sessionFileText, toJsonSafe } from './json.js';
import type { CopyMode, HistoryPolicy, ResolvedSessionOptionsOf, SessionOptionsOf } from './options.js';
import { type SessionState, type SessionStateDict, stateFromJson } from './state.js';
import {
  duplicateIndex,
  formatPath,
  historyJson,
  jsonRecord,
  l2MemoryJson,
  structureProblem,
  turnIndex,
  turnScore,
} from './state-schema.js';
import { setOwn, type Turn } from './turn.js';

/** The JSON a session saves, key order as in Python; version 2. */
export interface SavedSessionState {
  version: 2;
  history_field: string;
  max_turns: number | null;
  max_stored_turns?: number | null;
  copy_mode?: CopyMode;
  exclude_fields: string[];
  history_input_fields: string[] | null;
  history_policy: HistoryPolicy;
  turns: {
    index: number;
    inputs: Record<string, JsonValue>;
    outputs: Record<string, JsonValue>;
    score: number | null;
  }[];
  initial_history: { messages: JsonValue } | null;
  l2_memory?: string;
  node_states?: Record<string, SessionStateDict>;
}

/**
 * `saveState()`: the 0.1.0 key set, which every Python version loads. The later keys
 * (`max_stored_turns`, `copy_mode`, `l2_memory`, `node_states`) are written only when they differ
 * from their defaults, so a plain session's file stays byte-identical to Python 0.1.0's.
 */
export function buildSavedState<S>(
  options: ResolvedSessionOptionsOf<S>,
  state: SessionState,
  seed: History | undefined,
): SavedSessionState {
  // Key order matters for byte-identical files: the later keys go where Python HEAD puts them.
  const extended: Partial<SavedSessionState> = {};
  if (options.maxStoredTurns !== undefined) extended.max_stored_turns = options.maxStoredTurns;
  if (options.copyMode !== 'deep') extended.copy_mode = options.copyMode;
  const result: SavedSessionState = {
    version: 2,
    history_field: options.historyField,
    max_turns: options.maxTurns ?? null,
    ...extended,
    exclude_fields: [...options.excludeFields],
    history_input_fields: historyInputFieldsEntry(options.historyInputFields),
    history_policy: options.historyPolicy,
    turns: state.turns.map((turn: Turn, i) => ({
      index: turn.index,
      inputs: toJsonSafe(turn.inputs, `turns[${i}].inputs`) as Record<string, JsonValue>,
      outputs: toJsonSafe(turn.outputs, `turns[${i}].outputs`) as Record<string, JsonValue>,
      score: turn.score ?? null,
    })),
    initial_history: seed ? { messages: toJsonSafe(seed.messages, 'initial_history.messages') } : null,
  };
  if (state.l2Memory !== '') result.l2_memory = state.l2Memory;
  const nodes = Object.entries(state.nodeStates);
  if (nodes.length > 0) result.node_states = Object.fromEntries(nodes.map(([k, v]) => [k, v.toDict()]));
  return result;
}

/**
 * An empty set is written as `[""]`: dspy-session reads an empty list back as "no filter" (every
 * input enters the history), while `[""]` names no input, so Python's reload keeps inputs out as
 * ours does. Reading drops the empty name again.
 */
const NO_INPUT_FIELDS = '';

const historyInputFieldsEntry = (fields: ReadonlySet<string> | undefined): string[] | null => {
  if (fields === undefined) return null;
  return fields.size === 0 ? [NO_INPUT_FIELDS] : [...fields];
};

/**
 * The file text of `session.save`: Python's `json.dumps(indent=2)` bytes. Scores, and turn values
 * whose field is typed float (`fields`), print as `1.0`: Python would otherwise read an int back.
 */
export function savedStateText(saved: SavedSessionState, fields: FieldTypes = {}): string {
  return sessionFileText({
    ...saved,
    turns: saved.turns.map((turn) => ({
      ...turn,
      inputs: markFloatFields(turn.inputs, fields),
      outputs: markFloatFields(turn.outputs, fields),
      score: turn.score === null ? null : new PyFloat(turn.score),
    })),
  });
}

const fieldList = z.array(z.string()).nullable().optional();
const positiveInt = z.number().int().min(1).nullable().optional();

const savedSchema = z.looseObject({
  history_field: z.string().optional(),
  max_turns: positiveInt,
  max_stored_turns: positiveInt,
  copy_mode: z.enum(['deep', 'shallow', 'none']).optional(),
  exclude_fields: fieldList,
  history_input_fields: fieldList,
  input_field_override: fieldList,
  history_policy: z.enum(['override', 'use_if_provided', 'replace_session']).optional(),
  turns: z
    .array(
      z.looseObject({
        index: turnIndex,
        inputs: jsonRecord,
        outputs: jsonRecord,
        score: turnScore.optional(),
      }),
    )
    .optional(),
  initial_history: historyJson.nullable().optional(),
  l2_memory: l2MemoryJson,
  // Each node state is read by the SessionState schema, with its own path in errors.
  node_states: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** What a saved session contributes to `Session.fromState`. */
export interface ParsedSavedState<S> {
  options: SessionOptionsOf<S>;
  turns: {
    index: number;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    score: number | null;
  }[];
  l2Memory: string;
  nodeStates: Record<string, SessionState>;
}

/**
 * Validates a saved session (versions 1 and 2, Python's or ours) and turns it into constructor
 * options plus turns. Forbidden keys, unsupported versions and wrong shapes are SessionStateErrors
 * naming the JSON path. Unknown top-level keys are ignored, as in Python.
 */
export function parseSavedState<S>(data: unknown): ParsedSavedState<S> {
  const structural = structureProblem(data);
  if (structural) {
    throw new SessionStateError(
      `Invalid session state at ${formatPath(structural.path)}: ${structural.message}. Refusing to load it.`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SessionStateError('Invalid session state: the root must be a JSON object.');
  }
  const version = (data as { version?: unknown }).version ?? 1;
  if (version !== 1 && version !== 2) {
    throw new SessionStateError(
      `Unsupported session state version: ${String(version)}. Supported versions: 1, 2.`,
    );
  }
  const parsed = savedSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SessionStateError(`Invalid session state at ${formatPath(issue.path)}: ${issue.message}.`);
  }
  const saved = parsed.data;
  const duplicate = duplicateIndex(saved.turns ?? []);
  if (duplicate !== undefined) {
    throw new SessionStateError(
      `Invalid session state at ${formatPath(['turns', duplicate, 'index'])}: duplicate turn index ${saved.turns![duplicate]!.index}.`,
    );
  }
  const historyInputFields = (
    'history_input_fields' in saved ? saved.history_input_fields : saved.input_field_override
  )?.filter((name) => name !== NO_INPUT_FIELDS);
  const nodeStates: Record<string, SessionState> = {};
  for (const [name, node] of Object.entries(saved.node_states ?? {})) {
    nodeStates[name] = stateFromJson(node, ['node_states', name]);
  }
  return {
    options: {
      historyField: saved.history_field ?? 'history',
      maxTurns: saved.max_turns ?? undefined,
      maxStoredTurns: saved.max_stored_turns ?? undefined,
      copyMode: saved.copy_mode ?? 'deep',
      excludeFields: saved.exclude_fields ?? [],
      historyInputFields: historyInputFields ?? undefined,
      historyPolicy: saved.history_policy ?? 'override',
      initialHistory: saved.initial_history
        ? new History(saved.initial_history.messages as Record<string, unknown>[])
        : undefined,
    },
    turns: (saved.turns ?? []).map((turn) => ({
      index: turn.index,
      inputs: turn.inputs,
      outputs: turn.outputs,
      score: turn.score ?? null,
    })),
    l2Memory: saved.l2_memory === undefined || saved.l2_memory === null ? '' : String(saved.l2_memory),
    nodeStates,
  };
}

/** Puts a parsed saved state into `target`: memory, node states, then turns with their snapshots. */
export function restoreSaved<S>(
  target: SessionState,
  parsed: ParsedSavedState<S>,
  historyNow: () => History,
): void {
  target.l2Memory = parsed.l2Memory;
  target.nodeStates = parsed.nodeStates;
  for (const turn of parsed.turns) target.append({ ...turn, historySnapshot: historyNow() });
}

/**
 * Saved values override nothing the caller passes: `options` win key by key (an
 * `inputFieldOverride` option replaces the saved `history_input_fields`). Undefined values count
 * as not given.
 */
export function mergeLoadOptions<S>(
  saved: SessionOptionsOf<S>,
  options: SessionOptionsOf<S>,
): SessionOptionsOf<S> {
  const merged: Record<string, unknown> = { ...saved };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) setOwn(merged, key, value);
  if (options.inputFieldOverride !== undefined && options.inputFieldOverride !== null) {
    delete merged.historyInputFields;
  }
  return merged as SessionOptionsOf<S>;
}
