import { ChatAdapter } from '@dspy-ts/adapters';
import { registerDefaultAdapter } from '@dspy-ts/core';

// As in DSPy, importing the session package makes ChatAdapter the default adapter.
registerDefaultAdapter(new ChatAdapter());

export {
  ConfigurationError,
  DspyError,
  InputError,
  MetricError,
  SessionStateError,
} from '@dspy-ts/core';
export { isHistoryLike } from './history-like.js';
export { currentSessionHistory as getCurrentHistory } from './inject.js';
export type { Metric, ToExamplesOptions } from './linearize.js';
export type { CopyMode, FieldList, HistoryPolicy, LockMode, OnMetricError } from './options.js';
export type { SavedSessionState } from './persistence.js';
export {
  type AnyModule,
  type OnTurn,
  type ResolvedSessionOptions,
  Session,
  type SessionInputs,
  type SessionOptions,
  sessionify,
} from './session.js';
export { SessionState, type SessionStateDict, type SessionStateInit, type TurnInit } from './state.js';
export type { Turn } from './turn.js';
