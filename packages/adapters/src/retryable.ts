import { ConfigurationError, InputError, LMError } from '@dspy-ts/core';

/**
 * Whether a failed attempt may be retried in another format. DSPy retries on anything but an LM
 * error; we also rethrow input and configuration errors (and aborts), which would fail the same way again.
 */
export const isRetryable = (error: unknown, signal: AbortSignal | undefined): boolean =>
  !(
    error instanceof LMError ||
    error instanceof InputError ||
    error instanceof ConfigurationError ||
    signal?.aborted
  );
