import type { AdapterStreamEvent, LanguageModel, LMRequest, LMResponse, LMStreamChunk } from '@dspy-ts/core';
import { requestLm, streamLm } from '@dspy-ts/core/internal';

/**
 * The LM's stream; an LM without `stream` answers with one request, replayed as a single chunk.
 * The iterator's final result carries the LM's whole response when the LM returns one (tool calls
 * live there).
 */
export function lmChunks(
  lm: LanguageModel,
  request: LMRequest,
): AsyncIterable<LMStreamChunk> & {
  [Symbol.asyncIterator](): AsyncIterator<LMStreamChunk, LMResponse | undefined>;
} {
  return {
    [Symbol.asyncIterator]: () =>
      lm.stream
        ? (streamLm(lm, request)[Symbol.asyncIterator]() as AsyncIterator<
            LMStreamChunk,
            LMResponse | undefined
          >)
        : requestAsStream(lm, request),
  };
}

async function* requestAsStream(
  lm: LanguageModel,
  request: LMRequest,
): AsyncGenerator<LMStreamChunk, LMResponse, undefined> {
  const response = await requestLm(lm, request);
  const text = response.outputs[0];
  if (text) yield { text };
  return response;
}

/**
 * Forwards a fallback attempt's events, minus deltas of fields the failed attempt already streamed
 * (a consumer would otherwise see their text twice); their final values come with `done`.
 */
export async function* withoutStreamed(
  events: AsyncIterable<AdapterStreamEvent>,
  streamed: ReadonlySet<string>,
): AsyncGenerator<AdapterStreamEvent, void, undefined> {
  for await (const event of events) {
    if (event.type === 'delta' && streamed.has(event.field)) continue;
    yield event;
  }
}
