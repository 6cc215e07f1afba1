import { History, InputError } from '@dspy-ts/core';
import type { Isolation } from './memory-context.js';
import type { HistoryPolicy } from './options.js';
import type { SessionState } from './state.js';

/** How one session call runs: the history the module sees and whether the call records a turn. */
export interface RunPlan {
  /** The inputs without the history field. */
  rest: Record<string, unknown>;
  runHistory: History;
  records: boolean;
  /** An explicit history under 'override': a stateless replay (no turn, no end-of-call cleanup). */
  passThrough: boolean;
}

export const typeName = (value: unknown): string => {
  if (typeof value !== 'object' || value === null) return value === null ? 'null' : typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? name : 'object';
};

/**
 * Which history a call runs with. A shared withMemory child uses the
 * outermost call's history; otherwise the session history, unless one is passed explicitly, which
 * the policy then treats as a replay ('override'), a one-off ('use_if_provided') or a new seed
 * ('replace_session', which persists even if the module throws).
 */
export function planRun(options: {
  inputs: Readonly<Record<string, unknown>>;
  historyField: string;
  policy: HistoryPolicy;
  state: SessionState;
  isolation: Isolation | undefined;
  stateless: boolean;
  outerHistory: History | undefined;
  historyOf: (state: SessionState) => History;
}): RunPlan {
  const { historyField: field, state } = options;
  const rest: Record<string, unknown> = { ...options.inputs };
  const given = rest[field];
  delete rest[field];
  const explicit = given === undefined || given === null ? undefined : given;
  if (explicit !== undefined && !(explicit instanceof History)) {
    throw new InputError(`Expected ${field} to be History, got ${typeName(explicit)}.`);
  }
  const records = !options.stateless;
  if (explicit === undefined && options.outerHistory && options.isolation === 'shared') {
    return { rest, runHistory: options.outerHistory, records: false, passThrough: false };
  }
  if (explicit === undefined)
    return { rest, runHistory: options.historyOf(state), records, passThrough: false };
  if (options.policy === 'override') return { rest, runHistory: explicit, records: false, passThrough: true };
  if (options.policy === 'use_if_provided')
    return { rest, runHistory: explicit, records, passThrough: false };
  state.initialHistory = explicit;
  state.reset();
  return { rest, runHistory: options.historyOf(state), records, passThrough: false };
}
