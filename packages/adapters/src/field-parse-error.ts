import { AdapterParseError, type Field, type Signature } from '@dspy-ts/core';
import { parseValue, ValueParseError } from './parse-value.js';
import { fieldType } from './type-note.js';

/** One parse of one completion: who parses, against what, and the fields parsed so far. */
export interface FieldParse {
  adapterName: string;
  signature: Signature;
  completion: string;
  parsed: Readonly<Record<string, unknown>>;
}

/** How the error shows the value (DSPy's ChatAdapter wording unless `message` replaces it). */
export interface FieldErrorText {
  valueText: string;
  message?: ((error: ValueParseError) => string) | undefined;
}

/**
 * The AdapterParseError for an output field whose value fails its type. It names the field and
 * lists it, then every output not parsed yet, as missing.
 */
export function fieldParseError(
  parse: FieldParse,
  field: string,
  cause: ValueParseError,
  text: FieldErrorText,
): AdapterParseError {
  const { adapterName, signature, completion, parsed } = parse;
  const pending = Object.keys(signature.outputFields).filter(
    (name) => name !== field && !Object.hasOwn(parsed, name),
  );
  return new AdapterParseError({
    adapterName,
    completion,
    signature,
    message:
      text.message?.(cause) ??
      `Failed to parse field ${field} with value ${text.valueText} from the LM response. Error message: ${cause.message}`,
    missingFields: [field, ...pending],
    cause,
  });
}

/** An output field's typed value; a value that fails the field's type throws `fieldParseError`. */
export function parseOutputField(
  parse: FieldParse,
  field: Field,
  value: unknown,
  text: (value: unknown) => FieldErrorText,
): unknown {
  try {
    return parseValue(value, fieldType(field), field.schema);
  } catch (error) {
    if (!(error instanceof ValueParseError)) throw error;
    throw fieldParseError(parse, field.name, error, text(value));
  }
}
