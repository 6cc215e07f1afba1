import type { History } from '@dspy-ts/core';
import type { Turn, TurnInit } from './turn.js';

/** How `SessionState.append` numbers a turn and bounds the list (a session passes its options). */
export interface AppendOptions {
  /**
   * The session's stored-turn cap: the new turn's index continues the last stored one (instead of
   * being the turn count), and the oldest turns beyond the cap are dropped.
   */
  maxStoredTurns?: number | undefined;
  /** `false` numbers the turn by the cap's rule but drops nothing (`session.addTurn`). Default true. */
  trim?: boolean | undefined;
}

/** One call of a SessionState mutator, as it was made. */
export type StateOp =
  | { readonly kind: 'append'; readonly turn: Turn; readonly options: AppendOptions }
  | { readonly kind: 'pop' }
  | { readonly kind: 'trim'; readonly keep: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'initialHistory'; readonly value: History | null }
  | { readonly kind: 'l2Memory'; readonly value: string };

/** The mutators a journal replays: a SessionState's public ones. */
export interface JournaledState {
  initialHistory: History | null;
  l2Memory: string;
  readonly nodeStates: Record<string, JournaledState>;
  append(turn: TurnInit, options?: AppendOptions): Turn;
  pop(): Turn | undefined;
  trim(keep: number): void;
  reset(): void;
}

/**
 * What happened to a state (and its node states) since `state.recordChanges()`: the mutator calls
 * in order. A SessionManager that loses a save race replays them onto the newer stored copy, so a
 * turn the LM already produced is appended there (re-numbered and capped as the session would)
 * rather than computed again, and nothing another process saved meanwhile is dropped.
 */
export class StateChanges {
  readonly #ops: StateOp[] = [];
  /** The node states recorded alongside (those present at the start, and those added since). */
  readonly #nodes = new Map<string, { state: JournaledState; changes: StateChanges }>();

  /** Called by the recorded state's mutators. */
  record(op: StateOp): void {
    this.#ops.push(op);
  }

  /** Called by the recorded state for each node state it records with it. */
  recordNode(path: string, state: JournaledState, changes: StateChanges): void {
    this.#nodes.set(path, { state, changes });
  }

  /** True when nothing changed: no mutator ran on the state or on any recorded node state. */
  get isEmpty(): boolean {
    if (this.#ops.length > 0) return false;
    for (const node of this.#nodes.values()) if (!node.changes.isEmpty) return false;
    return true;
  }

  /**
   * Replays the changes onto `target`, a newer copy of the recorded state. A changed node state
   * that `target` lacks is put there whole (it holds everything the call did to it).
   */
  replayOnto(target: JournaledState): void {
    for (const op of this.#ops) replay(target, op);
    for (const [path, node] of this.#nodes) {
      if (node.changes.isEmpty) continue;
      const existing = target.nodeStates[path];
      if (existing === undefined) target.nodeStates[path] = node.state;
      else node.changes.replayOnto(existing);
    }
  }
}

function replay(target: JournaledState, op: StateOp): void {
  switch (op.kind) {
    case 'append': {
      // Re-numbered for the target: its last index is not the one this turn was first given after.
      const { index: _, ...turn } = op.turn;
      target.append(turn, op.options);
      return;
    }
    case 'pop':
      target.pop();
      return;
    case 'trim':
      target.trim(op.keep);
      return;
    case 'reset':
      target.reset();
      return;
    case 'initialHistory':
      target.initialHistory = op.value;
      return;
    case 'l2Memory':
      target.l2Memory = op.value;
      return;
  }
}
