import { z } from 'zod';
import { ConfigurationError } from '../errors.js';

/** A JSON schema, as DSPy shows one per tool argument. */
export type JsonSchema = { [key: string]: unknown };

/** A tool's arguments as DSPy holds them: the JSON schema of each argument, by name. */
export type ToolArgs = Readonly<Record<string, JsonSchema>>;

const SAFE_INT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * pydantic's shape of a JSON schema: keys sorted at every level (property order kept), no
 * `$schema`, no `additionalProperties: false` on objects, and no safe-integer bounds, which zod
 * adds to every `z.int()` but a Python `int` does not have.
 */
function pydanticShape(schema: unknown, inProperties = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => pydanticShape(item));
  if (!isObject(schema)) return schema;
  const keys = inProperties ? Object.keys(schema) : Object.keys(schema).sort();
  const shaped: JsonSchema = {};
  for (const key of keys) {
    const value = schema[key];
    if (!inProperties) {
      if (key === '$schema' || (key === 'additionalProperties' && value === false)) continue;
      if ((key === 'minimum' || key === 'maximum') && SAFE_INT_BOUNDS.has(value as number)) continue;
      if (key === 'default' || key === 'enum' || key === 'const') {
        shaped[key] = value;
        continue;
      }
    }
    shaped[key] = pydanticShape(value, !inProperties && key === 'properties');
  }
  return shaped;
}

/**
 * One argument's schema as DSPy's `Tool` derives it from a Python parameter: pydantic's schema of
 * the type, then `default` for a defaulted parameter, then `description`.
 */
function argSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const { default: defaultValue, description, ...typeSchema } = raw;
  const shaped = pydanticShape(typeSchema) as JsonSchema;
  if (defaultValue !== undefined) shaped.default = defaultValue;
  if (description !== undefined) shaped.description = description;
  return shaped;
}

const objectShape = (schema: z.ZodType): Record<string, z.ZodType> | undefined => {
  const def = (schema as unknown as { _zod?: { def?: { type?: string; shape?: unknown } } })._zod?.def;
  return def?.type === 'object' && isObject(def.shape) ? (def.shape as Record<string, z.ZodType>) : undefined;
};

/** The per-argument JSON schemas of a zod object (what the model is shown). */
export function argsFromZod(name: string, schema: z.ZodType): ToolArgs {
  const shape = objectShape(schema);
  if (!shape) {
    throw new ConfigurationError(
      `Tool '${name}': \`args\` must be a zod object (z.object({ ... })) or a JSON schema per argument, got a zod ${String((schema as unknown as { _zod?: { def?: { type?: string } } })._zod?.def?.type ?? 'schema')}.`,
    );
  }
  return Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, argSchema(value)]));
}

/** Checks DSPy's shape: an object whose values are JSON schemas (objects). */
export function checkJsonArgs(name: string, args: unknown): ToolArgs {
  if (!isObject(args) || Object.values(args).some((value) => !isObject(value))) {
    throw new ConfigurationError(
      `Tool '${name}': \`args\` must be a zod object or an object mapping each argument name to its JSON schema (e.g. { city: { type: 'string' } }).`,
    );
  }
  return args as ToolArgs;
}

/** The arguments no call may omit: those without a `default` (DSPy's `required` rule). */
export const requiredArgs = (args: ToolArgs): string[] =>
  Object.keys(args).filter((key) => !Object.hasOwn(args[key] ?? {}, 'default'));

/** A strict zod object that validates a call's arguments against DSPy-shaped args. */
export function validatorFromJson(args: ToolArgs): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  const required = new Set(requiredArgs(args));
  for (const [key, schema] of Object.entries(args)) {
    const { default: _default, ...withoutDefault } = schema;
    let item: z.ZodType;
    try {
      item = Object.keys(withoutDefault).length === 0 ? z.unknown() : z.fromJSONSchema(withoutDefault);
    } catch {
      // A schema zod cannot read is shown to the model as given and not checked here.
      item = z.unknown();
    }
    shape[key] = required.has(key) ? item : item.optional();
  }
  return z.strictObject(shape);
}

/** True for a zod schema (zod 4 or 3), as opposed to DSPy's plain per-argument JSON schemas. */
export const isZodSchema = (value: unknown): value is z.ZodType =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { safeParse?: unknown }).safeParse === 'function' &&
  ('_zod' in value || '_def' in value);
