import type { SessionStateJSON, SessionTurnJSON } from '../../src/stores/types.js';

/** An empty `SessionState.toDict()`. */
export function emptyState(): SessionStateJSON {
  return { version: 1, turns: [], initial_history: null, l2_memory: '', node_states: {} };
}

/** `state` plus one question/answer turn, its snapshot holding the earlier turns (as a Session records it). */
export function appendTurn(
  state: SessionStateJSON,
  question: string,
  answer = `A:${question}`,
): SessionStateJSON {
  const messages = state.turns.map((turn) => ({ ...turn.inputs, ...turn.outputs }));
  const turn: SessionTurnJSON = {
    index: state.turns.length,
    inputs: { question },
    outputs: { answer },
    history_snapshot: { messages },
    score: null,
  };
  return { ...state, turns: [...state.turns, turn] };
}

/** A state with one turn per question. */
export function stateWith(...questions: string[]): SessionStateJSON {
  return questions.reduce((state, question) => appendTurn(state, question), emptyState());
}
