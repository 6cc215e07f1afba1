import type { AdapterProtocol } from './adapter/types.js';
import type { Callback } from './callbacks/types.js';
import type { LanguageModel } from './lm/types.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** One recorded predictor call: what optimizers read to build demos. */
export interface TraceEntry {
  predictor: object;
  inputs: Record<string, unknown>;
  prediction: Record<string, unknown> & { toDict(): Record<string, unknown> };
}

export interface Settings {
  lm: LanguageModel | undefined;
  adapter: AdapterProtocol | undefined;
  /** Where Predict appends trace entries; `null` (the default) disables tracing. */
  trace: TraceEntry[] | null;
  callbacks: Callback[];
  trackUsage: boolean;
  disableHistory: boolean;
  maxHistorySize: number;
  /** Bound of each LM's `history` in characters of message and output text (default 32 MiB). */
  maxHistoryBytes: number;
  maxTraceSize: number;
  numThreads: number;
  maxErrors: number;
  warnOnTypeMismatch: boolean;
  logger: Logger;
}
