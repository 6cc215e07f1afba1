import { fieldTitle } from './python-text.js';
import type { LiteralValue, ModelInfo, TypeInfo } from './type-info.js';

/**
 * The JSON schema pydantic's `TypeAdapter(T).json_schema()` gives for a type, built from TypeInfo
 * rather than from `z.toJSONSchema`, because the prompt text must match pydantic byte for byte
 * (titles, `$defs`, no `additionalProperties: false`, no int bounds).
 */
export type JsonSchema = { [key: string]: unknown };

const literalType = (values: readonly LiteralValue[]): string | undefined => {
  const kinds = new Set(
    values.map((v) =>
      v === null
        ? 'null'
        : typeof v === 'string'
          ? 'string'
          : typeof v === 'boolean'
            ? 'boolean'
            : Number.isInteger(v)
              ? 'integer'
              : 'number',
    ),
  );
  return kinds.size === 1 ? [...kinds][0] : undefined;
};

class SchemaBuilder {
  readonly defs: Record<string, JsonSchema> = {};
  private readonly names = new Map<object, string>();

  private defName(type: object, wanted: string): string {
    const known = this.names.get(type);
    if (known) return known;
    let name = wanted;
    for (let i = 2; Object.hasOwn(this.defs, name); i++) name = `${wanted}${i}`;
    this.names.set(type, name);
    return name;
  }

  build(type: TypeInfo, root = false): JsonSchema {
    switch (type.kind) {
      case 'str':
        return { type: 'string' };
      case 'int':
        return { type: 'integer' };
      case 'float':
        return { type: 'number' };
      case 'bool':
        return { type: 'boolean' };
      case 'none':
        return { type: 'null' };
      case 'any':
      case 'other':
        return {};
      case 'history': {
        const name = this.defName(type, 'History');
        this.defs[name] ??= {
          additionalProperties: false,
          properties: {
            messages: {
              items: { additionalProperties: true, type: 'object' },
              title: 'Messages',
              type: 'array',
            },
          },
          required: ['messages'],
          title: 'History',
          type: 'object',
        };
        return { $ref: `#/$defs/${name}` };
      }
      case 'list':
        return { items: this.build(type.item), type: 'array' };
      case 'tuple':
        return type.rest && type.items.length === 0
          ? { items: this.build(type.rest), type: 'array' }
          : {
              maxItems: type.items.length,
              minItems: type.items.length,
              prefixItems: type.items.map((t) => this.build(t)),
              type: 'array',
            };
      case 'dict':
        return {
          additionalProperties: type.value.kind === 'any' ? true : this.build(type.value),
          type: 'object',
        };
      case 'literal': {
        const jsonType = literalType(type.values);
        const base: JsonSchema =
          type.values.length === 1 ? { const: type.values[0] } : { enum: [...type.values] };
        return jsonType ? { ...base, type: jsonType } : base;
      }
      case 'enum': {
        const name = this.defName(type, type.name);
        if (!this.defs[name]) {
          const values = type.members.map(([, v]) => v);
          const jsonType = literalType(values);
          this.defs[name] = { enum: values, title: type.name, ...(jsonType ? { type: jsonType } : {}) };
        }
        return { $ref: `#/$defs/${name}` };
      }
      case 'union':
        return { anyOf: type.options.map((o) => this.build(o)) };
      case 'model':
        if (root) return this.model(type);
        return this.modelRef(type);
    }
  }

  private modelRef(type: ModelInfo): JsonSchema {
    if (!type.name) return this.model(type);
    const name = this.defName(type, type.name);
    if (!this.defs[name]) {
      this.defs[name] = {};
      this.defs[name] = this.model(type);
    }
    return { $ref: `#/$defs/${name}` };
  }

  private model(type: ModelInfo): JsonSchema {
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const property of type.properties) {
      const schema = this.build(property.type);
      const titled = '$ref' in schema ? schema : { ...schema, title: fieldTitle(property.name) };
      properties[property.name] = property.default ? { ...titled, default: property.default.value } : titled;
      if (property.required) required.push(property.name);
    }
    return {
      properties,
      ...(required.length > 0 ? { required } : {}),
      ...(type.name ? { title: type.name } : {}),
      type: 'object',
    };
  }
}

/** pydantic's schema for a type, with nested models and enums under `$defs`. Keys unsorted. */
export function pydanticSchema(type: TypeInfo): JsonSchema {
  const builder = new SchemaBuilder();
  const schema = builder.build(type, true);
  return Object.keys(builder.defs).length > 0 ? { $defs: builder.defs, ...schema } : schema;
}

type Order = (keys: string[]) => string[];
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortKeys(value: unknown, order: Order, keepPropertyOrder: boolean, parentKey?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, order, keepPropertyOrder));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keep = keepPropertyOrder && (parentKey === 'properties' || parentKey === 'default');
  const keys = keep ? Object.keys(record) : order(Object.keys(record));
  return Object.fromEntries(
    keys.map((k) => [
      k,
      parentKey === 'default' ? record[k] : sortKeys(record[k], order, keepPropertyOrder, k),
    ]),
  );
}

/** pydantic's own output order: keywords alphabetical, property maps in field order. */
export const rawSchemaOrder = (schema: JsonSchema): JsonSchema =>
  sortKeys(schema, (keys) => [...keys].sort(byCodePoint), true) as JsonSchema;

/** DSPy's note order: every mapping, property maps included, `type` first, then code-point order. */
export const noteSchemaOrder = (schema: JsonSchema): JsonSchema =>
  sortKeys(
    schema,
    (keys) => [...keys].sort((a, b) => (a === 'type' ? -1 : b === 'type' ? 1 : byCodePoint(a, b))),
    false,
  ) as JsonSchema;
