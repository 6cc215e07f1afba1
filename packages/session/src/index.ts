import { ChatAdapter } from '@dspy-ts/adapters';
import { registerDefaultAdapter } from '@dspy-ts/core/internal';

// As in DSPy, importing the session package makes ChatAdapter the default adapter.
registerDefaultAdapter(new ChatAdapter());

export { ConfigurationError, DspyError, InputError, MetricError } from '@dspy-ts/core';
export { SessionStateError, VersionConflictError } from './errors.js';
export { isHistoryLike } from './history-like.js';
export type { Metric, ToExamplesOptions } from './linearize.js';
export {
  type ChildConfig,
  getChildL1Ledger,
  getCurrentHistory,
  getExecutionTrace,
  getNodeMemory,
  getOuterHistory,
  type WithMemoryOptions,
  withMemory,
} from './memory.js';
export type { Isolation, Lifespan } from './memory-context.js';
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
export { SessionState, type SessionStateDict, type SessionStateInit } from './state.js';
export type { AppendOptions, StateChanges } from './state-changes.js';
export { FileStore, type FileStoreOptions } from './stores/file-store.js';
export { type MemoryRecord, MemoryStore, type MemoryStoreOptions } from './stores/memory-store.js';
export { SessionManager, type SessionManagerOptions } from './stores/session-manager.js';
export type {
  ListOptions,
  PutOptions,
  SessionStateJSON,
  SessionStore,
  SessionTurnJSON,
  StoredSession,
} from './stores/types.js';
export type { Turn, TurnInit } from './turn.js';
