import { AdapterParseError, type Signature } from '@dspy-ts/core';

/**
 * The AdapterParseError for an output field whose value fails its type. It names the field and
 * lists it, then every output not parsed yet, as missing. The message is DSPy's ChatAdapter wording
 * unless the adapter gives its own.
 */
export function fieldParseError(options: {
  adapterName: string;
  signature: Signature;
  completion: string;
  /** The field that failed. */
  field: string;
  /** The fields parsed before it. */
  parsed: Readonly<Record<string, unknown>>;
  /** The value as the message shows it. */
  valueText: string;
  cause: Error;
  message?: string | undefined;
}): AdapterParseError {
  const { adapterName, signature, completion, field, parsed, valueText, cause } = options;
  const pending = Object.keys(signature.outputFields).filter(
    (name) => name !== field && !Object.hasOwn(parsed, name),
  );
  return new AdapterParseError({
    adapterName,
    completion,
    signature,
    message:
      options.message ??
      `Failed to parse field ${field} with value ${valueText} from the LM response. Error message: ${cause.message}`,
    missingFields: [field, ...pending],
    cause,
  });
}
