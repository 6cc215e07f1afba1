import { AsyncLocalStorage } from 'node:async_hooks';

/** Where predictors send field deltas while a program runs under `streamify`. */
export interface StreamSink {
  emit(predictor: object, field: string, text: string): void;
  readonly signal: AbortSignal;
}

const sinks = new AsyncLocalStorage<StreamSink>();

export const withStreamSink = <T>(sink: StreamSink, fn: () => T): T => sinks.run(sink, fn);

/** The sink of the enclosing `streamify` call, if any. */
export const currentStreamSink = (): StreamSink | undefined => sinks.getStore();
