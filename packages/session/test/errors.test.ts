import { DspyError } from '@dspy-ts/core';
import { SessionStateError, VersionConflictError } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';

describe('session errors', () => {
  it('extend the core DspyError with stable names', () => {
    expect(new SessionStateError('bad state')).toBeInstanceOf(DspyError);
    expect(new SessionStateError('bad state').name).toBe('SessionStateError');
    expect(new VersionConflictError({ id: 'u1', expectedVersion: 2, actualVersion: 3 }).name).toBe(
      'VersionConflictError',
    );
  });

  it('describe version conflicts with ids and versions', () => {
    const err = new VersionConflictError({ id: 'u1', expectedVersion: 2, actualVersion: 3 });
    expect(err).toBeInstanceOf(DspyError);
    expect([err.id, err.expectedVersion, err.actualVersion]).toEqual(['u1', 2, 3]);
    expect(err.message).toContain('expected version 2');
  });
});
