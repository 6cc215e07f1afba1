import { hasCallbacks, openCall, withCallbacks } from '../callbacks/dispatch.js';
import { ConfigurationError } from '../errors.js';
import type { LanguageModel, LMRequest, LMResponse, LMStreamChunk } from './types.js';

/**
 * One LM request as every caller makes it: `lm.request` between the `onLmStart` / `onLmEnd`
 * callbacks (global, context, then the LM's own). Call sites use this instead of `lm.request`
 * so that any LanguageModel, not only ours, is observed.
 */
export function requestLm(lm: LanguageModel, request: LMRequest): Promise<LMResponse> {
  if (!hasCallbacks(lm.callbacks)) return lm.request(request);
  return withCallbacks('Lm', lm, { ...request }, () => lm.request(request), lm.callbacks);
}

/**
 * `lm.stream` observed like `requestLm`: `onLmStart` when iteration starts, `onLmEnd` with the
 * LM's final response (or the text streamed so far when the consumer stops early) or the error.
 * Each read runs as the LM call, so retries before the first chunk reach `onLmRetry`.
 */
export function streamLm(lm: LanguageModel, request: LMRequest): AsyncIterable<LMStreamChunk> {
  const stream = lm.stream;
  if (!stream) throw new ConfigurationError(`The LM ${lm.model} cannot stream: it has no stream() method.`);
  return {
    [Symbol.asyncIterator]: () => {
      const call = openCall('Lm', lm, { ...request }, lm.callbacks);
      const asCall = <T>(fn: () => T): T => (call ? call.run(fn) : fn());
      const iterator = asCall(() => stream.call(lm, request)[Symbol.asyncIterator]());
      let text = '';
      return {
        next: async () => {
          try {
            const result = await asCall(() => iterator.next());
            if (!result.done) text += result.value.text;
            else call?.end((result.value as LMResponse | undefined) ?? { outputs: [text] }, undefined);
            return result;
          } catch (error) {
            call?.end(undefined, error);
            throw error;
          }
        },
        return: async (value?: unknown) => {
          call?.end({ outputs: [text] }, undefined);
          return (await asCall(() => iterator.return?.(value))) ?? { done: true as const, value: undefined };
        },
      };
    },
  };
}
