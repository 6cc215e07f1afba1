import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources';
import type PQueue from 'p-queue';
import { z } from 'zod';
import { ConfigurationError, LMUnexpectedError } from '../errors.js';
import { AttemptControl, readBody } from './attempt.js';
import { describeEndpoint } from './connection-cause.js';
import { type AttemptState, type MappedError, mapError, redact } from './map-error.js';
import { AttemptError, type RetryPolicy, withRetries } from './retry.js';
import type { LMStreamChunk, LMToolCall, Usage } from './types.js';
import { cleanUsage } from './usage.js';

export const USER_AGENT = 'dspy-ts/0.1.0';

export interface TransportOptions {
  /** The LM's full model string (for errors). */
  model: string;
  provider: string;
  apiKey: string | undefined;
  baseURL: string | undefined;
  /** The variable the key is read from, named when it is missing. */
  keyEnv: string | undefined;
  /** False for servers you run, which accept any key. */
  keyRequired: boolean;
  headers: Readonly<Record<string, string>>;
  retry: RetryPolicy;
  timeoutMs: number | undefined;
  /** Bounds in-flight HTTP requests; shared by an LM and its copies. */
  queue: PQueue | undefined;
}

/** One finished completion: text per choice, tool calls per choice, usage, finish reasons. */
export interface Completion {
  outputs: string[];
  toolCalls?: (LMToolCall[] | undefined)[] | undefined;
  usage: Usage | undefined;
  finishReasons: Array<string | null>;
  /** False when a stream ended before any choice reported a finish_reason: never cached. */
  complete: boolean;
}

const ToolCallBody = z.object({
  id: z.string().nullish(),
  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
});

const CompletionBody = z.object({
  choices: z.array(
    z.object({
      index: z.number().optional(),
      message: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallBody).nullish() }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: z.unknown().optional(),
});

// A streamed tool call arrives in fragments keyed by `index`: the id and name first, then pieces
// of the arguments text.
const ToolCallDelta = z.object({
  index: z.number().default(0),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

const ChunkBody = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().default(0),
        delta: z
          .object({ content: z.string().nullish(), tool_calls: z.array(ToolCallDelta).nullish() })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: z.unknown().optional(),
});

const toToolCall = (call: z.infer<typeof ToolCallBody>, index: number): LMToolCall => ({
  id: call.id ?? `call_${index}`,
  type: 'function',
  function: { name: call.function.name, arguments: call.function.arguments ?? '' },
});

/** Assembles the tool calls of one streamed choice from their fragments. */
function mergeToolCallDeltas(into: LMToolCall[], deltas: readonly z.infer<typeof ToolCallDelta>[]): void {
  for (const delta of deltas) {
    const call = into[delta.index] ?? { id: '', type: 'function', function: { name: '', arguments: '' } };
    into[delta.index] = call;
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.function.name += delta.function.name;
    if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
  }
}

const noRelease = (): void => undefined;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const isLocal = (baseURL: string | undefined): boolean => {
  try {
    return baseURL !== undefined && LOCAL_HOSTS.has(new URL(baseURL).hostname);
  } catch {
    return false;
  }
};

/** True when a raw stream chunk carries completion text (or a tool call) for some choice. */
const hasText = (chunk: unknown): boolean =>
  Array.isArray((chunk as { choices?: unknown }).choices) &&
  (chunk as { choices: { delta?: { content?: unknown; tool_calls?: unknown } }[] }).choices.some(
    (choice) =>
      (typeof choice?.delta?.content === 'string' && choice.delta.content.length > 0) ||
      (Array.isArray(choice?.delta?.tool_calls) && choice.delta.tool_calls.length > 0),
  );

/**
 * The HTTP side of `LM`: the openai SDK client (its own retries off), our retries with backoff,
 * per-attempt timeouts, the concurrency queue and error mapping. Holds the API key; nothing it
 * throws contains it.
 */
export class ChatTransport {
  readonly #options: TransportOptions;
  /** The SDK's per-request options that give it our per-attempt timeout (a whole number of ms). */
  readonly #sdkTimeout: { timeout: number } | undefined;
  #client: OpenAI | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#sdkTimeout =
      options.timeoutMs === undefined ? undefined : { timeout: Math.ceil(options.timeoutMs) };
  }

  async complete(
    body: Readonly<Record<string, unknown>>,
    signal: AbortSignal | undefined,
  ): Promise<Completion> {
    const client = this.#getClient();
    const { queue, timeoutMs } = this.#options;
    const params = body as unknown as ChatCompletionCreateParamsNonStreaming;
    return withRetries(
      async (index) => {
        const release = queue ? await this.#acquire(queue, signal) : noRelease;
        // Without a caller's signal, the SDK's own timer bounds the wait for the headers and
        // readBody the rest of the attempt: an AbortController, a listener and a second timer
        // per call cost more than the rest of this layer (measured ~10 µs a call).
        const control = signal ? new AttemptControl(signal, timeoutMs) : undefined;
        const state = control?.state ?? { timedOut: false, aborted: false };
        const deadline = control || timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
        try {
          const response = await client.chat.completions
            .create(params, control ? { signal: control.signal } : this.#sdkTimeout)
            .asResponse();
          const raw = await readBody(response, deadline, state);
          return this.#parseCompletion(raw, index + 1);
        } catch (thrown) {
          throw thrown instanceof AttemptError
            ? thrown
            : new AttemptError(this.#map(thrown, index + 1, state));
        } finally {
          control?.dispose(false);
          release();
        }
      },
      this.#options.retry,
      signal,
      (thrown, attempts) =>
        this.#map(thrown, attempts, { timedOut: false, aborted: signal?.aborted === true }),
    );
  }

  /**
   * Streams choice 0's text. Opening the stream and reading its first chunk are retried like
   * `complete`; a failure after the first chunk is not retried (text was already handed out).
   * `timeoutMs` bounds the wait for each chunk. Returns the whole completion when done.
   */
  async *stream(
    body: Readonly<Record<string, unknown>>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LMStreamChunk, Completion, undefined> {
    const client = this.#getClient();
    const params = { ...body, stream: true, stream_options: { include_usage: true } };
    const opened = await withRetries(
      async (index) => {
        const release = this.#options.queue ? await this.#acquire(this.#options.queue, signal) : noRelease;
        const control = new AttemptControl(signal, this.#options.timeoutMs);
        try {
          const sdkStream = await client.chat.completions.create(
            params as unknown as ChatCompletionCreateParamsStreaming,
            {
              signal: control.signal,
            },
          );
          const iterator = sdkStream[Symbol.asyncIterator]();
          // Read up to the first chunk with text (servers often open with a role-only chunk): until
          // then nothing was handed out, so a failure is still retried.
          const opening: IteratorResult<unknown>[] = [];
          let next = await iterator.next();
          // A 200 body without one `data:` event (a plain JSON completion, an HTML error page) is
          // the shape failure it would be unstreamed, not an empty completion.
          if (next.done) {
            throw new AttemptError(
              this.#malformed('the stream request was answered without Server-Sent Events', index + 1),
            );
          }
          opening.push(next);
          while (!next.done && !hasText(next.value)) {
            next = await iterator.next();
            opening.push(next);
          }
          if (control.state.timedOut || control.state.aborted) throw signal?.reason;
          return { iterator, opening, control, release };
        } catch (thrown) {
          control.dispose(true);
          release();
          throw thrown instanceof AttemptError
            ? thrown
            : new AttemptError(this.#map(thrown, index + 1, control.state));
        }
      },
      this.#options.retry,
      signal,
      (thrown, attempts) =>
        this.#map(thrown, attempts, { timedOut: false, aborted: signal?.aborted === true }),
    );

    const { iterator, control, release } = opened;
    const texts: string[] = [];
    const toolCalls: LMToolCall[][] = [];
    const finishReasons: Array<string | null> = [];
    let usage: Usage | undefined;
    let done = false;
    // The SDK ends a stream quietly when its request is aborted, and buffered chunks outlive an
    // abort, so our timer and the caller's signal are checked after every chunk and at the end.
    const stopIfCancelled = () => {
      if (control.state.aborted || control.state.timedOut) {
        throw new AttemptError(this.#map(signal?.reason, 1, control.state));
      }
    };
    try {
      const opening = opened.opening;
      let result = opening.shift()!;
      while (!result.done) {
        const chunk = ChunkBody.safeParse(result.value);
        if (!chunk.success) throw new AttemptError(this.#malformed(chunk.error.message, 1));
        if (chunk.data.usage) usage = cleanUsage(chunk.data.usage);
        let delta = '';
        for (const choice of chunk.data.choices) {
          const content = choice.delta?.content ?? '';
          texts[choice.index] = (texts[choice.index] ?? '') + content;
          if (choice.delta?.tool_calls) {
            const calls = toolCalls[choice.index] ?? [];
            toolCalls[choice.index] = calls;
            mergeToolCallDeltas(calls, choice.delta.tool_calls);
          }
          if (choice.finish_reason) finishReasons[choice.index] = choice.finish_reason;
          if (choice.index === 0) delta += content;
        }
        if (delta) {
          control.pause();
          yield { text: delta };
        }
        stopIfCancelled();
        control.restart();
        result = opening.shift() ?? (await iterator.next());
      }
      stopIfCancelled();
      done = true;
      const outputs = Array.from({ length: Math.max(texts.length, 1) }, (_, index) => texts[index] ?? '');
      const reasons = outputs.map((_, index) => finishReasons[index] ?? null);
      return {
        outputs,
        ...(toolCalls.length > 0
          ? {
              toolCalls: outputs.map((_, index) =>
                toolCalls[index]?.filter(Boolean).map((call, i) => ({ ...call, id: call.id || `call_${i}` })),
              ),
            }
          : {}),
        usage,
        finishReasons: reasons,
        complete: reasons.some((reason) => reason !== null),
      };
    } catch (thrown) {
      throw thrown instanceof AttemptError ? thrown.mapped.error : this.#map(thrown, 1, control.state).error;
    } finally {
      control.dispose(!done);
      if (!done) await iterator.return?.().catch(() => undefined);
      release();
    }
  }

  #parseCompletion(raw: unknown, attempts: number): Completion {
    const parsed = CompletionBody.safeParse(raw);
    if (!parsed.success) throw new AttemptError(this.#malformed(parsed.error.message, attempts));
    const choices = [...parsed.data.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const toolCalls = choices.map((choice) => choice.message.tool_calls?.map(toToolCall));
    return {
      outputs: choices.map((choice) => choice.message.content ?? ''),
      ...(toolCalls.some((calls) => calls && calls.length > 0) ? { toolCalls } : {}),
      usage: cleanUsage(parsed.data.usage),
      finishReasons: choices.map((choice) => choice.finish_reason ?? null),
      complete: true,
    };
  }

  #malformed(detail: string, attempts: number): MappedError {
    const { model, provider, apiKey } = this.#options;
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const message = `The provider's response does not have the Chat Completions shape${after}: ${redact(detail, apiKey)}`;
    return { error: new LMUnexpectedError(message, { model, provider }), retryable: false };
  }

  #map(thrown: unknown, attempts: number, state: AttemptState): MappedError {
    const { model, provider, apiKey, baseURL, timeoutMs, keyEnv } = this.#options;
    const endpoint = describeEndpoint(baseURL);
    return mapError(
      thrown,
      { model, provider, secret: apiKey, attempts, endpoint, timeoutMs, keyEnv },
      state,
    );
  }

  /** Takes a slot of the concurrency queue; the returned function frees it. */
  #acquire(queue: PQueue, signal: AbortSignal | undefined): Promise<() => void> {
    return new Promise((resolve, reject) => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((done) => {
        release = done;
      });
      const hold = () => {
        resolve(release);
        return held;
      };
      queue.add(hold, { signal }).catch(reject);
    });
  }

  #getClient(): OpenAI {
    if (this.#client) return this.#client;
    const { apiKey, baseURL, headers, model, keyEnv, keyRequired } = this.#options;
    if (!apiKey && keyRequired && !isLocal(baseURL)) {
      throw new ConfigurationError(
        `No API key for LM '${model}'. Set the ${keyEnv ?? 'provider key'} environment variable or pass ` +
          '`new LM(model, { apiKey })` (a local server at localhost/127.0.0.1 needs none).',
      );
    }
    this.#client = new OpenAI({
      // Local OpenAI-compatible servers ignore the key, but the SDK requires one.
      apiKey: apiKey || 'local-no-key',
      baseURL,
      maxRetries: 0,
      defaultHeaders: { 'User-Agent': USER_AGENT, ...headers },
    });
    return this.#client;
  }
}
