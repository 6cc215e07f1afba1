import { AdapterParseError, type Signature } from '@dspy-ts/core';
import { admitsNone } from './type-info.js';
import { fieldType } from './type-note.js';

type Values = Readonly<Record<string, unknown>>;

/**
 * Output defaults, in signature order: a parsed value, else the declared default, else null when
 * the type admits None; extra parsed keys follow. `missing` lists the outputs still absent.
 */
function withOutputDefaults(
  sig: Signature,
  parsed: Values,
): { values: Record<string, unknown>; missing: string[] } {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const field of Object.values(sig.outputFields)) {
    if (Object.hasOwn(parsed, field.name)) values[field.name] = parsed[field.name];
    else if (field.hasDefault) values[field.name] = field.default;
    else if (admitsNone(fieldType(field))) values[field.name] = null;
    else missing.push(field.name);
  }
  for (const [key, value] of Object.entries(parsed)) if (!Object.hasOwn(values, key)) values[key] = value;
  return { values, missing };
}

/** DSPy's key check: every output field must be present, else AdapterParseError with the parsed part. */
export function checkOutputKeys(
  adapterName: string,
  sig: Signature,
  completion: string,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const missing = Object.keys(sig.outputFields).filter((name) => !Object.hasOwn(fields, name));
  if (missing.length > 0) {
    throw new AdapterParseError({
      adapterName,
      completion,
      signature: sig,
      parsedResult: fields,
      missingFields: missing,
    });
  }
  return fields;
}

/** The end of a parse (DSPy's `parse`): the output defaults, then the key check. */
export function requireOutputs(
  adapterName: string,
  sig: Signature,
  completion: string,
  parsed: Values,
): Record<string, unknown> {
  return checkOutputKeys(adapterName, sig, completion, withOutputDefaults(sig, parsed).values);
}

/**
 * The end of a call (DSPy's `_call_postprocess`): the output defaults of the caller's signature
 * (a parse under native tool calling saw fewer outputs, and a custom parser may skip defaults),
 * then every output still absent is null.
 */
export function completeOutputs(sig: Signature, parsed: Values): Record<string, unknown> {
  const { values, missing } = withOutputDefaults(sig, parsed);
  for (const name of missing) values[name] = null;
  return values;
}
