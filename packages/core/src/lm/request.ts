import { withCallbacks } from '../callbacks/dispatch.js';
import type { LanguageModel, LMRequest, LMResponse } from './types.js';

/**
 * One LM request as every caller makes it: `lm.request` between the `onLmStart` / `onLmEnd`
 * callbacks (global, context, then the LM's own). Call sites use this instead of `lm.request`
 * so that any LanguageModel, not only ours, is observed.
 */
export function requestLm(lm: LanguageModel, request: LMRequest): Promise<LMResponse> {
  return withCallbacks('Lm', lm, { ...request }, () => lm.request(request), lm.callbacks);
}
