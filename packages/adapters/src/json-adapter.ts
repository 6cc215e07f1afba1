import {
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterStreamEvent,
  type Signature,
} from '@dspy-ts/core';
import { isPlainObject } from '@dspy-ts/core/internal';
import { Adapter, type Attempt, type Attempts } from './adapter.js';
import { parseOutputField } from './field-parse-error.js';
import { pyJson, toJsonData } from './format-value.js';
import { hasOpenEndedMapping, JSON_OBJECT_FORMAT, structuredResponseFormat } from './json-schema.js';
import { formatFieldValue, headerBlocks, outputValue } from './layout.js';
import { firstBalancedObject, lenientJsonLoads } from './lenient-json.js';
import { planNativeTools } from './native-tools.js';
import { requireOutputs } from './output-defaults.js';
import { pyStrip } from './python-text.js';
import { type JsonFieldMode, JsonStreamParser } from './streaming/json-stream.js';
import type { TypeInfo } from './type-info.js';
import { fieldType, placeholder, requirementTypeInfo } from './type-note.js';

type Values = Readonly<Record<string, unknown>>;

export interface JSONAdapterOptions {
  /** Keep `tools` / `tool_choice` in the LM request. Default true, as in DSPy. */
  useNativeFunctionCalling?: boolean | undefined;
}

/** The output fields as one model type, so floats keep their `.0` inside the JSON object. */
const outputsType = (signature: Signature): TypeInfo => ({
  kind: 'model',
  name: undefined,
  properties: Object.values(signature.outputFields).map((field) => ({
    name: field.name,
    type: fieldType(field),
    required: true,
  })),
});

/** String fields stream a JSON string verbatim (their parsed value is that string). */
const jsonStreamParser = (signature: Signature): JsonStreamParser => {
  const modes = new Map<string, JsonFieldMode>();
  for (const field of Object.values(signature.outputFields)) {
    const type = fieldType(field);
    const verbatim =
      type.kind === 'str' ||
      (type.kind === 'union' &&
        type.options.some((o) => o.kind === 'str') &&
        type.options.some((o) => o.kind === 'none'));
    modes.set(field.name, verbatim ? 'verbatim' : 'trimmed');
  }
  return new JsonStreamParser(modes);
};

/** The structured-output attempt fails locally (a parse, a schema): retry in plain JSON mode. */
const JSON_MODE_RETRY: Attempt = {
  responseFormat: () => JSON_OBJECT_FORMAT,
  retryWarning: 'Failed to use structured output format, falling back to JSON mode.',
};

/**
 * Answers as one JSON object. Uses native structured outputs when the LM supports them
 * (`lm.capabilities.responseFormat`, default 'json_schema' when the LM does not say: see
 * `attempts`), and never falls back to another adapter.
 *
 * DSPy's JSONAdapter subclasses ChatAdapter; ours extends Adapter, because ChatAdapter falls back
 * to a JSONAdapter and the two modules would import each other. What DSPy's JSONAdapter inherits
 * from ChatAdapter (field description, task description, the `[[ ## name ## ]]` input blocks) is
 * the Adapter default here, so nothing is written twice.
 */
export class JSONAdapter extends Adapter {
  readonly name: string = 'JSONAdapter';

  constructor(options: JSONAdapterOptions = {}) {
    super({ useNativeFunctionCalling: options.useNativeFunctionCalling ?? true });
  }

  /**
   * An LM that does not declare `capabilities.responseFormat` is treated as
   * 'json_schema': the `LM` client declares it for OpenAI-compatible servers, and a custom
   * LanguageModel receives `responseFormat` as plain data it may ignore; a local parse failure in
   * structured mode still retries in json_object mode. A provider rejection (LMError) is final.
   */
  protected override attempts(options: AdapterCallOptions): Attempts {
    const capability = options.lm.capabilities?.responseFormat ?? 'json_schema';
    if (capability === 'none') return [{}];
    // The structured output describes the prompt's outputs: without the ToolCalls one under native calling.
    const { signature } = planNativeTools(
      this.useNativeFunctionCalling,
      options.lm,
      options.signature,
      options.inputs,
    );
    if (capability === 'json_object' || hasOpenEndedMapping(signature)) return [JSON_MODE_RETRY];
    return [{ responseFormat: () => structuredResponseFormat(signature) }, JSON_MODE_RETRY];
  }

  /**
   * Streams choice 0 as field deltas, then `done`: the same response formats and the same
   * json_object retry as `call` (the retry's deltas skip fields the failed attempt streamed).
   */
  override stream(options: AdapterCallOptions): AsyncGenerator<AdapterStreamEvent, void, undefined> {
    return this.streamCall(options, () => jsonStreamParser(options.signature));
  }

  override formatFieldStructure(signature: Signature): string {
    const outputs = Object.fromEntries(
      Object.values(signature.outputFields).map((field) => [field.name, placeholder(field)]),
    );
    const parts = [
      'All interactions will be structured in the following way, with the appropriate values filled in.',
      'Inputs will have the following structure:',
      headerBlocks(Object.values(signature.inputFields), placeholder),
      'Outputs will be a JSON object with the following fields.',
      pyJson(outputs, 2),
    ];
    return pyStrip(parts.join('\n\n'));
  }

  override userMessageOutputRequirements(signature: Signature): string {
    const fields = Object.values(signature.outputFields)
      .map((field) => `\`${field.name}\`${requirementTypeInfo(field)}`)
      .join(', then ');
    return `Respond with a JSON object in the following order of fields: ${fields}.`;
  }

  override formatAssistantMessageContent(
    signature: Signature,
    outputs: Values,
    missingFieldMessage?: string,
  ): string {
    const values = Object.fromEntries(
      Object.keys(signature.outputFields).map((name) => [
        name,
        toJsonData(outputValue(outputs, name, missingFieldMessage)),
      ]),
    );
    return pyJson(values, 2, outputsType(signature));
  }

  parse(signature: Signature, completion: string): Record<string, unknown> {
    let fields = lenientJsonLoads(completion);
    if (!isPlainObject(fields)) {
      const candidate = firstBalancedObject(completion);
      if (candidate !== undefined) fields = lenientJsonLoads(candidate);
    }
    if (!isPlainObject(fields)) {
      throw new AdapterParseError({
        adapterName: this.name,
        completion,
        signature,
        message: 'LM response cannot be serialized to a JSON object.',
      });
    }
    const parsed: Record<string, unknown> = {};
    const parse = { adapterName: this.name, signature, completion, parsed };
    for (const field of Object.values(signature.outputFields)) {
      if (!Object.hasOwn(fields, field.name)) continue;
      // Deviation: DSPy lets the raw pydantic error escape here; the API contract wants an
      // AdapterParseError naming the field, with the Chat adapter's wording.
      parsed[field.name] = parseOutputField(parse, field, fields[field.name], (value) => ({
        valueText: formatFieldValue(field, value),
      }));
    }
    return requireOutputs(this.name, signature, completion, parsed);
  }

  /** The values as an indented JSON object (what DSPy's DummyLM sends under a JSONAdapter). */
  formatCompletion(values: Values, signature?: Signature): string {
    return pyJson(toJsonData(values), 2, signature ? outputsType(signature) : undefined);
  }
}
