import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { context, DummyLM, Module, Predict, Tool, ToolCalls } from '../src/index.js';
import { formatSpanTree, openTelemetry } from '../src/otel/index.js';
import { FAKE_KEY, useHarness } from './lm/helpers.js';
import { LineAdapter } from './support/test-adapter.js';
import { useTracing } from './support/tracing.js';
import { TwoSteps } from './support/two-steps.js';

const tracing = useTracing();

const tree = () => formatSpanTree(tracing.spans(), { durations: false });

describe('openTelemetry()', () => {
  it('nests module, predictor and LM spans by the call structure, with predictor paths', async () => {
    const lm = new DummyLM([{ draft: 'rough' }, { answer: 'fine' }]);
    await context({ callbacks: [openTelemetry()], lm, adapter: new LineAdapter() }, () =>
      new TwoSteps().call({ question: 'q' }),
    );
    expect(tree()).toBe(
      [
        'dspy.TwoSteps',
        '  dspy.Predict  (draft)',
        '    chat dummy  (tokens 0 in / 0 out)',
        '  dspy.Predict  (polish)',
        '    chat dummy  (tokens 0 in / 0 out)',
      ].join('\n'),
    );
    expect(new Set(tracing.spans().map((span) => span.spanContext().traceId)).size).toBe(1);
  });

  it("joins the application's active span", async () => {
    const lm = new DummyLM([{ answer: 'a' }]);
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('POST /chat', async (span) => {
      await context({ callbacks: [openTelemetry()], lm, adapter: new LineAdapter() }, () =>
        new Predict('q -> answer').call({ q: 'q' }),
      );
      span.end();
    });
    expect(tree()).toBe(
      ['POST /chat', '  dspy.Predict  (self)', '    chat dummy  (tokens 0 in / 0 out)'].join('\n'),
    );
  });

  it('gives each of many concurrent calls its own well-formed trace', async () => {
    const lm = new DummyLM(() => ({ answer: 'a' }));
    const predict = new Predict('q -> answer');
    await context({ callbacks: [openTelemetry()], lm, adapter: new LineAdapter() }, () =>
      Promise.all(Array.from({ length: 50 }, (_, i) => predict.call({ q: String(i) }))),
    );
    const byTrace = new Map<string, ReadableSpan[]>();
    for (const span of tracing.spans()) {
      const id = span.spanContext().traceId;
      byTrace.set(id, [...(byTrace.get(id) ?? []), span]);
    }
    expect(byTrace.size).toBe(50);
    for (const spans of byTrace.values()) {
      const root = spans.find((span) => span.name === 'dspy.Predict')!;
      const chat = spans.find((span) => span.name === 'chat dummy')!;
      expect(spans).toHaveLength(2);
      expect(chat.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    }
  });

  it('records a tool call as execute_tool with its name and call id', async () => {
    const search = new Tool(({ query }: { query: string }) => `found ${query}`, {
      name: 'search',
      desc: 'Searches the web.',
      args: z.object({ query: z.string() }),
    });
    const calls = ToolCalls.from([{ id: 'call_9', name: 'search', args: { query: 'x' } }]);
    await context({ callbacks: [openTelemetry()] }, () => calls.execute([search]));
    const [span] = tracing.byName('execute_tool search');
    expect(span?.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search',
      'gen_ai.tool.call.id': 'call_9',
      'gen_ai.tool.description': 'Searches the web.',
    });
  });

  it('nests tool spans under the module that runs them and marks a failing tool', async () => {
    const add = new Tool(({ a, b }: { a: number; b: number }) => a + b, {
      name: 'add',
      args: z.object({ a: z.number(), b: z.number() }),
    });
    class Agent extends Module<{ x: number }> {
      async forward({ x }: { x: number }) {
        return ToolCalls.from([
          { id: 'ok', name: 'add', args: { a: x, b: 1 } },
          { id: 'bad', name: 'add', args: { a: 'one', b: 1 } },
        ]).run([add]);
      }
    }
    await context({ callbacks: [openTelemetry()] }, () => new Agent().call({ x: 1 }));
    expect(tree()).toBe(
      [
        'dspy.Agent',
        '  execute_tool add',
        "  execute_tool add  (ERROR Arg a is invalid for tool 'add': Invalid input: expected number, received string.)",
      ].join('\n'),
    );
  });

  describe('over the real LM client and the local server', () => {
    const harness = useHarness({
      reply: { content: 'answer: "Paris"', usage: { prompt_tokens: 21, completion_tokens: 4 } },
    });

    const ask = (options: Parameters<typeof harness.lm>[0] = {}, callbacks = [openTelemetry()]) =>
      context({ callbacks, lm: harness.lm(options), adapter: new LineAdapter() }, () =>
        new Predict('question -> answer', { temperature: 0.3 }).call({ question: 'capital?' }),
      );

    it('records GenAI semantic-convention attributes on the chat span', async () => {
      await ask({ cache: false, maxTokens: 50 });
      const [chat] = tracing.byName('chat test-model');
      expect(chat?.kind).toBe(SpanKind.CLIENT);
      expect(chat?.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'test-model',
        'gen_ai.request.temperature': 0.3,
        'gen_ai.request.max_tokens': 50,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 21,
        'gen_ai.usage.output_tokens': 4,
        'dspy.lm.cache_hit': false,
      });
    });

    it('marks a cache hit', async () => {
      await ask();
      await ask();
      expect(tracing.byName('chat test-model').map((span) => span.attributes['dspy.lm.cache_hit'])).toEqual([
        false,
        true,
      ]);
    });

    it('records each retry as an event on the chat span', async () => {
      harness.server.fail({ status: 500 }, { status: 429, retryAfterMs: 3 });
      await ask({ cache: false });
      const [chat] = tracing.byName('chat test-model');
      expect(chat?.events.map((event) => [event.name, event.attributes?.['dspy.lm.attempt']])).toEqual([
        ['dspy.lm.retry', 1],
        ['dspy.lm.retry', 2],
      ]);
      expect(chat?.status.code).not.toBe(SpanStatusCode.ERROR);
    });

    it('sets the error status and records the exception, never the API key', async () => {
      harness.server.fail({ status: 401, message: `Incorrect API key provided: ${FAKE_KEY}` });
      await expect(ask({ cache: false })).rejects.toThrow();
      const spans = tracing.spans();
      expect(spans.map((span) => [span.name, span.status.code])).toEqual([
        ['chat test-model', SpanStatusCode.ERROR],
        ['dspy.Predict', SpanStatusCode.ERROR],
      ]);
      expect(spans[0]?.attributes['error.type']).toBe('LMAuthError');
      expect(spans[0]?.events.map((event) => event.name)).toEqual(['exception']);
      const everything = JSON.stringify(
        spans.map((span) => [span.attributes, span.events, span.status, span.name]),
      );
      expect(everything).not.toContain(FAKE_KEY);
      expect(everything).not.toContain(FAKE_KEY.slice(-8));
    });

    it('records no prompt or completion text unless asked', async () => {
      await ask({ cache: false });
      const text = JSON.stringify(tracing.spans().map((span) => span.attributes));
      expect(text).not.toContain('capital?');
      expect(text).not.toContain('Paris');
    });

    it('records prompts and completions in the GenAI message shape when recordContent is on', async () => {
      await ask({ cache: false }, [openTelemetry({ recordContent: true })]);
      const [chat] = tracing.byName('chat test-model');
      const input = JSON.parse(String(chat?.attributes['gen_ai.input.messages']));
      const output = JSON.parse(String(chat?.attributes['gen_ai.output.messages']));
      expect(input.at(-1)).toEqual({
        role: 'user',
        parts: [{ type: 'text', content: 'question: "capital?"' }],
      });
      expect(output).toEqual([
        { role: 'assistant', parts: [{ type: 'text', content: 'answer: "Paris"' }], finish_reason: 'stop' },
      ]);
    });
  });

  it('is loaded only through its own entry point', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        return statSync(path).isDirectory() ? files(path) : [path];
      });
    const importers = files(src).filter(
      (file) =>
        !file.includes(`${join('src', 'otel')}`) && readFileSync(file, 'utf8').includes('@opentelemetry'),
    );
    expect(importers).toEqual([]);
    expect(readFileSync(join(src, 'index.ts'), 'utf8')).not.toContain('otel');
  });
});
