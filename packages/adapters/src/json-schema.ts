import type { Signature } from '@dspy-ts/core';
import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { JsonSchema } from './pydantic-schema.js';
import { fieldTitle } from './python-text.js';
import { isZod3, typeInfoOf, unwrapOptional } from './type-info.js';
import { fieldType } from './type-note.js';

/** The name DSPy gives the structured-output model. */
export const STRUCTURED_OUTPUT_NAME = 'DSPyProgramOutputs';
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A field schema as JSON Schema: zod 4 through `z.toJSONSchema`; a zod 3 schema (`zod/v3`)
 * through zod-to-json-schema, which silently returns an empty schema for zod 4 input.
 * Unrepresentable types (History, custom checks) throw, which sends JSONAdapter to json_object mode.
 */
export function toJsonSchema(schema: unknown): JsonSchema {
  const raw = isZod3(schema)
    ? (zodToJsonSchema(schema as never, { $refStrategy: 'none', target: 'jsonSchema7' }) as JsonSchema)
    : (z.toJSONSchema(schema as z.ZodType, { io: 'output' }) as JsonSchema);
  const { $schema: _dropped, ...rest } = raw;
  return rest;
}

const nullable = (schema: JsonSchema): JsonSchema => {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type))
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
};

/**
 * OpenAI strict mode, recursively: every object lists all its properties as required (an optional
 * one becomes nullable) and forbids extra keys; `$schema`, `default: null` and the
 * ±9007199254740991 bounds zod puts on ints are removed.
 */
export function makeStrict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(makeStrict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema)) {
    if (key === '$schema') continue;
    if (key === 'default' && value === null) continue;
    if ((key === 'minimum' && value === -MAX_SAFE) || (key === 'maximum' && value === MAX_SAFE)) continue;
    if (key === 'properties' || key === '$defs' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, makeStrict(v)]));
    } else out[key] = makeStrict(value);
  }
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object'));
  if (out.properties && typeof out.properties === 'object') {
    const properties = out.properties as JsonSchema;
    const required = new Set(Array.isArray(out.required) ? (out.required as string[]) : []);
    for (const [name, property] of Object.entries(properties)) {
      if (!required.has(name)) properties[name] = nullable(property as JsonSchema);
    }
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  } else if (isObject && (out.additionalProperties === undefined || out.additionalProperties === false)) {
    out.properties = {};
    out.required = [];
    out.additionalProperties = false;
  }
  return out;
}

/** An output typed as an open-ended mapping (`dict[str, V]`) cannot use structured outputs. */
export const hasOpenEndedMapping = (signature: Signature): boolean =>
  Object.values(signature.outputFields).some((field) => unwrapOptional(fieldType(field)).kind === 'dict');

/**
 * The strict JSON schema of the output fields, in field order, titled like DSPy's
 * `DSPyProgramOutputs` model. Throws when a field cannot be represented.
 */
export function structuredOutputSchema(signature: Signature): JsonSchema {
  const properties: JsonSchema = {};
  const defs: JsonSchema = {};
  for (const field of Object.values(signature.outputFields)) {
    if (typeInfoOf(field.schema).kind === 'dict') {
      throw new Error(
        `Field '${field.name}' has an open-ended mapping type which is not supported by Structured Outputs.`,
      );
    }
    const { $defs, definitions, ...schema } = toJsonSchema(field.schema);
    Object.assign(defs, $defs ?? {}, definitions ?? {});
    properties[field.name] = '$ref' in schema ? schema : { ...schema, title: fieldTitle(field.name) };
  }
  return makeStrict({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
    title: STRUCTURED_OUTPUT_NAME,
    ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}),
  }) as JsonSchema;
}

/** The `response_format` value for structured mode, as LiteLLM puts it on the wire. */
export const structuredResponseFormat = (signature: Signature) => ({
  type: 'json_schema' as const,
  json_schema: { name: STRUCTURED_OUTPUT_NAME, strict: true, schema: structuredOutputSchema(signature) },
});

export const JSON_OBJECT_FORMAT = Object.freeze({ type: 'json_object' as const });
