import {
  type ChatMessage,
  type Demo,
  type Field,
  InputField,
  signature as makeSignature,
  type Signature,
  ToolCalls,
} from '@dspy-ts/core';
import { BaseAdapter } from './base-adapter.js';
import { formatValue } from './format-value.js';
import { matchedResults, nativeToolMessages, toolCallsOf, toolResultsValue } from './history-tools.js';
import {
  classifyDemos,
  fieldDescription,
  has,
  historyFieldName,
  historyOf,
  INCOMPLETE_DEMO_PREFIX,
  NOT_SUPPLIED,
  NOT_SUPPLIED_HISTORY,
  taskDescription,
} from './layout.js';
import { pyStrip } from './python-text.js';
import { fieldType } from './type-note.js';

type Values = Readonly<Record<string, unknown>>;

/** How DSPy shows tool results without native calling: one `tool_call_results` input. */
const TOOL_RESULTS_SIGNATURE = makeSignature({
  inputs: { tool_call_results: InputField({ desc: '${tool_call_results}' }) },
  outputs: {},
});

interface SignatureLayout {
  historyName: string | undefined;
  withoutHistory: Signature;
  /** Set on first use (after the History input is checked, as before caching). */
  system?: string;
}

export interface UserContentOptions {
  prefix?: string | undefined;
  suffix?: string | undefined;
  /** The final user message: adds the output requirements sentence. */
  main?: boolean | undefined;
}

/** `formatValue` for a signature field. */
export const formatFieldValue = (field: Field, value: unknown): string =>
  formatValue(fieldType(field), value);

/** The `[[ ## name ## ]]` blocks of the given fields, joined by a blank line and stripped. */
export function headerBlocks(fields: readonly Field[], render: (field: Field) => string): string {
  return pyStrip(fields.map((field) => `[[ ## ${field.name} ## ]]\n${render(field)}`).join('\n\n'));
}

/** DSPy's user content: prefix, the input blocks present, the requirements (main only), suffix; stripped. */
export function joinUserContent(parts: {
  prefix?: string | undefined;
  blocks: string[];
  requirements?: string | undefined;
  suffix?: string | undefined;
}): string {
  const all = [
    parts.prefix ?? '',
    ...parts.blocks,
    ...(parts.requirements !== undefined ? [parts.requirements] : []),
    parts.suffix ?? '',
  ];
  return pyStrip(all.join('\n\n'));
}

/**
 * The message layout of DSPy's built-in adapters: system message, demos (incomplete
 * first), history turns, final user message. Subclasses supply the per-format pieces.
 */
export abstract class DspyAdapter extends BaseAdapter {
  protected abstract fieldStructure(signature: Signature): string;
  protected abstract userContent(signature: Signature, values: Values, options?: UserContentOptions): string;
  /** `missing` replaces absent outputs; undefined renders them as None / null. */
  protected abstract assistantContent(
    signature: Signature,
    values: Values,
    missing: string | undefined,
  ): string;

  /** The input values present, in signature order (Python's `k in inputs`). */
  protected presentInputs(signature: Signature, values: Values): Field[] {
    return Object.values(signature.inputFields).filter((field) => has(values, field.name));
  }

  /** The value of an output, or the missing text (undefined when none is given: None). */
  protected outputValue(values: Values, name: string, missing: string | undefined): unknown {
    return has(values, name) ? values[name] : (missing ?? null);
  }

  // Signatures are immutable, so what format derives from the signature alone (the system message,
  // the signature without its History field) is computed once per signature, not on every call.
  readonly #layouts = new WeakMap<Signature, SignatureLayout>();

  #layout(signature: Signature): SignatureLayout {
    let layout = this.#layouts.get(signature);
    if (!layout) {
      const historyName = historyFieldName(signature);
      layout = { historyName, withoutHistory: historyName ? signature.delete(historyName) : signature };
      this.#layouts.set(signature, layout);
    }
    return layout;
  }

  /** The user-message text of these fields (DSPy's `format_user_message_content`). */
  formatUserMessageContent(signature: Signature, values: Values): string {
    return this.userContent(signature, values);
  }

  /** One history message as chat messages: user, then assistant (tool calls replayed as DSPy does). */
  protected historyMessages(signature: Signature, turn: Values): ChatMessage[] {
    const messages: ChatMessage[] = [];
    const user = this.userContent(signature, turn);
    if (user) messages.push({ role: 'user', content: user });
    const found = toolCallsOf(turn);
    if (!found) {
      messages.push({ role: 'assistant', content: this.assistantContent(signature, turn, undefined) });
      return messages;
    }
    const [name, calls] = found;
    if (this.useNativeFunctionCalling) {
      const assistant = (sig: Signature, values: Values) => this.assistantContent(sig, values, undefined);
      return [...messages, ...nativeToolMessages(signature, turn, calls, assistant)];
    }
    const results = calls.results;
    const values = results ? { ...turn, [name]: new ToolCalls(calls.toolCalls) } : turn;
    messages.push({ role: 'assistant', content: this.assistantContent(signature, values, undefined) });
    if (results) {
      const content = this.userContent(TOOL_RESULTS_SIGNATURE, {
        tool_call_results: toolResultsValue(results),
      });
      messages.push({ role: 'user', content });
    }
    return messages;
  }

  format(signature: Signature, demos: readonly Demo[], inputs: Values): ChatMessage[] {
    const layout = this.#layout(signature);
    const { historyName, withoutHistory } = layout;
    const history = historyName ? historyOf(inputs, historyName) : undefined;
    layout.system ??= `${fieldDescription(signature)}\n${this.fieldStructure(signature)}\n${taskDescription(signature)}`;

    const messages: ChatMessage[] = [{ role: 'system', content: layout.system }];
    const { incomplete, complete } = classifyDemos(signature, demos);
    for (const demo of incomplete) {
      messages.push({
        role: 'user',
        content: this.userContent(signature, demo, { prefix: INCOMPLETE_DEMO_PREFIX }),
      });
      messages.push({ role: 'assistant', content: this.assistantContent(signature, demo, NOT_SUPPLIED) });
    }
    for (const demo of complete) {
      messages.push({ role: 'user', content: this.userContent(signature, demo) });
      // Beyond DSPy: under native calling, a demo that ran tools (a recorded turn) shows its real
      // tool calls and results, as history does, so a compiled agent's demos teach tool use.
      const calls = this.useNativeFunctionCalling ? toolCallsOf(demo)?.[1] : undefined;
      if (calls && matchedResults(calls)) {
        const assistant = (sig: Signature, values: Values) =>
          this.assistantContent(sig, values, NOT_SUPPLIED_HISTORY);
        messages.push(...nativeToolMessages(signature, demo, calls, assistant));
        continue;
      }
      messages.push({
        role: 'assistant',
        content: this.assistantContent(signature, demo, NOT_SUPPLIED_HISTORY),
      });
    }
    for (const turn of history?.messages ?? []) messages.push(...this.historyMessages(withoutHistory, turn));
    const content = this.userContent(withoutHistory, inputs, { main: true });
    if (content) messages.push({ role: 'user', content });
    return messages;
  }
}
