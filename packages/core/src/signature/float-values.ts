import type { z } from 'zod';
import { PyFloat } from '../python/py-float.js';
import { defOf, isZodSchema, zodTypeName } from './python-types.js';

const asSchema = (value: unknown): z.ZodType | undefined => (isZodSchema(value) ? value : undefined);

/**
 * Wraps every whole number that `schema` types as a float (also inside lists, tuples, dicts,
 * objects and Optional) in PyFloat; everything else is returned as is. A number in a union is a
 * float only when the union has a float and no int, as pydantic keeps `1` an int for `int | float`.
 */
export function markFloats(value: unknown, schema: z.ZodType | undefined): unknown {
  if (schema === undefined || value === null || value === undefined) return value;
  const def = defOf(schema);
  switch (def.type) {
    case 'number':
      return typeof value === 'number' && Number.isInteger(value) && zodTypeName(schema) === 'float'
        ? new PyFloat(value)
        : value;
    case 'nullable':
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return markFloats(value, asSchema(def.innerType));
    case 'array':
      return Array.isArray(value) ? value.map((item) => markFloats(item, asSchema(def.element))) : value;
    case 'tuple': {
      if (!Array.isArray(value)) return value;
      const items = (def.items as z.ZodType[] | undefined) ?? [];
      return value.map((item, i) => markFloats(item, items[i] ?? asSchema(def.rest)));
    }
    case 'record':
      return mapRecord(value, () => asSchema(def.valueType));
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType> | undefined;
      return mapRecord(value, (key) => (shape && Object.hasOwn(shape, key) ? shape[key] : undefined));
    }
    case 'union':
      return markUnion(value, (def.options as z.ZodType[] | undefined) ?? []);
    default:
      return value;
  }
}

function markUnion(value: unknown, options: z.ZodType[]): unknown {
  if (typeof value === 'number') {
    const names = options.map((option) => zodTypeName(option));
    return Number.isInteger(value) && names.includes('float') && !names.includes('int')
      ? new PyFloat(value)
      : value;
  }
  const match = options.find((option) => option.safeParse(value).success);
  return markFloats(value, match);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);

function mapRecord(value: unknown, schemaOf: (key: string) => z.ZodType | undefined): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, markFloats(item, schemaOf(key))]),
  );
}

/** A record of field values (a demo, a turn's inputs or outputs) with float-typed whole numbers marked. */
export function markFloatFields(
  values: Record<string, unknown>,
  fields: Readonly<Record<string, { readonly schema: z.ZodType }>>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      Object.hasOwn(fields, key) ? markFloats(value, fields[key]!.schema) : value,
    ]),
  );
}
