import { ConfigurationError } from '../errors.js';
import type { LanguageModel } from '../lm/types.js';
import type { LoadStateOptions } from '../primitives/module.js';

/** Rebuilds a predictor's LM from saved state (DSPy's or ours); custom LM classes are refused. */
export function lmFromState(state: unknown, _options: LoadStateOptions): LanguageModel {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new ConfigurationError('Invalid predictor state: `lm` must be null or an object.');
  }
  // TEMPORARY until lm/lm.ts lands (same session): wired to LM.fromState next.
  throw new ConfigurationError('Loading a per-predictor LM from state is not available yet.');
}
