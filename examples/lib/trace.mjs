/**
 * The demo's `--trace`: OpenTelemetry's SDK with an in-memory exporter, dspy-ts's openTelemetry()
 * callback registered globally, and the span tree of the last recorded turn for the terminal.
 * A real deployment swaps the in-memory exporter for an OTLP one (see the README).
 */
import { configure, settings } from '@dspy-ts/core';
import { formatSpanTree, openTelemetry } from '@dspy-ts/core/otel';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** Starts recording every call as spans; `lastTurn()` prints the latest turn's tree. */
export function startTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  configure({ callbacks: [...settings.callbacks, openTelemetry()] });
  return {
    /** The last `dspy.session.turn` span and everything under it, as an indented tree. */
    lastTurn() {
      const spans = exporter.getFinishedSpans();
      const turn = spans.findLast((span) => span.name === 'dspy.session.turn');
      if (!turn) return '(no turn was recorded)';
      const inTurn = new Set([turn.spanContext().spanId]);
      // Finished children come before their parents: walk until no span joins the turn.
      for (let grew = true; grew; ) {
        grew = false;
        for (const span of spans) {
          const id = span.spanContext().spanId;
          if (!inTurn.has(id) && inTurn.has(span.parentSpanContext?.spanId)) {
            inTurn.add(id);
            grew = true;
          }
        }
      }
      return formatSpanTree(spans.filter((span) => inTurn.has(span.spanContext().spanId)));
    },
    async close() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
