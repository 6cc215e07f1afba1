import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import {
  ContextWindowExceededError,
  LMAbortError,
  LMAuthError,
  LMBillingError,
  LMError,
  type LMErrorDetails,
  LMInvalidRequestError,
  LMRateLimitError,
  LMServerError,
  LMTimeoutError,
  LMUnexpectedError,
  LMUnsupportedModelError,
} from '../errors.js';
import { connectionCause } from './connection-cause.js';

export interface ErrorContext {
  model: string;
  provider: string;
  /** The API key, only so it can be removed from any text that reaches an error. */
  secret: string | undefined;
  /** How many attempts were made (for the message). */
  attempts: number;
  /** The endpoint as `describeEndpoint` shows it (no credentials). */
  endpoint: string;
  /** The variable the key comes from, for the hint of a 401. */
  keyEnv?: string | undefined;
  /** The per-attempt timeout, for the timeout message. */
  timeoutMs?: number | undefined;
}

/** Why an attempt ended without an answer, as seen by our own timer and the caller's signal. */
export interface AttemptState {
  timedOut: boolean;
  aborted: boolean;
}

export interface MappedError {
  error: LMError;
  retryable: boolean;
}

/** Replaces every occurrence of the secret (and of `Bearer <secret>`) with `***`. */
export const redact = (text: string, secret: string | undefined): string =>
  secret && secret.length >= 4 ? text.split(secret).join('***') : text;

/** Milliseconds from `retry-after-ms` (preferred) or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const CONTEXT_WINDOW = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long/i;

type LMErrorClass = new (message: string, details: LMErrorDetails) => LMError;

const classFor = (status: number, code: unknown, text: string): LMErrorClass => {
  if (status === 401 || status === 403) return LMAuthError;
  if (status === 402) return LMBillingError;
  if (status === 404) return LMUnsupportedModelError;
  if (status === 408) return LMTimeoutError;
  if (status === 429) return LMRateLimitError;
  if (status >= 500) return LMServerError;
  if (code === 'context_length_exceeded' || CONTEXT_WINDOW.test(text)) return ContextWindowExceededError;
  return LMInvalidRequestError;
};

const HINTS = new Map<LMErrorClass, string>([
  [LMBillingError, "Check the provider account's billing and quota."],
  [LMUnsupportedModelError, 'Check the model name and that the base URL serves it.'],
  [LMRateLimitError, 'Lower `concurrency`, raise `numRetries`, or wait for the rate limit to reset.'],
  [LMTimeoutError, 'Raise `timeoutMs` or `numRetries`, or check the server.'],
  [LMServerError, 'The provider failed; retry later or raise `numRetries`.'],
  [
    ContextWindowExceededError,
    'Shorten the prompt (fewer demos or less history) or use a model with a larger context.',
  ],
]);

const create = (
  Class: LMErrorClass,
  message: string,
  details: LMErrorDetails,
  keyEnv?: string | undefined,
): LMError => {
  const hint =
    Class === LMAuthError
      ? `Check the API key (the \`apiKey\` option or ${keyEnv ?? 'the provider key variable'}) and its permissions.`
      : HINTS.get(Class);
  return new Class(hint ? `${message} ${hint}` : message, details);
};

const RETRYABLE_STATUS = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/**
 * Maps anything thrown by one attempt (SDK errors, our timer, the caller's abort, a malformed
 * body) to the LMError family and says whether it is worth another attempt. The API key is
 * scrubbed from every message, and the SDK error is kept as `cause` only when it is clean.
 */
export function mapError(thrown: unknown, context: ErrorContext, state: AttemptState): MappedError {
  if (thrown instanceof LMError) return { error: thrown, retryable: false };
  const rawText = thrown instanceof Error ? thrown.message : String(thrown);
  const text = redact(rawText, context.secret);
  const leaks =
    context.secret !== undefined &&
    (rawText.includes(context.secret) ||
      String(thrown instanceof Error ? thrown.stack : '').includes(context.secret));
  const base: LMErrorDetails = {
    model: context.model,
    provider: context.provider,
    ...(leaks ? {} : { cause: thrown }),
  };
  const attempts = context.attempts > 1 ? ` (after ${context.attempts} attempts)` : '';

  if (state.aborted)
    return { error: new LMAbortError('The request was aborted by its AbortSignal.', base), retryable: false };
  if (state.timedOut || thrown instanceof APIConnectionTimeoutError) {
    const after = context.timeoutMs === undefined ? '' : ` after ${context.timeoutMs} ms`;
    const message = `The request to ${context.endpoint} timed out${after}${attempts}.`;
    return { error: create(LMTimeoutError, message, base), retryable: true };
  }
  if (thrown instanceof APIUserAbortError) {
    return { error: new LMAbortError('The request was aborted.', base), retryable: false };
  }
  if (thrown instanceof APIConnectionError) {
    const cause = connectionCause(thrown) ?? text;
    const message = `Could not connect to ${context.endpoint}${attempts}: ${redact(cause, context.secret)}`;
    const error = new LMUnexpectedError(message, base);
    return { error, retryable: true };
  }
  if (thrown instanceof APIError) {
    const details: LMErrorDetails = {
      ...base,
      status: thrown.status,
      requestId: thrown.requestID ?? undefined,
      retryAfterMs: retryAfterMs(thrown.headers),
    };
    if (thrown.status === undefined) {
      // An error event inside a stream has no HTTP status; a server_error there is transient like a 5xx.
      const type = (thrown.error as { type?: unknown } | undefined)?.type;
      if (type === 'server_error') {
        return {
          error: new LMServerError(`The provider reported a server error${attempts}: ${text}`, details),
          retryable: true,
        };
      }
      return {
        error: new LMUnexpectedError(`The provider returned an error${attempts}: ${text}`, details),
        retryable: false,
      };
    }
    const detail = text.startsWith(`${thrown.status} `) ? text.slice(String(thrown.status).length + 1) : text;
    const message = `HTTP ${thrown.status} from ${context.provider}${attempts}: ${detail.replace(/\.$/, '')}.`;
    const Class = classFor(thrown.status, thrown.code, rawText);
    return {
      error: create(Class, message, details, context.keyEnv),
      retryable: RETRYABLE_STATUS(thrown.status),
    };
  }
  if (thrown instanceof SyntaxError) {
    const message = `The provider returned a body that is not valid JSON${attempts}: ${text}`;
    return { error: new LMUnexpectedError(message, base), retryable: false };
  }
  return { error: new LMUnexpectedError(`Unexpected failure${attempts}: ${text}`, base), retryable: false };
}
