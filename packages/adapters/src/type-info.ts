import { History } from '@dspy-ts/core';
import { z } from 'zod';

/**
 * What an adapter needs to know about a field's type, read once from its zod schema (zod 4, or a
 * zod 3 schema from `zod/v3`). It mirrors the Python annotations DSPy switches on.
 */
export type LiteralValue = string | number | boolean | null;

export interface ModelProperty {
  readonly name: string;
  readonly type: TypeInfo;
  readonly required: boolean;
  /** Present when the property declares a default (an `.optional()` property defaults to null). */
  readonly default?: { value: unknown } | undefined;
}

export type TypeInfo =
  | { readonly kind: 'str' | 'int' | 'float' | 'bool' | 'none' | 'any' | 'history' }
  | { readonly kind: 'list'; readonly item: TypeInfo }
  | { readonly kind: 'tuple'; readonly items: readonly TypeInfo[]; readonly rest?: TypeInfo | undefined }
  | { readonly kind: 'dict'; readonly value: TypeInfo }
  | { readonly kind: 'literal'; readonly values: readonly LiteralValue[] }
  | {
      readonly kind: 'enum';
      readonly name: string;
      readonly members: readonly (readonly [string, LiteralValue])[];
    }
  | { readonly kind: 'union'; readonly options: readonly TypeInfo[] }
  | { readonly kind: 'model'; readonly name: string | undefined; readonly properties: ModelProperty[] }
  /** A type only zod understands (dates, custom checks): validated by the schema alone. */
  | { readonly kind: 'other' };

export type ModelInfo = Extract<TypeInfo, { kind: 'model' }>;

const STR: TypeInfo = { kind: 'str' };
const NONE: TypeInfo = { kind: 'none' };
const ANY: TypeInfo = { kind: 'any' };
const OTHER: TypeInfo = { kind: 'other' };

type Def = Record<string, unknown> & { type?: string; typeName?: string };
const cache = new WeakMap<object, TypeInfo>();

const optionalOf = (inner: TypeInfo): TypeInfo =>
  inner.kind === 'union'
    ? inner.options.some((o) => o.kind === 'none')
      ? inner
      : { kind: 'union', options: [...inner.options, NONE] }
    : inner.kind === 'none' || inner.kind === 'any'
      ? inner
      : { kind: 'union', options: [inner, NONE] };

/** A union of literals is one Literal, as `Literal[1, 'a', True]` is in Python. */
const unionOf = (options: TypeInfo[]): TypeInfo =>
  options.length > 0 && options.every((o) => o.kind === 'literal')
    ? { kind: 'literal', values: options.flatMap((o) => (o.kind === 'literal' ? o.values : [])) }
    : { kind: 'union', options };

const enumOrLiteral = (entries: Record<string, LiteralValue>, title: string | undefined): TypeInfo => {
  const pairs = Object.entries(entries).filter(
    ([key]) => !/^\d+$/.test(key) || typeof entries[key] !== 'string',
  );
  // A TypeScript enum (names differ from values) plays the part of a Python Enum; z.enum([...]) of Literal.
  const isEnum = pairs.some(([key, value]) => key !== String(value));
  return isEnum
    ? { kind: 'enum', name: title ?? 'Enum', members: pairs }
    : { kind: 'literal', values: pairs.map(([, value]) => value) };
};

const titleOf = (schema: object): string | undefined => {
  const meta = schema instanceof z.ZodType ? z.globalRegistry.get(schema) : undefined;
  return typeof meta?.title === 'string' ? meta.title : undefined;
};

function fromZod4(schema: z.ZodType): TypeInfo {
  if (schema === History.schema) return { kind: 'history' };
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const sub = (key: string) => typeInfoOf(def[key]);
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return STR;
    case 'number': {
      const checks = (def.checks as { _zod: { def: { format?: string } } }[] | undefined) ?? [];
      const format = (def as { format?: string }).format;
      return format?.includes('int') || checks.some((c) => c._zod.def.format?.includes('int'))
        ? { kind: 'int' }
        : { kind: 'float' };
    }
    case 'bigint':
      return { kind: 'int' };
    case 'boolean':
      return { kind: 'bool' };
    case 'null':
    case 'undefined':
    case 'void':
      return NONE;
    case 'any':
    case 'unknown':
      return ANY;
    case 'array':
    case 'set':
      return { kind: 'list', item: sub('element') ?? sub('valueType') };
    case 'tuple':
      return {
        kind: 'tuple',
        items: (def.items as z.ZodType[]).map(typeInfoOf),
        rest: def.rest ? typeInfoOf(def.rest) : undefined,
      };
    case 'record':
    case 'map':
      return { kind: 'dict', value: sub('valueType') };
    case 'enum':
      return enumOrLiteral(def.entries as Record<string, LiteralValue>, titleOf(schema));
    case 'literal':
      return { kind: 'literal', values: def.values as LiteralValue[] };
    case 'union':
      return unionOf((def.options as z.ZodType[]).map(typeInfoOf));
    case 'nullable':
    case 'optional':
      return optionalOf(sub('innerType'));
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return sub('innerType');
    case 'pipe':
      return sub('in');
    case 'lazy':
      return typeInfoOf((def.getter as () => z.ZodType)());
    case 'object':
      return modelOf(
        schema,
        titleOf(schema),
        Object.entries(def.shape as Record<string, z.ZodType>),
        isOptional4,
      );
    default:
      return OTHER;
  }
}

const isOptional4 = (schema: object): { optional: boolean; default?: { value: unknown } } => {
  const def = (schema as { _zod: { def: Def } })._zod.def;
  if (def.type === 'optional') return { optional: true, default: { value: null } };
  if (def.type === 'default' || def.type === 'prefault') {
    const value = def.defaultValue;
    return {
      optional: true,
      default: { value: typeof value === 'function' ? (value as () => unknown)() : value },
    };
  }
  return { optional: false };
};

const isOptional3 = (schema: object): { optional: boolean; default?: { value: unknown } } => {
  const def = (schema as { _def: Def })._def;
  if (def.typeName === 'ZodOptional') return { optional: true, default: { value: null } };
  if (def.typeName === 'ZodDefault')
    return { optional: true, default: { value: (def.defaultValue as () => unknown)() } };
  return { optional: false };
};

function modelOf(
  schema: object,
  name: string | undefined,
  shape: [string, object][],
  optionality: (s: object) => { optional: boolean; default?: { value: unknown } },
): TypeInfo {
  const properties: ModelProperty[] = [];
  const model: TypeInfo = { kind: 'model', name, properties };
  // Registered before the properties are read, so recursive models terminate.
  cache.set(schema, model);
  for (const [key, value] of shape) {
    const { optional, default: dflt } = optionality(value);
    properties.push({ name: key, type: typeInfoOf(value), required: !optional, default: dflt });
  }
  return model;
}

function fromZod3(schema: { _def: Def; description?: string }): TypeInfo {
  const def = schema._def;
  const sub = (key: string) => typeInfoOf(def[key]);
  switch (def.typeName) {
    case 'ZodString':
      return STR;
    case 'ZodNumber':
      return ((def.checks as { kind: string }[] | undefined) ?? []).some((c) => c.kind === 'int')
        ? { kind: 'int' }
        : { kind: 'float' };
    case 'ZodBigInt':
      return { kind: 'int' };
    case 'ZodBoolean':
      return { kind: 'bool' };
    case 'ZodNull':
    case 'ZodUndefined':
      return NONE;
    case 'ZodAny':
    case 'ZodUnknown':
      return ANY;
    case 'ZodArray':
      return { kind: 'list', item: sub('type') };
    case 'ZodSet':
      return { kind: 'list', item: sub('valueType') };
    case 'ZodTuple':
      return {
        kind: 'tuple',
        items: (def.items as object[]).map(typeInfoOf),
        rest: def.rest ? typeInfoOf(def.rest) : undefined,
      };
    case 'ZodRecord':
    case 'ZodMap':
      return { kind: 'dict', value: sub('valueType') };
    case 'ZodEnum':
      return { kind: 'literal', values: def.values as string[] };
    case 'ZodNativeEnum':
      return enumOrLiteral(def.values as Record<string, LiteralValue>, undefined);
    case 'ZodLiteral':
      return { kind: 'literal', values: [def.value as LiteralValue] };
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion':
      return unionOf([...(def.options as Iterable<object>)].map(typeInfoOf));
    case 'ZodOptional':
    case 'ZodNullable':
      return optionalOf(sub('innerType'));
    case 'ZodDefault':
    case 'ZodCatch':
    case 'ZodReadonly':
    case 'ZodBranded':
      return sub('innerType') ?? sub('type');
    case 'ZodEffects':
      return sub('schema');
    case 'ZodPipeline':
      return sub('in');
    case 'ZodLazy':
      return typeInfoOf((def.getter as () => object)());
    case 'ZodObject':
      return modelOf(
        schema,
        undefined,
        Object.entries((def.shape as () => Record<string, object>)()),
        isOptional3,
      );
    default:
      return OTHER;
  }
}

/** True for a zod 3 schema (`zod/v3`): it has `_def` but no zod 4 `_zod` internals. */
export const isZod3 = (schema: unknown): schema is { _def: Def } =>
  typeof schema === 'object' && schema !== null && '_def' in schema && !('_zod' in schema);

/** The TypeInfo of a zod 4 or zod 3 schema (memoized per schema object). */
export function typeInfoOf(schema: unknown): TypeInfo {
  if (typeof schema !== 'object' || schema === null) return ANY;
  const cached = cache.get(schema);
  if (cached) return cached;
  const info = isZod3(schema) ? fromZod3(schema) : '_zod' in schema ? fromZod4(schema as z.ZodType) : OTHER;
  cache.set(schema, info);
  return info;
}

/** `Optional[X]` (a union with exactly one non-None member) -> X; anything else unchanged. */
export function unwrapOptional(type: TypeInfo): TypeInfo {
  if (type.kind !== 'union') return type;
  const rest = type.options.filter((o) => o.kind !== 'none');
  return rest.length === 1 && rest.length < type.options.length ? rest[0]! : type;
}

export const admitsNone = (type: TypeInfo): boolean =>
  type.kind === 'none' || type.kind === 'any' || (type.kind === 'union' && type.options.some(admitsNone));
