import {
  ConfigurationError,
  type Field,
  type FunctionDefinition,
  type LanguageModel,
  type LMToolCall,
  type Signature,
  Tool,
  ToolCalls,
} from '@dspy-ts/core';
import type { z } from 'zod';

/**
 * Native function calling (DSPy's `_call_preprocess`; Adapter's postprocess does the rest): with it
 * on and a model that can, the `list[Tool]` input and the `ToolCalls` output leave the prompt, the
 * tools go into the request, and the response's tool calls become the ToolCalls output.
 */

const elementOf = (schema: z.ZodType): unknown => {
  const def = (schema as unknown as { _zod?: { def?: { type?: string; element?: unknown } } })._zod?.def;
  return def?.type === 'array' ? def.element : undefined;
};

/** A `Tool` or `list[Tool]` field. */
export const isToolField = (field: Field): boolean =>
  field.schema === Tool.schema || elementOf(field.schema) === Tool.schema;

/** A `ToolCalls` field. */
export const isToolCallsField = (field: Field): boolean => field.schema === ToolCalls.schema;

export const toolInputName = (signature: Signature): string | undefined =>
  Object.values(signature.inputFields).find(isToolField)?.name;

export const toolCallsOutputName = (signature: Signature): string | undefined =>
  Object.values(signature.outputFields).find(isToolCallsField)?.name;

/** What one call does natively: the signature the prompt shows, the tools sent, the output filled. */
export interface NativeToolPlan {
  signature: Signature;
  tools?: FunctionDefinition[] | undefined;
  outputName?: string | undefined;
}

/** Decides native function calling for one call; a ToolCalls output without a tools input is a ConfigurationError. */
export function planNativeTools(
  enabled: boolean,
  lm: LanguageModel,
  signature: Signature,
  inputs: Readonly<Record<string, unknown>>,
): NativeToolPlan {
  if (!enabled) return { signature };
  const inputName = toolInputName(signature);
  const outputName = toolCallsOutputName(signature);
  if (outputName && inputName === undefined) {
    throw new ConfigurationError(
      `You provided an output field ${outputName} to receive the tool calls information, but did not provide any tools as the input. Please provide a list of tools as the input by adding an input field with type \`list[Tool]\`.`,
    );
  }
  if (!outputName || inputName === undefined || lm.capabilities?.functionCalling !== true)
    return { signature };
  const given = inputs[inputName];
  const tools = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map((tool) => {
    if (!(tool instanceof Tool)) {
      throw new ConfigurationError(
        `Input \`${inputName}\` must hold Tool objects (new Tool(fn, { name, desc, args })), got ${typeof tool}.`,
      );
    }
    return tool.formatAsFunctionCall();
  });
  return { signature: withoutToolFields(signature, inputName, outputName), tools, outputName };
}

// Signatures are immutable: the prompt's signature is derived once, so adapters' per-signature
// caches (the system message) keep hitting.
const stripped = new WeakMap<Signature, Signature>();

const withoutToolFields = (signature: Signature, inputName: string, outputName: string): Signature => {
  let result = stripped.get(signature);
  if (!result) {
    result = signature.delete(outputName).delete(inputName);
    stripped.set(signature, result);
  }
  return result;
};

/** The model's tool calls as the value of the ToolCalls output. */
export const toolCallsOutput = (calls: readonly LMToolCall[]): ToolCalls =>
  ToolCalls.fromDictList(
    calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
  );
