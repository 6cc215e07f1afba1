import { readFileSync } from 'node:fs';
import {
  type ChatMessage,
  History,
  type LanguageModel,
  type LMRequest,
  type LMResponse,
  type LMToolCall,
  Tool,
  ToolCalls,
} from '@dspy-ts/core';
import { z } from 'zod';

/** A scripted completion of the agent fixtures: raw text, or text plus native tool calls. */
export type FixtureCompletion =
  | string
  | { text: string; tool_calls: { id: string; name: string; arguments: string }[] };

export interface LmCall {
  messages: Record<string, unknown>[];
  kwargs: Record<string, unknown>;
}

/** Reads one agent fixture (copied from the real Python DSPy 3.3.1 run; see fixtures/agents/README.md). */
export function loadAgentFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/agents/${name}.json`, import.meta.url), 'utf8')) as T;
}

/** The fixtures' tools, as a TypeScript author writes them (bodies from the fixtures' notes). */
export const getWeather = new Tool(({ city }: { city: string }) => `The weather in ${city} is sunny, 21 C.`, {
  name: 'get_weather',
  desc: 'Get the current weather for a city.',
  args: z.object({ city: z.string() }),
});
export const add = new Tool(({ a, b }: { a: number; b: number }) => a + b, {
  name: 'add',
  desc: 'Add two integers.',
  args: z.object({ a: z.int(), b: z.int() }),
});
export const FIXTURE_TOOLS = [getWeather, add];

/** Decodes the fixtures' values: History markers, and ToolCalls (their `tool_calls` objects). */
export function decodeAgentValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeAgentValue);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record.__type__ === 'History')
    return new History((record.messages as unknown[]).map(decodeAgentValue) as Record<string, unknown>[]);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decodeAgentValue(v)]));
}

/**
 * The fixtures' recording model: returns the scripted completions in order (with native tool
 * calls when scripted) and records each request as the fixtures do (messages, kwargs).
 */
export class RecordingLM implements LanguageModel {
  readonly model = 'openai/recording';
  readonly capabilities: { responseFormat: 'none'; functionCalling: boolean };
  readonly calls: LmCall[] = [];
  readonly requests: LMRequest[] = [];
  #completions: FixtureCompletion[];

  constructor(completions: FixtureCompletion[], options: { functionCalling?: boolean } = {}) {
    this.#completions = [...completions];
    this.capabilities = { responseFormat: 'none', functionCalling: options.functionCalling ?? false };
  }

  async request(request: LMRequest): Promise<LMResponse> {
    this.requests.push(request);
    this.calls.push({
      messages: request.messages.map((message: ChatMessage) => JSON.parse(JSON.stringify(message))),
      kwargs: JSON.parse(
        JSON.stringify({ ...(request.tools ? { tools: request.tools } : {}), ...request.extra }),
      ),
    });
    const next = this.#completions.shift() ?? 'NO MORE COMPLETIONS';
    if (typeof next === 'string') return { outputs: [next] };
    const toolCalls: LMToolCall[] = next.tool_calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    return { outputs: [next.text], toolCalls: [toolCalls] };
  }
}

/** A value as the fixtures record it: ToolCalls as DSPy serializes them (`format()`, no ids). */
export const asFixtureValue = (value: unknown): unknown =>
  value instanceof ToolCalls ? value.format() : JSON.parse(JSON.stringify(value ?? null));
