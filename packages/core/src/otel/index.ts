import type { Callback } from '../callbacks/types.js';
import { type OpenTelemetryOptions, TracingCallback } from './tracing-callback.js';

/**
 * A callback that records every turn, module, LM and tool call as OpenTelemetry spans on the
 * application's tracer provider: `configure({ callbacks: [openTelemetry()] })`. Needs
 * `@opentelemetry/api` (an optional peer dependency, loaded only by this entry point).
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Callback {
  return new TracingCallback(options);
}

export { type FinishedSpan, formatSpanTree, type SpanTreeOptions } from './span-tree.js';
export type { OpenTelemetryOptions };
