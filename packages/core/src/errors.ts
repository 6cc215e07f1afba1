/**
 * The error taxonomy of dspy-ts. Every error has a stable `name` and carries the data a caller
 * needs; messages keep DSPy's wording where Python has one, so users can search for it.
 */
export class DspyError extends Error {
  override readonly name: string = 'DspyError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A bad signature string, unknown type name or invalid field operation. */
export class SignatureError extends DspyError {
  override readonly name = 'SignatureError';
}

/** No LM or adapter configured, or an invalid option. */
export class ConfigurationError extends DspyError {
  override readonly name = 'ConfigurationError';
}

/** A missing, unknown or malformed input field. */
export class InputError extends DspyError {
  override readonly name = 'InputError';
  /** Required input fields the call did not give. */
  readonly missing: readonly string[];
  /** Keys the call gave that are not input fields. */
  readonly extra: readonly string[];

  constructor(
    message: string,
    options: { missing?: readonly string[]; extra?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.missing = Object.freeze([...(options.missing ?? [])]);
    this.extra = Object.freeze([...(options.extra ?? [])]);
  }
}

/** A metric threw or returned something that is not a number or boolean. */
export class MetricError extends DspyError {
  override readonly name = 'MetricError';
}

/** What an adapter needs to describe a signature in an error (kept structural to avoid a cycle). */
export interface SignatureLike {
  readonly inputFields: Readonly<Record<string, unknown>>;
  readonly outputFields: Readonly<Record<string, unknown>>;
  toString(): string;
}

/** A completion that could not be parsed into the signature's output fields. */
export class AdapterParseError extends DspyError {
  override readonly name = 'AdapterParseError';
  readonly adapterName: string;
  readonly completion: string;
  readonly signature: SignatureLike;
  readonly missingFields: readonly string[];
  readonly parsedResult: Readonly<Record<string, unknown>> | undefined;

  constructor(options: {
    adapterName: string;
    completion: string;
    signature: SignatureLike;
    parsedResult?: Record<string, unknown> | undefined;
    missingFields?: readonly string[] | undefined;
    message?: string | undefined;
    cause?: unknown;
  }) {
    const expected = Object.keys(options.signature.outputFields);
    const parsedNames = options.parsedResult ? Object.keys(options.parsedResult) : [];
    // DSPy's layout: optional detail paragraph, then the fixed lines, each ending in a space.
    let text = options.message ? `${options.message}\n\n` : '';
    text += `Adapter ${options.adapterName} failed to parse the LM response. \n\n`;
    text += `LM Response: ${options.completion} \n\n`;
    text += `Expected to find output fields in the LM response: [${expected.join(', ')}] \n\n`;
    if (options.parsedResult) {
      text += `Actual output fields parsed from the LM response: [${parsedNames.join(', ')}] \n\n`;
    }
    super(text, { cause: options.cause });
    this.adapterName = options.adapterName;
    this.completion = options.completion;
    this.signature = options.signature;
    this.parsedResult = options.parsedResult;
    this.missingFields = options.missingFields ?? expected.filter((name) => !parsedNames.includes(name));
  }
}

export interface LMErrorDetails {
  model: string;
  provider?: string | undefined;
  status?: number | undefined;
  requestId?: string | undefined;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/** A failure of the LM transport or provider, after retries. Never contains the API key. */
export class LMError extends DspyError {
  override readonly name: string = 'LMError';
  readonly model: string;
  readonly provider: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: LMErrorDetails) {
    super(`[${details.model}] ${message}`, { cause: details.cause });
    this.model = details.model;
    this.provider = details.provider;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export class LMAuthError extends LMError {
  override readonly name = 'LMAuthError';
}
export class LMBillingError extends LMError {
  override readonly name = 'LMBillingError';
}
export class LMUnsupportedModelError extends LMError {
  override readonly name = 'LMUnsupportedModelError';
}
export class LMTimeoutError extends LMError {
  override readonly name = 'LMTimeoutError';
}
export class LMRateLimitError extends LMError {
  override readonly name = 'LMRateLimitError';
}
export class LMInvalidRequestError extends LMError {
  override readonly name: string = 'LMInvalidRequestError';
}
export class ContextWindowExceededError extends LMInvalidRequestError {
  override readonly name = 'ContextWindowExceededError';
}
export class LMServerError extends LMError {
  override readonly name = 'LMServerError';
}
export class LMUnexpectedError extends LMError {
  override readonly name = 'LMUnexpectedError';
}
export class LMConfigurationError extends LMError {
  override readonly name = 'LMConfigurationError';
}
export class LMAbortError extends LMError {
  override readonly name = 'LMAbortError';
}
