import { z } from 'zod';
import { InputError } from '../errors.js';
import { Tool } from './tool.js';

/** One call the model asked for: the tool's name and its arguments (`id` from the provider). */
export interface ToolCall {
  readonly id?: string | undefined;
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** What running a call gave: its value, or the error text when `isError`. */
export interface ToolCallResult {
  readonly callId?: string | undefined;
  readonly name: string;
  readonly value: unknown;
  readonly isError?: boolean | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A lenient read of a JSON arguments string (models sometimes send `''` for no arguments). */
const parseArguments = (text: string): Record<string, unknown> => {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
};

const isCallShape = (value: Record<string, unknown>): boolean =>
  ('name' in value && ('args' in value || 'arguments' in value)) || 'function' in value;

/**
 * One call from any of the shapes DSPy accepts: `{ name, args }`, `{ name, arguments }` (a JSON
 * string or object), or the provider's `{ id, function: { name, arguments } }`.
 */
function normalizeCall(value: unknown): ToolCall {
  if (!isObject(value))
    throw new InputError(`Received invalid tool call value for \`ToolCalls\`: ${String(value)}`);
  const fn = isObject(value.function) ? value.function : undefined;
  const rawArgs = fn ? fn.arguments : (value.args ?? value.arguments);
  const args = typeof rawArgs === 'string' ? parseArguments(rawArgs) : isObject(rawArgs) ? rawArgs : {};
  const name = fn?.name ?? value.name;
  if (typeof name !== 'string' || name === '') {
    throw new InputError(`A tool call needs a name, got ${JSON.stringify(value)}.`);
  }
  const id = value.id ?? value.call_id;
  return typeof id === 'string' && id !== '' ? { id, name, args } : { name, args };
}

function normalizeResult(value: unknown): ToolCallResult {
  if (!isObject(value) || typeof value.name !== 'string' || !('value' in value)) {
    throw new InputError(
      `A tool call result needs { name, value } (and callId), got ${JSON.stringify(value)}.`,
    );
  }
  const callId = value.callId ?? value.call_id;
  return {
    ...(typeof callId === 'string' ? { callId } : {}),
    name: value.name,
    value: value.value,
    isError: value.isError === true || value.is_error === true,
  };
}

const resultsFrom = (value: unknown): ToolCallResult[] | undefined => {
  if (value === undefined || value === null) return undefined;
  const list = isObject(value) && 'tool_call_results' in value ? value.tool_call_results : value;
  return (Array.isArray(list) ? list : [list]).map(normalizeResult);
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * DSPy's `dspy.ToolCalls`: the tool calls of one model answer, usable as a signature output
 * (`tool_calls: ToolCalls`), optionally with the results of running them. Immutable.
 */
export class ToolCalls {
  /**
   * The zod schema of a `ToolCalls`-typed signature field: a ToolCalls, or any shape `from` reads
   * (a model's JSON answer, a saved turn), which it turns into ToolCalls.
   */
  static readonly schema: z.ZodType<ToolCalls> = z
    .preprocess(
      (value) => {
        try {
          return value instanceof ToolCalls || value === null || value === undefined
            ? value
            : ToolCalls.from(value);
        } catch {
          return value;
        }
      },
      z.custom<ToolCalls>((value) => value instanceof ToolCalls, {
        message: 'expected tool calls ({ "tool_calls": [{ "name": ..., "args": {...} }] })',
      }),
    )
    .meta({ title: 'ToolCalls' }) as unknown as z.ZodType<ToolCalls>;

  readonly toolCalls: readonly ToolCall[];
  readonly results: readonly ToolCallResult[] | undefined;

  constructor(
    toolCalls: readonly (ToolCall | Readonly<Record<string, unknown>>)[],
    options: { results?: readonly ToolCallResult[] | undefined } = {},
  ) {
    this.toolCalls = Object.freeze(toolCalls.map((call) => Object.freeze(normalizeCall(call))));
    this.results =
      options.results === undefined
        ? undefined
        : Object.freeze(options.results.map((result) => Object.freeze(normalizeResult(result))));
    Object.freeze(this);
  }

  /** How the model is told to write tool calls when they are text (DSPy's `description()`). */
  static description(): string {
    return (
      'Tool calls must be a JSON object with `tool_calls`, a list of calls. ' +
      'Each call must include `name` and `args`. ' +
      'Example: {"tool_calls": [{"name": "search", "args": {"query": "cats"}}]}'
    );
  }

  /** DSPy's `ToolCalls.from_dict_list`. */
  static fromDictList(calls: readonly Readonly<Record<string, unknown>>[]): ToolCalls {
    return new ToolCalls(calls);
  }

  /**
   * A ToolCalls from any value DSPy's validator accepts: a ToolCalls, a list of calls, one call,
   * or `{ tool_calls: [...], tool_call_results? }` (the saved form). Anything else is an InputError.
   */
  static from(value: unknown): ToolCalls {
    if (value instanceof ToolCalls) return value;
    if (Array.isArray(value) && value.every((item) => isObject(item) && isCallShape(item))) {
      return new ToolCalls(value as Record<string, unknown>[]);
    }
    if (isObject(value)) {
      if (Array.isArray(value.tool_calls)) {
        return new ToolCalls(value.tool_calls as Record<string, unknown>[], {
          results: resultsFrom(value.tool_call_results),
        });
      }
      if (isCallShape(value)) return new ToolCalls([value]);
    }
    throw new InputError(`Received invalid value for \`ToolCalls\`: ${JSON.stringify(value)}`);
  }

  /** True for a ToolCalls or its saved form (`{ tool_calls: [...] }`). */
  static isToolCalls(value: unknown): boolean {
    return value instanceof ToolCalls || (isObject(value) && Array.isArray(value.tool_calls));
  }

  /** The same calls with these results (in call order; `callId` taken from each call). */
  withResults(values: readonly unknown[], isErrors: readonly boolean[] = []): ToolCalls {
    if (values.length !== this.toolCalls.length) {
      throw new InputError('`toolCalls` and `values` must have the same length.');
    }
    return new ToolCalls(this.toolCalls, {
      results: this.toolCalls.map((call, i) => ({
        ...(call.id === undefined ? {} : { callId: call.id }),
        name: call.name,
        value: values[i],
        isError: isErrors[i] === true,
      })),
    });
  }

  /**
   * Runs each call with the tool of its name, in order, and returns the values. A call naming a
   * tool that is not given is an InputError before any call runs; a tool's own error propagates.
   */
  async execute(tools: readonly Tool[] | Readonly<Record<string, Tool>>): Promise<unknown[]> {
    const byName = toolsByName(tools);
    const unknown = this.toolCalls.filter((call) => !byName.has(call.name)).map((call) => call.name);
    if (unknown.length > 0) {
      throw new InputError(
        `Tool function '${unknown[0]}' not found. Please pass the tool functions to the \`execute\` method (known: ${[...byName.keys()].join(', ') || 'none'}).`,
      );
    }
    const values: unknown[] = [];
    for (const call of this.toolCalls)
      values.push(await byName.get(call.name)!.call(call.args, { callId: call.id }));
    return values;
  }

  /**
   * Runs every call and returns these calls with their results: an unknown tool or a failing call
   * becomes an error result (never executed, or its message), so an agent can show the model what happened.
   */
  async run(tools: readonly Tool[] | Readonly<Record<string, Tool>>): Promise<ToolCalls> {
    const byName = toolsByName(tools);
    const values: unknown[] = [];
    const errors: boolean[] = [];
    for (const call of this.toolCalls) {
      const tool = byName.get(call.name);
      try {
        if (!tool) throw new InputError(`Unknown tool '${call.name}'.`);
        values.push(await tool.call(call.args, { callId: call.id }));
        errors.push(false);
      } catch (error) {
        values.push(`Execution error in ${call.name}: ${errorText(error)}`);
        errors.push(true);
      }
    }
    return this.withResults(values, errors);
  }

  /** What the model is shown for these calls (DSPy's `format()`): names and args, no ids. */
  format(): { tool_calls: { name: string; args: Readonly<Record<string, unknown>> }[] } {
    return { tool_calls: this.toolCalls.map((call) => ({ name: call.name, args: call.args })) };
  }

  /** Plain JSON that `ToolCalls.from` reads back: ids and results included. */
  toJSON(): Record<string, unknown> {
    const data: Record<string, unknown> = {
      tool_calls: this.toolCalls.map((call) => ({
        ...(call.id === undefined ? {} : { id: call.id }),
        name: call.name,
        args: call.args,
      })),
    };
    if (this.results) {
      data.tool_call_results = {
        tool_call_results: this.results.map((result) => ({
          call_id: result.callId ?? null,
          name: result.name,
          value: result.value,
          is_error: result.isError === true,
        })),
      };
    }
    return data;
  }

  toString(): string {
    return `ToolCalls(${JSON.stringify(this.format().tool_calls)})`;
  }
}

function toolsByName(tools: readonly Tool[] | Readonly<Record<string, Tool>>): Map<string, Tool> {
  const list = Array.isArray(tools) ? tools : Object.values(tools);
  return new Map(list.filter((tool) => tool instanceof Tool).map((tool) => [tool.name, tool]));
}

type OneCall = ToolCall;

// `ToolCalls.ToolCall` and `ToolCalls.Result`, as DSPy nests them.
export declare namespace ToolCalls {
  export type ToolCall = OneCall;
  export type Result = ToolCallResult;
}
