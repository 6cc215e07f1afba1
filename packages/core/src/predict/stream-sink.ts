import { currentFrame, type StreamSink, withFrame } from '../call-context.js';

export type { StreamSink } from '../call-context.js';

export const withStreamSink = <T>(sink: StreamSink, fn: () => T): T => withFrame({ streamSink: sink }, fn);

/** The sink of the enclosing `streamify` call, if any. */
export const currentStreamSink = (): StreamSink | undefined => currentFrame().streamSink;
