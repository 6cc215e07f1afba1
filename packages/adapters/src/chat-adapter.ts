import {
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterStreamEvent,
  type Signature,
} from '@dspy-ts/core';
import { isRetryable } from './base-adapter.js';
import {
  DspyAdapter,
  formatFieldValue,
  headerBlocks,
  joinUserContent,
  type UserContentOptions,
} from './dspy-adapter.js';
import { formatValue } from './format-value.js';
import { JSONAdapter } from './json-adapter.js';
import { applyOutputDefaults, checkOutputKeys } from './layout.js';
import { parseValue, ValueParseError } from './parse-value.js';
import { pyStrip, splitlines } from './python-text.js';
import { ChatStreamParser } from './streaming/chat-stream.js';
import type { FieldStreamParser } from './streaming/field-text.js';
import { withoutStreamed } from './streaming/lm-chunks.js';
import { fieldType, placeholder, requirementTypeInfo } from './type-note.js';

type Values = Readonly<Record<string, unknown>>;

export interface ChatAdapterOptions {
  /** Retry a failed call once with a JSONAdapter, as DSPy does. Default true. */
  useJsonAdapterFallback?: boolean | undefined;
  /** Keep `tools` / `tool_choice` in the LM request. Default false. */
  useNativeFunctionCalling?: boolean | undefined;
}

// `\w` as Python's Unicode word class.
const HEADER = /^\[\[ ## ([\p{L}\p{N}\p{Mn}\p{Pc}]+) ## \]\]/u;

/** Splits a completion into `[[ ## name ## ]]` sections; the preamble is named ''. */
export function chatSections(completion: string): [string, string][] {
  const sections: [string, string[]][] = [['', []]];
  for (const line of splitlines(completion)) {
    const trimmed = pyStrip(line);
    const match = HEADER.exec(trimmed);
    if (match) {
      // Deviation from DSPy 3.3.1: DSPy slices the unstripped line at the
      // match end, so an indented header leaks marker characters into the value. We slice the
      // stripped line, so `  [[ ## answer ## ]]\n42` parses as 42.
      const rest = pyStrip(trimmed.slice(match[0].length));
      sections.push([match[1]!, rest ? [rest] : []]);
    } else sections[sections.length - 1]![1].push(line);
  }
  return sections.map(([name, lines]) => [name, pyStrip(lines.join('\n'))]);
}

/**
 * DSPy's default adapter: `[[ ## field ## ]]` sections closed by `[[ ## completed ## ]]`. On any
 * failure other than an LMError it retries once with a JSONAdapter (option `useJsonAdapterFallback`).
 */
export class ChatAdapter extends DspyAdapter {
  readonly name: string = 'ChatAdapter';
  readonly useJsonAdapterFallback: boolean;
  override readonly useNativeFunctionCalling: boolean;

  constructor(options: ChatAdapterOptions = {}) {
    super();
    this.useJsonAdapterFallback = options.useJsonAdapterFallback ?? true;
    this.useNativeFunctionCalling = options.useNativeFunctionCalling ?? false;
  }

  override async call(options: AdapterCallOptions): Promise<Record<string, unknown>[]> {
    try {
      return await this.callOnce(options);
    } catch (error) {
      // DSPy retries on anything but an LM failure: parse errors, empty answers, even format bugs.
      if (!this.useJsonAdapterFallback || !isRetryable(error, options.signal)) throw error;
      const fallback = new JSONAdapter({ useNativeFunctionCalling: this.useNativeFunctionCalling });
      return fallback.call(options);
    }
  }

  /**
   * Streams choice 0 as field deltas, then `done` with the outputs `call` would return for the same
   * completion. A failed parse falls back to a streamed JSONAdapter call as `call` does; its deltas
   * skip the fields the failed attempt already streamed.
   */
  async *stream(options: AdapterCallOptions): AsyncGenerator<AdapterStreamEvent, void, undefined> {
    const streamed = new Set<string>();
    let outputs: Record<string, unknown>;
    try {
      outputs = yield* this.streamOnce(options, this.streamParser(options.signature), streamed);
    } catch (error) {
      if (!this.useJsonAdapterFallback || !isRetryable(error, options.signal)) throw error;
      const fallback = new JSONAdapter({ useNativeFunctionCalling: this.useNativeFunctionCalling });
      yield* withoutStreamed(fallback.stream(options), streamed);
      return;
    }
    yield { type: 'done', outputs };
  }

  /** The incremental parser of this adapter's completion format. */
  protected streamParser(signature: Signature): FieldStreamParser {
    return new ChatStreamParser(Object.keys(signature.outputFields));
  }

  protected fieldStructure(signature: Signature): string {
    const parts = [
      'All interactions will be structured in the following way, with the appropriate values filled in.',
      headerBlocks(Object.values(signature.inputFields), placeholder),
      headerBlocks(Object.values(signature.outputFields), placeholder),
      '[[ ## completed ## ]]\n',
    ];
    return pyStrip(parts.join('\n\n'));
  }

  /** The requirements sentence closing the final user message. */
  protected outputRequirements(signature: Signature): string {
    const fields = Object.values(signature.outputFields)
      .map((field) => `\`[[ ## ${field.name} ## ]]\`${requirementTypeInfo(field)}`)
      .join(', then ');
    return `Respond with the corresponding output fields, starting with the field ${fields}, and then ending with the marker for \`[[ ## completed ## ]]\`.`;
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
    const blocks = headerBlocks(Object.values(signature.outputFields), (field) =>
      formatFieldValue(field, this.outputValue(values, field.name, missing)),
    );
    return `${blocks}\n\n[[ ## completed ## ]]\n`;
  }

  parse(signature: Signature, completion: string): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (const [name, text] of chatSections(completion)) {
      const field = signature.outputFields[name];
      if (!field || Object.hasOwn(fields, name)) continue;
      try {
        fields[name] = parseValue(text, fieldType(field), field.schema);
      } catch (error) {
        if (!(error instanceof ValueParseError)) throw error;
        throw new AdapterParseError({
          adapterName: this.name,
          completion,
          signature,
          message: `Failed to parse field ${name} with value ${text} from the LM response. Error message: ${error.message}`,
          missingFields: [
            name,
            ...Object.keys(signature.outputFields).filter((n) => n !== name && !Object.hasOwn(fields, n)),
          ],
          cause: error,
        });
      }
    }
    return checkOutputKeys(this.name, signature, completion, applyOutputDefaults(signature, fields));
  }

  /** `[[ ## key ## ]]\nvalue` sections joined by a blank line, no completed marker (DSPy's DummyLM format). */
  formatCompletion(values: Values, signature?: Signature): string {
    return pyStrip(
      Object.entries(values)
        .map(([key, value]) => {
          const field = signature?.outputFields[key];
          return `[[ ## ${key} ## ]]\n${field ? formatFieldValue(field, value) : formatValue(undefined, value)}`;
        })
        .join('\n\n'),
    );
  }
}
