import { type Demo, type Field, History, type Signature } from '@dspy-ts/core';
import { formatValue } from './format-value.js';
import { dedent, pyStrip, splitlines } from './python-text.js';
import { fieldType, typeDescription, visibleDesc } from './type-note.js';

/**
 * The pieces of DSPy's message layout shared by the Chat, JSON and XML adapters:
 * field descriptions, the objective, field blocks, demo classification, history extraction.
 */
type FieldMap = Readonly<Record<string, Field>>;
type Values = Readonly<Record<string, unknown>>;

/** A demo as a plain object: an Example (anything with `toDict()`) or a plain object. */
export const demoValues = (demo: Demo): Values =>
  typeof (demo as { toDict?: unknown }).toDict === 'function'
    ? (demo as { toDict(): Record<string, unknown> }).toDict()
    : (demo as Values);

/** Python's `key in dict`: an own key whose value is not `undefined` (`null` counts as present). */
export const has = (values: Values, key: string): boolean =>
  Object.hasOwn(values, key) && values[key] !== undefined;

/** One numbered line per field (`get_field_description_string`), the whole list stripped. */
export function fieldList(fields: FieldMap): string {
  const lines = Object.values(fields).map((field, i) => {
    let line = `${i + 1}. \`${field.name}\` (${field.typeName}): ${visibleDesc(field)}${typeDescription(field)}`;
    if (field.constraints) line += `\nConstraints: ${field.constraints}`;
    return line;
  });
  return pyStrip(lines.join('\n'));
}

export const fieldDescription = (sig: Signature): string =>
  `Your input fields are:\n${fieldList(sig.inputFields)}\nYour output fields are:\n${fieldList(sig.outputFields)}`;

/** The objective: each instruction line on its own line, indented by 8 spaces. */
export function taskDescription(sig: Signature): string {
  const lines = splitlines(dedent(sig.instructions));
  return `In adhering to this structure, your objective is: ${lines.map((line) => `\n        ${line}`).join('')}`;
}

/** The first input typed exactly History. */
export const historyFieldName = (sig: Signature): string | undefined =>
  Object.values(sig.inputFields).find((field) => field.isHistory)?.name;

/** The current call's History, or undefined when the field is absent. `null` or an array is an InputError. */
export function historyOf(inputs: Values, name: string): History | undefined {
  return Object.hasOwn(inputs, name) && inputs[name] !== undefined ? History.from(inputs[name]) : undefined;
}

/** Splits demos into incomplete and complete ones; the rest are dropped silently. */
export function classifyDemos(
  sig: Signature,
  demos: readonly Demo[],
): { incomplete: Values[]; complete: Values[] } {
  const incomplete: Values[] = [];
  const complete: Values[] = [];
  const names = Object.keys(sig.fields);
  for (const demo of demos) {
    const values = demoValues(demo);
    if (names.every((name) => has(values, name) && values[name] !== null)) complete.push(values);
    else if (
      Object.keys(sig.inputFields).some((n) => has(values, n)) &&
      Object.keys(sig.outputFields).some((n) => has(values, n))
    ) {
      incomplete.push(values);
    }
  }
  return { incomplete, complete };
}

export const INCOMPLETE_DEMO_PREFIX =
  'This is an example of the task, though some input or output fields are not supplied.';
export const NOT_SUPPLIED = 'Not supplied for this particular example. ';
export const NOT_SUPPLIED_HISTORY = 'Not supplied for this conversation history message. ';

/** How a user message is written: DSPy's `prefix`, `suffix` and `main_request`. */
export interface UserContentOptions {
  prefix?: string | undefined;
  suffix?: string | undefined;
  /** The final user message of a call: adds the output requirements sentence. */
  mainRequest?: boolean | undefined;
}

/** `formatValue` for a signature field. */
export const formatFieldValue = (field: Field, value: unknown): string =>
  formatValue(fieldType(field), value);

/** The input fields present in the values, in signature order (Python's `k in inputs`). */
export const presentInputs = (sig: Signature, values: Values): Field[] =>
  Object.values(sig.inputFields).filter((field) => has(values, field.name));

/** The value of an output, or the missing-field text (none given: None). */
export const outputValue = (values: Values, name: string, missing: string | undefined): unknown =>
  has(values, name) ? values[name] : (missing ?? null);

/** The `[[ ## name ## ]]` blocks of the given fields, joined by a blank line and stripped. */
export function headerBlocks(fields: readonly Field[], render: (field: Field) => string): string {
  return pyStrip(fields.map((field) => `[[ ## ${field.name} ## ]]\n${render(field)}`).join('\n\n'));
}

/** DSPy's user content: prefix, the input blocks present, the requirements (main request only), suffix; stripped. */
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
