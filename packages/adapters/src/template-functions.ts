import type { Field, History, Signature } from '@dspy-ts/core';
import { pyJson, pyText, toJsonData } from './format-value.js';
import { fieldList, has } from './layout.js';
import { pydanticSchema, rawSchemaOrder } from './pydantic-schema.js';
import { fieldType } from './type-note.js';

/**
 * The TemplateAdapter's built-in template functions and its demo / history pairs
 * (a demo without inputs is skipped; its assistant message only appears when an output is present).
 * Values are Python text, except `{inputs()}`, which uses the rendered context.
 */
type Values = Readonly<Record<string, unknown>>;
export type ParseModeName = 'json' | 'xml' | 'full_text' | 'chat';

const nonHistoryInputs = (signature: Signature): Field[] =>
  Object.values(signature.inputFields).filter((f) => !f.isHistory);

/** `{inputs(style)}`: every non-History input with its context value. */
export function renderInputs(signature: Signature, context: Values, style = 'yaml'): string {
  const fields = nonHistoryInputs(signature);
  const value = (field: Field) => pyText(context[field.name] ?? '');
  if (style === 'xml') return fields.map((f) => `<${f.name}>${value(f)}</${f.name}>`).join('\n');
  if (style === 'json')
    return `{\n  ${fields.map((f) => `${JSON.stringify(f.name)}: ${pyJson(value(f))}`).join(',\n  ')}\n}`;
  return fields.map((f) => `${f.name}: ${value(f)}`).join('\n');
}

/** `{outputs(style, wrap)}`: the field list, pydantic schemas, or `<name>desc</name>` lines. */
export function renderOutputs(signature: Signature, style?: string, wrap?: string): string {
  const fields = Object.values(signature.outputFields);
  if (style === 'schema') {
    const schemas = Object.fromEntries(
      fields.map((f) => [f.name, rawSchemaOrder(pydanticSchema(fieldType(f)))]),
    );
    return pyJson(schemas, 2);
  }
  if (style === 'xml') {
    // The stored desc, placeholder included (`<answer>${answer}</answer>`), as the Python code does.
    const lines = fields.map((f) => `<${f.name}>${f.desc}</${f.name}>`);
    return wrap ? `<${wrap}>\n${lines.map((line) => `  ${line}`).join('\n')}\n</${wrap}>` : lines.join('\n');
  }
  return fieldList(signature.outputFields);
}

/** `{demos(style)}`: the signature fields each demo has, as Python text. */
export function renderDemos(signature: Signature, demos: readonly Values[], style?: string): string {
  if (demos.length === 0) return '';
  const names = Object.keys(signature.fields);
  return demos
    .map((demo, i) => {
      const present = names.filter((name) => has(demo, name));
      if (style === 'json')
        return pyJson(Object.fromEntries(present.map((k) => [k, toJsonData(demo[k])])), 2);
      if (style === 'xml') return present.map((k) => `<${k}>${pyText(demo[k])}</${k}>`).join('\n');
      if (style === 'yaml') return present.map((k) => `${k}: ${pyText(demo[k])}`).join('\n');
      return [`Example ${i + 1}:`, ...present.map((k) => `  ${k}: ${pyText(demo[k])}`)].join('\n');
    })
    .join('\n\n');
}

/** `{history(style)}`: each turn's keys in the turn's own order, as Python text. */
export function renderHistory(history: History | undefined, style?: string): string {
  const turns = history?.messages ?? [];
  if (turns.length === 0) return '';
  if (style === 'json') return pyJson(toJsonData(turns), 2);
  const lines = (turn: Values, indent: string, render: (k: string, v: unknown) => string) =>
    Object.entries(turn).map(([k, v]) => indent + render(k, v));
  if (style === 'yaml') {
    return turns
      .map((t, i) => [`- turn: ${i + 1}`, ...lines(t, '  ', (k, v) => `${k}: ${pyText(v)}`)].join('\n'))
      .join('\n');
  }
  if (style === 'xml') {
    return turns
      .map((t) => `<turn>\n${lines(t, '  ', (k, v) => `<${k}>${pyText(v)}</${k}>`).join('\n')}\n</turn>`)
      .join('\n');
  }
  return turns
    .map((t, i) => [`Turn ${i + 1}:`, ...lines(t, '  ', (k, v) => `${k}: ${pyText(v)}`)].join('\n'))
    .join('\n\n');
}

/** The assistant side of a demo or history turn, in the parse mode's format; undefined when no output is present. */
export function assistantTurn(
  signature: Signature,
  values: Values,
  mode: ParseModeName | 'callable',
): string | undefined {
  const present = Object.keys(signature.outputFields).filter((name) => has(values, name));
  if (present.length === 0) return undefined;
  if (mode === 'xml') return present.map((k) => `<${k}>${pyText(values[k])}</${k}>`).join('\n');
  if (mode === 'full_text' && present.length === 1) return pyText(values[present[0]!]);
  return pyJson(Object.fromEntries(present.map((k) => [k, toJsonData(values[k])])), 2);
}

/** The user side of a history turn: `name: value` lines of the non-History inputs present. */
export function historyUserTurn(signature: Signature, values: Values): string {
  return nonHistoryInputs(signature)
    .filter((f) => has(values, f.name))
    .map((f) => `${f.name}: ${pyText(values[f.name])}`)
    .join('\n');
}
