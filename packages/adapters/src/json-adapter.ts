import {
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterStreamEvent,
  type Signature,
  settings,
} from '@dspy-ts/core';
import { isRetryable } from './base-adapter.js';
import {
  DspyAdapter,
  formatFieldValue,
  headerBlocks,
  joinUserContent,
  type UserContentOptions,
} from './dspy-adapter.js';
import { isPlainObject, pyJson, toJsonData } from './format-value.js';
import { hasOpenEndedMapping, JSON_OBJECT_FORMAT, structuredResponseFormat } from './json-schema.js';
import { applyOutputDefaults, checkOutputKeys } from './layout.js';
import { firstBalancedObject, lenientJsonLoads } from './lenient-json.js';
import { planNativeTools } from './native-tools.js';
import { parseValue, ValueParseError } from './parse-value.js';
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

/**
 * Answers as one JSON object. Uses native structured outputs when the LM supports them
 * (`lm.capabilities.responseFormat`, default 'json_schema' when the LM does not say: see
 * `call`), and never falls back to another adapter.
 */
export class JSONAdapter extends DspyAdapter {
  readonly name: string = 'JSONAdapter';
  override readonly useNativeFunctionCalling: boolean;

  constructor(options: JSONAdapterOptions = {}) {
    super();
    this.useNativeFunctionCalling = options.useNativeFunctionCalling ?? true;
  }

  /**
   * An LM that does not declare `capabilities.responseFormat` is treated as
   * 'json_schema': the `LM` client declares it for OpenAI-compatible servers, and a custom
   * LanguageModel receives `responseFormat` as plain data it may ignore; a local parse failure in
   * structured mode still retries in json_object mode. A provider rejection (LMError) is final.
   */
  override async call(options: AdapterCallOptions): Promise<Record<string, unknown>[]> {
    const capability = options.lm.capabilities?.responseFormat ?? 'json_schema';
    const formatSignature = this.responseSignature(options);
    if (capability === 'none') return this.callOnce(options);
    if (capability === 'json_object' || hasOpenEndedMapping(formatSignature)) {
      return this.callOnce(options, JSON_OBJECT_FORMAT);
    }
    try {
      return await this.callOnce(options, structuredResponseFormat(formatSignature));
    } catch (error) {
      if (!isRetryable(error, options.signal)) throw error;
      settings.logger.warn('Failed to use structured output format, falling back to JSON mode.');
      return this.callOnce(options, JSON_OBJECT_FORMAT);
    }
  }

  /**
   * Streams choice 0 as field deltas, then `done`: the same response formats and the same
   * json_object retry as `call` (the retry's deltas skip fields the failed attempt streamed).
   */
  async *stream(options: AdapterCallOptions): AsyncGenerator<AdapterStreamEvent, void, undefined> {
    const streamed = new Set<string>();
    const attempt = (responseFormat?: unknown) =>
      this.streamOnce(options, jsonStreamParser(options.signature), streamed, responseFormat);
    const capability = options.lm.capabilities?.responseFormat ?? 'json_schema';
    const formatSignature = this.responseSignature(options);
    let outputs: Record<string, unknown>;
    if (capability === 'none') outputs = yield* attempt();
    else if (capability === 'json_object' || hasOpenEndedMapping(formatSignature)) {
      outputs = yield* attempt(JSON_OBJECT_FORMAT);
    } else {
      try {
        outputs = yield* attempt(structuredResponseFormat(formatSignature));
      } catch (error) {
        if (!isRetryable(error, options.signal)) throw error;
        settings.logger.warn('Failed to use structured output format, falling back to JSON mode.');
        outputs = yield* attempt(JSON_OBJECT_FORMAT);
      }
    }
    yield { type: 'done', outputs };
  }

  /** The signature the structured output describes: without the ToolCalls output under native calling. */
  private responseSignature(options: AdapterCallOptions): Signature {
    return planNativeTools(this.useNativeFunctionCalling, options.lm, options.signature, options.inputs)
      .signature;
  }

  protected fieldStructure(signature: Signature): string {
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

  protected outputRequirements(signature: Signature): string {
    const fields = Object.values(signature.outputFields)
      .map((field) => `\`${field.name}\`${requirementTypeInfo(field)}`)
      .join(', then ');
    return `Respond with a JSON object in the following order of fields: ${fields}.`;
  }

  protected userContent(signature: Signature, values: Values, options: UserContentOptions = {}): string {
    return joinUserContent({
      prefix: options.prefix,
      blocks: this.presentInputs(signature, values).map(
        (field) => `[[ ## ${field.name} ## ]]\n${formatFieldValue(field, values[field.name])}`,
      ),
      requirements: options.main ? this.outputRequirements(signature) : undefined,
      suffix: options.suffix,
    });
  }

  protected assistantContent(signature: Signature, values: Values, missing: string | undefined): string {
    const outputs = Object.fromEntries(
      Object.keys(signature.outputFields).map((name) => [
        name,
        toJsonData(this.outputValue(values, name, missing)),
      ]),
    );
    return pyJson(outputs, 2, outputsType(signature));
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
    for (const field of Object.values(signature.outputFields)) {
      if (!Object.hasOwn(fields, field.name)) continue;
      const value = fields[field.name];
      try {
        parsed[field.name] = parseValue(value, fieldType(field), field.schema);
      } catch (error) {
        if (!(error instanceof ValueParseError)) throw error;
        // Deviation: DSPy lets the raw pydantic error escape here; the API contract wants an
        // AdapterParseError naming the field, with the Chat adapter's wording.
        throw new AdapterParseError({
          adapterName: this.name,
          completion,
          signature,
          message: `Failed to parse field ${field.name} with value ${formatFieldValue(field, value)} from the LM response. Error message: ${error.message}`,
          missingFields: [
            field.name,
            ...Object.keys(signature.outputFields).filter(
              (n) => n !== field.name && !Object.hasOwn(parsed, n),
            ),
          ],
          cause: error,
        });
      }
    }
    return checkOutputKeys(this.name, signature, completion, applyOutputDefaults(signature, parsed));
  }

  /** The values as an indented JSON object (what DSPy's DummyLM sends under a JSONAdapter). */
  formatCompletion(values: Values, signature?: Signature): string {
    return pyJson(toJsonData(values), 2, signature ? outputsType(signature) : undefined);
  }
}
