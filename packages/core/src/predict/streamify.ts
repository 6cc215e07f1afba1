import { Module } from '../primitives/module.js';
import type { Prediction } from '../primitives/prediction.js';
import { withStreamSink } from './stream-sink.js';

/** One event of a streamed program run: field text as the LM writes it, then the final prediction. */
export type StreamEvent =
  | { type: 'delta'; predictor: string; field: string; text: string }
  | { type: 'prediction'; prediction: Prediction };

export interface StreamifyOptions {
  /** Output fields to stream (default: every output field of every predictor). */
  fields?: readonly string[] | undefined;
  /** Names predictors in delta events; default: the program's `namedPredictors()` names. */
  predictorNames?: ((predictor: object) => string | undefined) | undefined;
}

type Callable<I> = { call(inputs: I): Promise<unknown> };

/** A minimal async queue: producers push, one consumer pulls. */
class EventQueue<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #error: { error: unknown } | undefined;
  #done = false;

  push(item: T): void {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: item, done: false });
    } else this.#items.push(item);
  }

  finish(error?: { error: unknown }): void {
    this.#done = true;
    this.#error = error;
    if (this.#waiting && !error) this.#waiting({ value: undefined, done: true });
    else if (this.#waiting && error) this.#rejectWaiting?.(error.error);
  }

  #rejectWaiting: ((error: unknown) => void) | undefined;

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#error) return Promise.reject(this.#error.error);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#rejectWaiting = reject;
    });
  }
}

/**
 * Wraps a program so each call yields field deltas while the LM writes, then the final prediction.
 * Breaking out of the loop or aborting `signal` cancels the underlying LM stream.
 */
export function streamify<I>(program: Callable<I>, options: StreamifyOptions = {}) {
  const names =
    options.predictorNames ??
    (() => {
      const byObject = new Map<object, string>(
        program instanceof Module ? program.namedPredictors().map(([name, p]) => [p, name] as const) : [],
      );
      return (predictor: object) => byObject.get(predictor);
    })();
  const wanted = options.fields ? new Set(options.fields) : undefined;

  return (inputs: I, callOptions: { signal?: AbortSignal | undefined } = {}): AsyncIterable<StreamEvent> => ({
    [Symbol.asyncIterator]() {
      const controller = new AbortController();
      const outer = callOptions.signal;
      const onAbort = () => controller.abort(outer?.reason);
      if (outer?.aborted) controller.abort(outer.reason);
      else outer?.addEventListener('abort', onAbort, { once: true });
      const queue = new EventQueue<StreamEvent>();
      const sink = {
        signal: controller.signal,
        emit(predictor: object, field: string, text: string) {
          if (wanted && !wanted.has(field)) return;
          queue.push({ type: 'delta', predictor: names(predictor) ?? 'self', field, text });
        },
      };
      withStreamSink(sink, () => program.call(inputs)).then(
        (prediction) => {
          queue.push({ type: 'prediction', prediction: prediction as Prediction });
          queue.finish();
        },
        (error: unknown) => queue.finish({ error }),
      );
      const cleanup = () => outer?.removeEventListener('abort', onAbort);
      return {
        next: async () => {
          const result = await queue.next().catch((error: unknown) => {
            cleanup();
            throw error;
          });
          if (result.done) cleanup();
          return result;
        },
        return: async () => {
          controller.abort(new Error('stream consumer stopped'));
          cleanup();
          return { value: undefined, done: true };
        },
      };
    },
  });
}
