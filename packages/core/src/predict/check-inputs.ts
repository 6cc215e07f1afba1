import { InputError } from '../errors.js';
import { pyRepr, pyStr } from '../python/repr.js';
import type { Logger } from '../settings.js';
import { acceptsNull } from '../signature/python-types.js';
import type { Signature } from '../signature/signature.js';
import { exceedsDepth, MAX_NESTING } from '../utils/nesting.js';

/**
 * Missing required inputs and unknown keys are InputErrors carrying their names (Python only
 * warns: a typo there silently drops an input).
 * A value of the wrong type still only warns, with Python's text.
 */
export function checkInputs(
  signature: Signature,
  inputs: Record<string, unknown>,
  logger: Logger | undefined,
): void {
  const expected = Object.keys(signature.inputFields);
  const extra = Object.keys(inputs).filter((key) => !Object.hasOwn(signature.inputFields, key));
  if (extra.length > 0) {
    throw new InputError(
      `Input contains fields not in signature: ${pyRepr(extra)}. ` +
        `Expected fields: ${pyRepr(expected)}. ` +
        'Remove them, or add them to the signature.',
      { extra },
    );
  }
  const missing = Object.values(signature.inputFields)
    .filter((field) => inputs[field.name] === undefined && !acceptsNull(field.schema))
    .map((field) => field.name);
  if (missing.length > 0) {
    const present = expected.filter((name) => inputs[name] !== undefined);
    throw new InputError(
      'Not all input fields were provided to module. ' +
        `Present: ${pyRepr(present)}. Missing: ${pyRepr(missing)}.`,
      { missing },
    );
  }
  // Formatting and validating a value recurse once per level: refuse what would overflow the stack.
  const tooDeep = Object.keys(inputs).filter((key) => {
    const value = inputs[key];
    return typeof value === 'object' && value !== null && exceedsDepth(value, MAX_NESTING);
  });
  if (tooDeep.length > 0) {
    throw new InputError(
      `Input fields nest deeper than ${MAX_NESTING} levels: ${pyRepr(tooDeep)}. ` +
        'Flatten the value, or pass it as text.',
    );
  }
  if (!logger) return;
  for (const field of Object.values(signature.inputFields)) {
    const value = inputs[field.name];
    if (field.isTypeUndefined || value === undefined || value === null || field.isHistory) continue;
    // A list of strings is accepted for a str field, as in DSPy.
    if (field.typeName === 'str' && Array.isArray(value) && value.every((v) => typeof v === 'string'))
      continue;
    if (!field.schema.safeParse(value).success) {
      logger.warn(
        `Type mismatch for field '${field.name}': expected ${field.typeName} based on given Signature, ` +
          `but the provided value is incompatible: ${pyStr(value)}.`,
      );
    }
  }
}
