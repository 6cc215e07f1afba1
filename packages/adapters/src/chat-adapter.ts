import type { AdapterCallOptions, AdapterStreamEvent, Signature } from '@dspy-ts/core';
import { Adapter } from './adapter.js';
import { parseOutputField } from './field-parse-error.js';
import { formatValue } from './format-value.js';
import { JSONAdapter } from './json-adapter.js';
import { formatFieldValue, headerBlocks, outputValue } from './layout.js';
import { requireOutputs } from './output-defaults.js';
import { pyStrip, splitlines } from './python-text.js';
import { ChatStreamParser } from './streaming/chat-stream.js';
import type { FieldStreamParser } from './streaming/field-text.js';
import { placeholder, requirementTypeInfo } from './type-note.js';

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
export class ChatAdapter extends Adapter {
  readonly name: string = 'ChatAdapter';
  readonly useJsonAdapterFallback: boolean;

  constructor(options: ChatAdapterOptions = {}) {
    super({ useNativeFunctionCalling: options.useNativeFunctionCalling ?? false });
    this.useJsonAdapterFallback = options.useJsonAdapterFallback ?? true;
  }

  // DSPy retries on anything but an LM failure: parse errors, empty answers, even format bugs.
  protected override fallbackAdapter(): JSONAdapter | undefined {
    if (!this.useJsonAdapterFallback) return undefined;
    return new JSONAdapter({ useNativeFunctionCalling: this.useNativeFunctionCalling });
  }

  /**
   * Streams choice 0 as field deltas, then `done` with the outputs `call` would return for the same
   * completion. A failed parse falls back to a streamed JSONAdapter call as `call` does; its deltas
   * skip the fields the failed attempt already streamed.
   */
  override stream(options: AdapterCallOptions): AsyncGenerator<AdapterStreamEvent, void, undefined> {
    return this.streamCall(options, () => this.streamParser(options.signature));
  }

  /** The incremental parser of this adapter's completion format. */
  protected streamParser(signature: Signature): FieldStreamParser {
    return new ChatStreamParser(Object.keys(signature.outputFields));
  }

  override formatFieldStructure(signature: Signature): string {
    const parts = [
      'All interactions will be structured in the following way, with the appropriate values filled in.',
      headerBlocks(Object.values(signature.inputFields), placeholder),
      headerBlocks(Object.values(signature.outputFields), placeholder),
      '[[ ## completed ## ]]\n',
    ];
    return pyStrip(parts.join('\n\n'));
  }

  override userMessageOutputRequirements(signature: Signature): string {
    const fields = Object.values(signature.outputFields)
      .map((field) => `\`[[ ## ${field.name} ## ]]\`${requirementTypeInfo(field)}`)
      .join(', then ');
    return `Respond with the corresponding output fields, starting with the field ${fields}, and then ending with the marker for \`[[ ## completed ## ]]\`.`;
  }

  override formatAssistantMessageContent(
    signature: Signature,
    outputs: Values,
    missingFieldMessage?: string,
  ): string {
    const blocks = headerBlocks(Object.values(signature.outputFields), (field) =>
      formatFieldValue(field, outputValue(outputs, field.name, missingFieldMessage)),
    );
    return `${blocks}\n\n[[ ## completed ## ]]\n`;
  }

  parse(signature: Signature, completion: string): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    const parse = { adapterName: this.name, signature, completion, parsed: fields };
    for (const [name, text] of chatSections(completion)) {
      const field = signature.outputFields[name];
      if (!field || Object.hasOwn(fields, name)) continue;
      fields[name] = parseOutputField(parse, field, text, () => ({ valueText: text }));
    }
    return requireOutputs(this.name, signature, completion, fields);
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
