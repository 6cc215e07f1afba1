import { type Field, ToolCalls } from '@dspy-ts/core';
import { pyJson, pyText } from './format-value.js';
import { noteSchemaOrder, pydanticSchema } from './pydantic-schema.js';
import { type TypeInfo, typeInfoOf } from './type-info.js';

/** The TypeInfo of a signature field (cached per schema). */
export const fieldType = (field: Field): TypeInfo =>
  field.isHistory ? { kind: 'history' } : typeInfoOf(field.schema);

/** The type note's schema: pydantic's schema, keys reordered, as Python JSON. */
export const noteSchema = (type: TypeInfo): string => pyJson(noteSchemaOrder(pydanticSchema(type)));

/** What DSPy tells the model about an output's type (`translate_field_type`), or '' for none. */
// pydantic's schema of DSPy's ToolCalls (ids and results hidden from the model), as DSPy prints it.
const TOOL_CALLS_SCHEMA =
  '{"type": "object", "$defs": {"ToolCall": {"type": "object", "properties": {"args": {"type": "object", "additionalProperties": true, "title": "Args"}, "name": {"type": "string", "title": "Name"}}, "required": ["name", "args"], "title": "ToolCall"}}, "properties": {"tool_calls": {"type": "array", "items": {"$ref": "#/$defs/ToolCall"}, "title": "Tool Calls"}}, "required": ["tool_calls"], "title": "ToolCalls"}';

/** `\n    Type description of ToolCalls: ...` after a ToolCalls field's description; '' otherwise. */
export const typeDescription = (field: Field): string =>
  field.schema === ToolCalls.schema ? `\n    Type description of ToolCalls: ${ToolCalls.description()}` : '';

export function typeNoteText(field: Field): string {
  if (field.io === 'input') return '';
  if (field.schema === ToolCalls.schema) return `must adhere to the JSON schema: ${TOOL_CALLS_SCHEMA}`;
  const type = fieldType(field);
  switch (type.kind) {
    case 'str':
      return '';
    case 'bool':
      return 'must be True or False';
    case 'int':
    case 'float':
      return `must be a single ${type.kind} value`;
    case 'enum':
      return `must be one of: ${type.members.map(([, value]) => pyText(value)).join('; ')}`;
    case 'literal':
      return `must exactly match (no extra characters) one of: ${type.values.map((v) => pyText(v)).join('; ')}`;
    default:
      return `must adhere to the JSON schema: ${noteSchema(type)}`;
  }
}

/** `"{name}"` plus the per-type note: `"{answer}        # note: the value you produce must be a single int value"`. */
export function placeholder(field: Field): string {
  const note = typeNoteText(field);
  return `{${field.name}}${note ? `        # note: the value you produce ${note}` : ''}`;
}

/** The ` (must be formatted as a valid Python int)` part of the requirements sentences; '' for str. */
export function requirementTypeInfo(field: Field): string {
  if (field.schema === ToolCalls.schema) {
    return ' (must be a JSON object like {"tool_calls": [{"name": "...", "args": {...}}]})';
  }
  return fieldType(field).kind === 'str' ? '' : ` (must be formatted as a valid Python ${field.typeName})`;
}

/** The `desc` shown to the model: the `${name}` placeholder counts as empty. */
export const visibleDesc = (field: Field): string => (field.desc === `\${${field.name}}` ? '' : field.desc);
