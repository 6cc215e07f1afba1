import { DspyError } from '@dspy-ts/core';

/** A saved session that is corrupt, of the wrong version or the wrong shape. */
export class SessionStateError extends DspyError {
  override readonly name = 'SessionStateError';
}

/** A store's optimistic-concurrency check failed. */
export class VersionConflictError extends DspyError {
  override readonly name = 'VersionConflictError';
  readonly id: string;
  readonly expectedVersion: number;
  readonly actualVersion: number;

  constructor(options: { id: string; expectedVersion: number; actualVersion: number }) {
    super(
      `Version conflict for session '${options.id}': expected version ${options.expectedVersion}, ` +
        `but the store holds version ${options.actualVersion}. Reload the state and retry.`,
    );
    this.id = options.id;
    this.expectedVersion = options.expectedVersion;
    this.actualVersion = options.actualVersion;
  }
}
