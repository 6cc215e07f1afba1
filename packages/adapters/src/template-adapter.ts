import {
  AdapterParseError,
  type ChatMessage,
  ConfigurationError,
  type Demo,
  History,
  InputError,
  type Signature,
} from '@dspy-ts/core';
import { isPlainObject } from '@dspy-ts/core/internal';
import { Adapter } from './adapter.js';
import { ChatAdapter } from './chat-adapter.js';
import { parseOutputField } from './field-parse-error.js';
import { pyJson, pyRepr, pyText, toJsonData } from './format-value.js';
import { demoValues, formatFieldValue, has, historyFieldName } from './layout.js';
import { firstBalancedObject, lenientJsonLoads, stripFences } from './lenient-json.js';
import { checkOutputKeys } from './output-defaults.js';
import { pyStrip } from './python-text.js';
import {
  assistantTurn,
  historyUserTurn,
  type ParseModeName,
  renderDemos,
  renderHistory,
  renderInputs,
  renderOutputs,
} from './template-functions.js';
import { renderTemplate } from './template-render.js';

type Values = Readonly<Record<string, unknown>>;

/** One template: a message (`{role, content}`) or a directive (`{role: 'demos'}`, `{role: 'history'}`). */
export interface TemplateMessage {
  role: string;
  content?: string | undefined;
  /** Custom demo form (`role: 'demos'` only): user and assistant templates per demo. */
  user?: string | undefined;
  assistant?: string | undefined;
}

export type TemplateParser = (signature: Signature, completion: string) => Record<string, unknown>;
export type TemplateParseMode = ParseModeName | TemplateParser;

/** A `{name(...)}` helper: gets the context, signature, demos and the call's `key='value'` arguments. */
export type TemplateHelper = (
  options: {
    ctx: Readonly<Record<string, unknown>>;
    signature: Signature;
    demos: readonly Readonly<Record<string, unknown>>[];
  } & Record<string, unknown>,
) => unknown;

export interface TemplateAdapterOptions {
  messages: readonly TemplateMessage[];
  /** How completions are parsed. Default 'json'. */
  parseMode?: TemplateParseMode | undefined;
  useNativeFunctionCalling?: boolean | undefined;
}

/**
 * User-defined message templates (the `dspy-template-adapter` package): the templates are the
 * whole prompt. Demos and history are injected by directive, by function, or automatically
 * before the last user message. Never falls back to another adapter.
 */
export class TemplateAdapter extends Adapter {
  readonly name = 'TemplateAdapter';
  readonly messages: readonly TemplateMessage[];
  readonly parseMode: TemplateParseMode;
  readonly #helpers = new Map<string, TemplateHelper>();

  constructor(options: TemplateAdapterOptions) {
    if (!options?.messages || options.messages.length === 0) {
      throw new ConfigurationError('TemplateAdapter requires at least one message template.');
    }
    super({ useNativeFunctionCalling: options.useNativeFunctionCalling ?? false });
    this.messages = options.messages.map((m) => ({ ...m }));
    this.parseMode = options.parseMode ?? 'json';
  }

  /** Registers `{name(key='v')}` for this adapter's templates. */
  registerHelper(name: string, fn: TemplateHelper): this {
    if (!/^[\p{L}\p{N}_]+$/u.test(name))
      throw new ConfigurationError(`Template helper names must be identifiers, got '${name}'.`);
    this.#helpers.set(name, fn);
    return this;
  }

  private get modeName(): ParseModeName | 'callable' {
    if (typeof this.parseMode === 'function') return 'callable';
    return ['xml', 'full_text', 'chat'].includes(this.parseMode) ? this.parseMode : 'json';
  }

  /** The templates are the whole prompt: DSPy's system message and format steps are not used. */
  override format(signature: Signature, demos: readonly Demo[], inputs: Values): ChatMessage[] {
    const historyName = historyFieldName(signature);
    const rawHistory = historyName && has(inputs, historyName) ? inputs[historyName] : undefined;
    const sig = historyName ? signature.delete(historyName) : signature;
    const demoList = demos.map(demoValues);

    const context: Record<string, unknown> = {};
    for (const field of Object.values(sig.inputFields)) {
      context[field.name] = has(inputs, field.name) ? formatFieldValue(field, inputs[field.name]) : '';
    }
    if (historyName)
      context[historyName] =
        rawHistory === undefined ? '' : formatFieldValue(signature.inputFields[historyName]!, rawHistory);
    const history =
      rawHistory === undefined || Array.isArray(rawHistory) ? undefined : History.from(rawHistory);
    context.instruction = signature.instructions;
    context.history = history ?? '';

    let demosUsed = false;
    let historyUsed = false;
    const call = (name: string, args: Record<string, string>): string | undefined => {
      if (name === 'inputs') return renderInputs(sig, context, args.style);
      if (name === 'outputs') return renderOutputs(sig, args.style, args.wrap);
      if (name === 'demos') {
        demosUsed = true;
        return renderDemos(signature, demoList, args.style);
      }
      if (name === 'history') {
        historyUsed = true;
        return renderHistory(history, args.style);
      }
      const helper = this.#helpers.get(name);
      if (!helper) return undefined;
      const result = helper({ ...args, ctx: context, signature, demos: demoList });
      return typeof result === 'string' ? result : pyText(result);
    };

    const messages: ChatMessage[] = [];
    let historyDirective = false;
    for (const template of this.messages) {
      if (template.role === 'demos') {
        demosUsed = true;
        messages.push(...this.demoPairs(sig, demoList, template));
      } else if (template.role === 'history') {
        historyDirective = true;
        messages.push(...this.historyPairs(sig, rawHistory));
      } else {
        messages.push({
          role: template.role as ChatMessage['role'],
          content: renderTemplate(template.content ?? '', context, call),
        });
      }
    }

    const lastUser = () => messages.map((m) => m.role).lastIndexOf('user');
    if (!demosUsed) {
      const pairs = this.demoPairs(sig, demoList, { role: 'demos' });
      const at = lastUser();
      messages.splice(at === -1 ? 0 : at, 0, ...pairs);
    }
    if (!historyUsed && !historyDirective) {
      const pairs = this.historyPairs(sig, rawHistory);
      const at = lastUser();
      if (pairs.length > 0 && at !== -1) messages.splice(at, 0, ...pairs);
    }
    return messages;
  }

  private demoPairs(sig: Signature, demos: readonly Values[], template: TemplateMessage): ChatMessage[] {
    const pairs: ChatMessage[] = [];
    const inputs = Object.values(sig.inputFields);
    for (const demo of demos) {
      if (template.user !== undefined || template.assistant !== undefined) {
        const values: Record<string, unknown> = {};
        for (const name of Object.keys(sig.fields)) values[name] = has(demo, name) ? pyText(demo[name]) : '';
        values.outputs_json = pyJson(
          Object.fromEntries(
            Object.keys(sig.outputFields).map((k) => [k, has(demo, k) ? toJsonData(demo[k]) : '']),
          ),
        );
        if (template.user !== undefined)
          pairs.push({ role: 'user', content: renderTemplate(template.user, values) });
        if (template.assistant !== undefined)
          pairs.push({ role: 'assistant', content: renderTemplate(template.assistant, values) });
        continue;
      }
      const present = inputs.filter((f) => has(demo, f.name));
      if (present.length === 0) continue;
      pairs.push({
        role: 'user',
        content: present.map((f) => `${f.name}: ${formatFieldValue(f, demo[f.name])}`).join('\n'),
      });
      const assistant = assistantTurn(sig, demo, this.modeName);
      if (assistant !== undefined) pairs.push({ role: 'assistant', content: assistant });
    }
    return pairs;
  }

  private historyPairs(sig: Signature, raw: unknown): ChatMessage[] {
    if (raw === undefined) return [];
    if (Array.isArray(raw)) {
      // A plain list is used verbatim as chat messages (dspy-template-adapter behaviour).
      return raw.map((m) => {
        if (!isPlainObject(m) || typeof m.role !== 'string' || typeof m.content !== 'string') {
          throw new InputError(
            'A list given as history must hold chat messages ({ role, content }); use new History([...]) for turns.',
          );
        }
        return { role: m.role as ChatMessage['role'], content: m.content };
      });
    }
    const pairs: ChatMessage[] = [];
    for (const turn of History.from(raw).messages) {
      const user = historyUserTurn(sig, turn);
      if (user) pairs.push({ role: 'user', content: user });
      const assistant = assistantTurn(sig, turn, this.modeName);
      if (assistant !== undefined) pairs.push({ role: 'assistant', content: assistant });
    }
    return pairs;
  }

  parse(signature: Signature, completion: string): Record<string, unknown> {
    if (typeof this.parseMode === 'function') return this.parseMode(signature, completion);
    switch (this.modeName) {
      case 'chat':
        return new ChatAdapter().parse(signature, completion);
      case 'full_text':
        return this.parseFullText(signature, completion);
      case 'xml':
        return this.parseXml(signature, completion);
      default:
        return this.parseJson(signature, completion);
    }
  }

  private error(
    signature: Signature,
    completion: string,
    message: string,
    extra: { parsedResult?: Record<string, unknown>; missingFields?: string[]; cause?: unknown } = {},
  ) {
    return new AdapterParseError({ adapterName: this.name, completion, signature, message, ...extra });
  }

  /** One field's typed value; failures become AdapterParseError naming the field. */
  private typed(
    signature: Signature,
    completion: string,
    parsed: Values,
    name: string,
    value: unknown,
    label: string,
  ): unknown {
    const parse = { adapterName: this.name, signature, completion, parsed };
    return parseOutputField(parse, signature.outputFields[name]!, value, (raw) => ({
      valueText: pyText(raw),
      message: (error) => `Failed to parse ${label} '${name}': ${error.message}`,
    }));
  }

  private parseFullText(signature: Signature, completion: string): Record<string, unknown> {
    const names = Object.keys(signature.outputFields);
    if (names.length !== 1) {
      throw this.error(
        signature,
        completion,
        `parse_mode='full_text' requires exactly 1 output field, got ${names.length}: ${pyRepr(names)}`,
      );
    }
    // Deviation: DSPy raises the raw validation error here; the API contract wants an AdapterParseError.
    return { [names[0]!]: this.typed(signature, completion, {}, names[0]!, pyStrip(completion), 'field') };
  }

  private parseXml(signature: Signature, completion: string): Record<string, unknown> {
    const text = stripFences(completion);
    const fields: Record<string, unknown> = {};
    for (const name of Object.keys(signature.outputFields)) {
      const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const match = new RegExp(`<${escaped}>([\\s\\S]*?)</${escaped}>`).exec(text);
      if (match)
        fields[name] = this.typed(signature, completion, fields, name, pyStrip(match[1]!), 'XML field');
    }
    const missing = Object.keys(signature.outputFields).filter((n) => !Object.hasOwn(fields, n));
    if (missing.length > 0) {
      throw this.error(
        signature,
        completion,
        `Missing XML tags for output fields: {${missing.map((n) => pyRepr(n)).join(', ')}}`,
        {
          parsedResult: fields,
          missingFields: missing,
        },
      );
    }
    return fields;
  }

  private parseJson(signature: Signature, completion: string): Record<string, unknown> {
    const text = stripFences(completion);
    let data = lenientJsonLoads(text);
    if (!isPlainObject(data)) {
      const candidate = firstBalancedObject(text);
      data = candidate === undefined ? undefined : lenientJsonLoads(candidate);
    }
    if (!isPlainObject(data)) throw this.error(signature, completion, 'No JSON object found in LM response.');
    const fields: Record<string, unknown> = {};
    for (const name of Object.keys(signature.outputFields)) {
      if (Object.hasOwn(data, name))
        fields[name] = this.typed(signature, completion, fields, name, data[name], 'field');
    }
    return checkOutputKeys(this.name, signature, completion, fields);
  }

  /** The values in this adapter's parse mode (JSON object, `<k>v</k>` lines, bare text, or Chat sections). */
  formatCompletion(values: Values, signature?: Signature): string {
    const mode = this.modeName;
    if (mode === 'chat') return new ChatAdapter().formatCompletion(values, signature);
    if (mode === 'xml')
      return Object.entries(values)
        .map(([k, v]) => `<${k}>${pyText(v)}</${k}>`)
        .join('\n');
    if (mode === 'full_text') {
      const entries = Object.entries(values);
      if (entries.length === 1) return pyText(entries[0]![1]);
    }
    return pyJson(toJsonData(values), 2);
  }
}
