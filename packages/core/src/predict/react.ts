import { z } from 'zod';
import { AdapterParseError, ConfigurationError, ContextWindowExceededError } from '../errors.js';
import { Module } from '../primitives/module.js';
import { Prediction } from '../primitives/prediction.js';
import { resolveAdapter, settings } from '../settings.js';
import { InputField, OutputField } from '../signature/field.js';
import { ensureSignature, type Signature } from '../signature/signature.js';
import { Tool } from '../tool/tool.js';
import { ChainOfThought } from './chain-of-thought.js';
import { Predict } from './predict.js';
import { formatTrajectory } from './trajectory.js';
import type { OutputsOf, PredictInputs, SignatureInput, TypedPrediction } from './types.js';

export interface ReActOptions {
  /** The tools the agent may call. Names must be unique; `finish` is ReAct's own. */
  tools: readonly Tool[];
  /** The most tool calls per forward (default 20); a call may pass `maxIters` too. */
  maxIters?: number | undefined;
}

/** What ReAct returns: the trajectory (thought_i, tool_name_i, tool_args_i, observation_i) and the outputs. */
export type ReActPrediction<S> = TypedPrediction<
  { trajectory: Record<string, unknown>; reasoning: string } & OutputsOf<S>
>;

export type ReActInputs<S extends SignatureInput> = PredictInputs<S> & {
  /** Overrides the instance's `maxIters` for this call (DSPy's `max_iters`). */
  maxIters?: number | undefined;
  max_iters?: number | undefined;
};

const FINISH = 'finish';
const backticked = (names: string[]): string => names.map((name) => `\`${name}\``).join(', ');
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** DSPy's ReAct instructions: the task, the agent protocol, then every tool as `str(tool)`. */
function reactInstructions(signature: Signature, tools: readonly Tool[]): string {
  const inputs = backticked(Object.keys(signature.inputFields));
  const outputs = backticked(Object.keys(signature.outputFields));
  const lines = signature.instructions ? [`${signature.instructions}\n`] : [];
  lines.push(
    `You are an Agent. In each episode, you will be given the fields ${inputs} as input. And you can see your past trajectory so far.`,
    `Your goal is to use one or more of the supplied tools to collect any necessary information for producing ${outputs}.\n`,
    'To do this, you will interleave next_thought, next_tool_name, and next_tool_args in each turn, and also when finishing the task.',
    'After each tool call, you receive a resulting observation, which gets appended to your trajectory.\n',
    'When writing next_thought, you may reason about the current situation and plan for future steps.',
    'When selecting the next_tool_name and its next_tool_args, the tool must be one of:\n',
  );
  tools.forEach((tool, i) => {
    lines.push(`(${i + 1}) ${tool}`);
  });
  lines.push('When providing `next_tool_args`, the value inside the field must be in JSON format');
  return lines.join('\n');
}

/** The tools by name, plus `finish`; duplicate or reserved names are a ConfigurationError. */
function toolTable(signature: Signature, given: readonly Tool[]): Tool[] {
  if (!Array.isArray(given)) {
    throw new ConfigurationError(
      'ReAct needs `tools`: an array of Tool (new Tool(fn, { name, desc, args })).',
    );
  }
  const seen = new Set<string>();
  for (const tool of given) {
    if (!(tool instanceof Tool)) {
      throw new ConfigurationError(
        `ReAct tools must be Tool instances, got ${typeof tool}: wrap functions in new Tool(fn, { name, args }).`,
      );
    }
    if (tool.name === FINISH) {
      throw new ConfigurationError(
        "A tool cannot be named 'finish': ReAct reserves it for ending the trajectory.",
      );
    }
    if (seen.has(tool.name)) {
      throw new ConfigurationError(`Two tools are named '${tool.name}': tool names must be unique.`);
    }
    seen.add(tool.name);
  }
  const outputs = backticked(Object.keys(signature.outputFields));
  const finish = new Tool(() => 'Completed.', {
    name: FINISH,
    desc: `Marks the task as complete. That is, signals that all information for producing the outputs, i.e. ${outputs}, are now available to be extracted.`,
    args: {},
  });
  return [...given, finish];
}

/**
 * DSPy's ReAct ("Reasoning and Acting"): the `react` predictor picks a thought, a tool and its
 * arguments; the tool's result is appended to the trajectory; until `finish` (or `maxIters`), then
 * `extract` (a ChainOfThought) produces the outputs from the trajectory.
 */
export class ReAct<const S extends SignatureInput = SignatureInput> extends Module<
  ReActInputs<S>,
  ReActPrediction<S>
> {
  readonly signature: Signature;
  maxIters: number;
  /** Every tool by name, `finish` included (DSPy's `self.tools`). */
  readonly tools: Readonly<Record<string, Tool>>;
  react: Predict;
  extract: ChainOfThought;

  constructor(signature: S, options: ReActOptions) {
    super();
    const base = ensureSignature(signature) as Signature;
    const tools = toolTable(base, options?.tools);
    const maxIters = options.maxIters ?? 20;
    if (!Number.isInteger(maxIters) || maxIters < 1) {
      throw new ConfigurationError(`ReAct maxIters must be a positive integer, got ${String(maxIters)}.`);
    }
    this.signature = base;
    this.maxIters = maxIters;
    this.tools = Object.freeze(Object.fromEntries(tools.map((tool) => [tool.name, tool])));

    let reactSignature = base;
    for (const name of Object.keys(base.outputFields)) reactSignature = reactSignature.delete(name);
    const names = tools.map((tool) => tool.name) as [string, ...string[]];
    this.react = new Predict(
      reactSignature
        .withInstructions(reactInstructions(base, tools))
        .append('trajectory', InputField({ desc: '${trajectory}' }))
        .append('next_thought', OutputField({ desc: '${next_thought}' }))
        .append('next_tool_name', OutputField(z.enum(names), { desc: '${next_tool_name}' }))
        .append(
          'next_tool_args',
          OutputField(z.record(z.string(), z.unknown()), { desc: '${next_tool_args}' }),
        ),
    );
    this.extract = new ChainOfThought(base.append('trajectory', InputField({ desc: '${trajectory}' })));
  }

  override async forward(call: ReActInputs<S>): Promise<ReActPrediction<S>> {
    const { maxIters: camel, max_iters: snake, ...inputs } = call as Record<string, unknown>;
    const maxIters = (camel ?? snake ?? this.maxIters) as number;
    const trajectory: Record<string, unknown> = {};
    for (let idx = 0; idx < maxIters; idx++) {
      let pred: Prediction;
      try {
        pred = await this.callWithTruncation(this.react, trajectory, inputs);
      } catch (error) {
        if (error instanceof ContextWindowExceededError) {
          settings.logger.warn(`Ending the trajectory: ${messageOf(error)}`);
          break;
        }
        if (error instanceof AdapterParseError) {
          settings.logger.warn(
            `Ending the trajectory: Agent failed to select a valid tool: ${messageOf(error)}`,
          );
          break;
        }
        throw error;
      }
      const name = pred.get('next_tool_name') as string;
      const args = (pred.get('next_tool_args') ?? {}) as Record<string, unknown>;
      trajectory[`thought_${idx}`] = pred.get('next_thought');
      trajectory[`tool_name_${idx}`] = name;
      trajectory[`tool_args_${idx}`] = args;
      trajectory[`observation_${idx}`] = await this.runTool(name, args);
      if (name === FINISH) break;
    }
    const extract = await this.callWithTruncation(this.extract, trajectory, inputs);
    return new Prediction({ trajectory, ...extract.toDict() }) as ReActPrediction<S>;
  }

  /** One tool call; any failure (unknown tool, bad arguments, a throw) becomes the observation. */
  private async runTool(name: string, args: Record<string, unknown>): Promise<unknown> {
    try {
      const tool = Object.hasOwn(this.tools, name) ? this.tools[name] : undefined;
      if (!tool) throw new ConfigurationError(`Unknown tool '${name}'.`);
      return await tool.call(args);
    } catch (error) {
      return `Execution error in ${name}: ${messageOf(error)}`;
    }
  }

  /** Calls a predictor with the formatted trajectory; a context-window error drops the oldest step (3 tries). */
  // Plain private methods, not #private: a deep copy (sessions, optimizers) is made without the constructor.
  private async callWithTruncation(
    module: Predict | ChainOfThought,
    trajectory: Record<string, unknown>,
    inputs: Record<string, unknown>,
  ): Promise<Prediction> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const call = { ...inputs, trajectory: formatTrajectory(resolveAdapter(), trajectory) };
        return (await (module as Module<Record<string, unknown>, Prediction>).call(call)) as Prediction;
      } catch (error) {
        if (!(error instanceof ContextWindowExceededError)) throw error;
        settings.logger.warn(
          'Trajectory exceeded the context window, truncating the oldest tool call information.',
        );
        lastError = error;
        this.truncateTrajectory(trajectory);
      }
    }
    throw new ContextWindowExceededError(
      'The context window was exceeded even after 3 attempts to truncate the trajectory.',
      {
        model: lastError instanceof ContextWindowExceededError ? lastError.model : 'unknown',
        cause: lastError,
      },
    );
  }

  /**
   * Drops the oldest tool call (its four keys) in place so the prompt fits. Override for another
   * policy. A trajectory of one call cannot be truncated: ContextWindowExceededError.
   */
  truncateTrajectory(trajectory: Record<string, unknown>): Record<string, unknown> {
    const keys = Object.keys(trajectory);
    if (keys.length <= 4) {
      throw new ContextWindowExceededError(
        'The trajectory is too long so your prompt exceeded the context window, but the trajectory cannot be truncated because it only has one tool call.',
        { model: 'unknown' },
      );
    }
    for (const key of keys.slice(0, 4)) delete trajectory[key];
    return trajectory;
  }
}
