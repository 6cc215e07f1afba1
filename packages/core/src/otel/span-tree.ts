import type { Attributes, HrTime, SpanContext, SpanStatus } from '@opentelemetry/api';

/** The parts of a finished span (the SDK's ReadableSpan) that the tree prints. */
export interface FinishedSpan {
  readonly name: string;
  readonly spanContext: () => SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly duration: HrTime;
  readonly attributes: Attributes;
  readonly status: SpanStatus;
}

export interface SpanTreeOptions {
  /** Print each span's duration (default true; tests turn it off to compare trees). */
  durations?: boolean | undefined;
}

const ERROR = 2;
const millis = ([seconds, nanos]: HrTime): number => seconds * 1000 + nanos / 1e6;

const details = (span: FinishedSpan, durations: boolean): string => {
  const parts: string[] = [];
  if (durations) parts.push(`${millis(span.duration).toFixed(1)} ms`);
  const input = span.attributes['gen_ai.usage.input_tokens'];
  const output = span.attributes['gen_ai.usage.output_tokens'];
  if (input !== undefined || output !== undefined) parts.push(`tokens ${input ?? 0} in / ${output ?? 0} out`);
  const predictor = span.attributes['dspy.predictor'];
  if (typeof predictor === 'string') parts.push(predictor);
  if (span.attributes['dspy.lm.cache_hit'] === true) parts.push('cache hit');
  if (span.status.code === ERROR) parts.push(`ERROR ${span.status.message ?? ''}`.trim());
  return parts.length === 0 ? '' : `  (${parts.join(', ')})`;
};

/**
 * The spans of one or more traces as an indented tree, children in start order:
 * `dspy.session.turn (12.3 ms)` / `  dspy.Predict (11.9 ms, classify)` / `    chat gpt-4o-mini (...)`.
 */
export function formatSpanTree(spans: readonly FinishedSpan[], options: SpanTreeOptions = {}): string {
  const durations = options.durations !== false;
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = new Map<string | undefined, FinishedSpan[]>();
  for (const span of spans) {
    const parentId = span.parentSpanContext?.spanId;
    const key = parentId !== undefined && ids.has(parentId) ? parentId : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const visit = (parent: string | undefined, depth: number) => {
    const level = [...(children.get(parent) ?? [])].sort((a, b) => millis(a.startTime) - millis(b.startTime));
    for (const span of level) {
      lines.push(`${'  '.repeat(depth)}${span.name}${details(span, durations)}`);
      visit(span.spanContext().spanId, depth + 1);
    }
  };
  visit(undefined, 0);
  return lines.join('\n');
}
