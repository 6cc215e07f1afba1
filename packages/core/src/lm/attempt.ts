import type { AttemptState } from './map-error.js';

/** One attempt's abort controller: the caller's signal and a per-attempt (or idle) timeout. */
export class AttemptControl {
  readonly state: AttemptState = { timedOut: false, aborted: false };
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  readonly #timeoutMs: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = () => {
    this.state.aborted = true;
    this.#controller.abort();
  };

  constructor(parent: AbortSignal | undefined, timeoutMs: number | undefined) {
    this.#parent = parent;
    this.#timeoutMs = timeoutMs;
    if (parent?.aborted) this.#onAbort();
    parent?.addEventListener('abort', this.#onAbort, { once: true });
    this.restart();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  restart(): void {
    this.pause();
    if (this.#timeoutMs === undefined) return;
    this.#timer = setTimeout(() => {
      this.state.timedOut = true;
      this.#controller.abort();
    }, this.#timeoutMs);
  }

  pause(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the timer and, when the response is not finished, the HTTP request. */
  dispose(abortRequest: boolean): void {
    this.pause();
    this.#parent?.removeEventListener('abort', this.#onAbort);
    if (abortRequest) this.#controller.abort();
  }
}

/** Thrown by `readBody` when the attempt's deadline passed while the body was still arriving. */
export class BodyTimeout extends Error {
  constructor() {
    super('The response body did not arrive before the attempt timed out.');
  }
}

const utf8 = new TextDecoder();

/**
 * Reads a non-streamed response body the way the openai SDK's own parser does (JSON when the
 * content type says so, else the text; nothing for a 204 or an empty JSON body), and cancels the
 * read when `deadlineMs` (a `performance.now()` time) passes first: the SDK's own timeout stops
 * once the headers are in, so this is what bounds a body that stalls.
 */
export async function readBody(
  response: Response,
  deadlineMs: number | undefined,
  state: AttemptState,
): Promise<unknown> {
  if (response.status === 204) return null;
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
  const isJSON =
    mediaType !== undefined && (mediaType.includes('application/json') || mediaType.endsWith('+json'));
  if (isJSON && response.headers.get('content-length') === '0') return undefined;
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  if (reader) {
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(
            () => {
              state.timedOut = true;
              reader.cancel().catch(() => undefined);
            },
            // Whole milliseconds: Node keeps one timer list per distinct delay, and a fractional
            // delay would create (and drop) a list on every call.
            Math.max(0, Math.ceil(deadlineMs - performance.now())),
          );
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
    } finally {
      clearTimeout(timer);
    }
    if (state.timedOut) throw new BodyTimeout();
  }
  // TextDecoder drops a leading BOM, as fetch's text() and json() do.
  const text = utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  return isJSON ? JSON.parse(text) : text;
}
