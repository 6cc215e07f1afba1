import { ConfigurationError } from '../errors.js';
import { LM } from '../lm/lm.js';
import type { LanguageModel } from '../lm/types.js';
import type { LoadStateOptions } from '../primitives/module.js';

/** Rebuilds a predictor's LM from saved state (DSPy's or ours); custom LM classes are refused. */
export function lmFromState(state: unknown, options: LoadStateOptions): LanguageModel {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new ConfigurationError('Invalid predictor state: `lm` must be null or an object.');
  }
  return LM.fromState(state as Record<string, unknown>, { allowUnsafeLmState: options.allowUnsafeLmState });
}
