import { z } from 'zod';
import { withCallbacks } from '../callbacks/dispatch.js';
import type { Callback } from '../callbacks/types.js';
import { ConfigurationError, InputError } from '../errors.js';
import { pyRepr } from '../python/repr.js';
import {
  argsFromZod,
  checkJsonArgs,
  isZodSchema,
  type JsonSchema,
  requiredArgs,
  type ToolArgs,
  validatorFromJson,
} from './arg-schema.js';

/** The function a Tool runs: one object of named arguments, sync or async. */
export type ToolFunction<A = Record<string, unknown>, R = unknown> = (args: A) => R | Promise<R>;

export interface ToolOptions {
  /** Default: the function's own name. */
  name?: string | undefined;
  /** What the tool does, as the model reads it. Default none (DSPy: the docstring). */
  desc?: string | null | undefined;
  /** A zod object, or DSPy's shape: the JSON schema of each argument (`{ city: { type: 'string' } }`). */
  args?: z.ZodType | Readonly<Record<string, JsonSchema>> | undefined;
  /** Callbacks for this tool's calls only, after the global ones (DSPy's `Tool(callbacks=...)`). */
  callbacks?: readonly Callback[] | undefined;
}

export interface ToolCallOptions {
  /** The provider's id of the tool call being answered (reaches `onToolStart` and the trace). */
  callId?: string | undefined;
}

/** The OpenAI function definition DSPy sends with native function calling. */
export interface FunctionDefinition {
  type: 'function';
  function: {
    name: string;
    description: string | null;
    parameters: { type: 'object'; properties: ToolArgs; required: string[] };
  };
}

const isToolName = (name: unknown): name is string => typeof name === 'string' && name.trim() !== '';

/**
 * DSPy's `dspy.Tool`: a function the model may call, with the name, description and per-argument
 * JSON schemas it is shown. `call` validates the arguments against the schema before the function
 * runs, so a model's malformed call never reaches user code.
 */
export class Tool<A = Record<string, unknown>, R = unknown> {
  /** The zod schema of a `Tool`-typed signature field (`tools: list[Tool]`). */
  static readonly schema = z
    .custom<Tool>((value) => value instanceof Tool, { message: 'expected a Tool' })
    .meta({ title: 'Tool' });

  readonly name: string;
  readonly desc: string | null;
  /** The JSON schema per argument that the model is shown (DSPy's `tool.args`). */
  readonly args: ToolArgs;
  /** The wrapped function (typed loosely so a list of differently typed tools is one `Tool[]`). */
  readonly func: (args: never) => unknown;
  readonly callbacks: readonly Callback[];
  readonly #validator: z.ZodType;

  constructor(func: ToolFunction<A, R>, options: ToolOptions = {}) {
    if (typeof func !== 'function') {
      throw new ConfigurationError(`A Tool needs a function to run, got ${typeof func}.`);
    }
    const name = options.name ?? func.name;
    if (!isToolName(name)) {
      throw new ConfigurationError(
        'A Tool needs a name: pass `{ name }` (an anonymous function has none to infer).',
      );
    }
    this.name = name;
    this.desc = options.desc ?? null;
    this.func = func;
    this.callbacks = Object.freeze([...(options.callbacks ?? [])]);
    const args = options.args ?? {};
    if (isZodSchema(args)) {
      this.args = Object.freeze(argsFromZod(name, args));
      this.#validator = (args as z.ZodType & { strict?: () => z.ZodType }).strict?.() ?? args;
    } else {
      this.args = Object.freeze({ ...checkJsonArgs(name, args) });
      this.#validator = validatorFromJson(this.args);
    }
    Object.freeze(this);
  }

  /**
   * Validates `args` against the tool's schema, then runs the function (sync or async). An unknown,
   * missing or ill-typed argument is an InputError naming it; the function is not called then.
   * Runs between the `onToolStart` / `onToolEnd` callbacks.
   */
  call(args: Readonly<Record<string, unknown>> = {}, options: ToolCallOptions = {}): Promise<R> {
    const inputs = options.callId === undefined ? { args } : { args, callId: options.callId };
    return withCallbacks('Tool', this, inputs, () => this.#run(args), this.callbacks);
  }

  async #run(args: Readonly<Record<string, unknown>>): Promise<R> {
    const parsed = this.validate(args);
    return (await (this.func as ToolFunction<A, R>)(parsed)) as R;
  }

  /** The arguments as the function will receive them, or an InputError naming the bad one. */
  validate(args: unknown): A {
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new InputError(
        `Tool '${this.name}' takes an object of named arguments, got ${args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args}.`,
      );
    }
    const unknown = Object.keys(args).filter((key) => !Object.hasOwn(this.args, key));
    if (unknown.length > 0) {
      throw new InputError(
        `Arg ${unknown[0]} is not in the tool's args: tool '${this.name}' takes ${Object.keys(this.args).join(', ') || 'no arguments'}.`,
      );
    }
    const result = this.#validator.safeParse(args);
    if (!result.success) {
      const issue = result.error.issues[0];
      const arg = String(issue?.path[0] ?? '');
      throw new InputError(
        arg
          ? `Arg ${arg} is invalid for tool '${this.name}': ${issue?.message ?? 'invalid value'}.`
          : `Invalid arguments for tool '${this.name}': ${issue?.message ?? 'invalid value'}.`,
      );
    }
    return result.data as A;
  }

  /** The OpenAI function definition (DSPy's `format_as_litellm_function_call`). */
  formatAsFunctionCall(): FunctionDefinition {
    return {
      type: 'function',
      function: {
        name: this.name,
        description: this.desc,
        parameters: { type: 'object', properties: this.args, required: requiredArgs(this.args) },
      },
    };
  }

  /** DSPy's `str(tool)`, as ReAct lists the tool in its instructions. */
  toString(): string {
    const desc = this.desc ? `, whose description is <desc>${this.desc}</desc>.`.replaceAll('\n', '  ') : '.';
    return `${this.name}${desc} It takes arguments ${pyRepr(this.args)}.`;
  }

  /** A tool saved in a trace or a session turn: what the model saw (the function is not data). */
  toJSON(): { name: string; desc: string | null; args: ToolArgs } {
    return { name: this.name, desc: this.desc, args: this.args };
  }
}

/** A list of tools, or one tool (DSPy accepts both for a `list[Tool]` input). */
export const toolList = (value: unknown): Tool[] =>
  (Array.isArray(value) ? value : [value]).filter((item): item is Tool => item instanceof Tool);
