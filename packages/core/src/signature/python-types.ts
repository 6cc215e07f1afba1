import { z } from 'zod';
import { SignatureError } from '../errors.js';
import { History } from '../primitives/history.js';
import { pyRepr } from '../python/repr.js';
import { Tool } from '../tool/tool.js';
import { ToolCalls } from '../tool/tool-calls.js';
import type { TypeExpr } from './type-expr.js';

export interface ResolvedType {
  schema: z.ZodType;
  /** The annotation as DSPy prints it in prompts: 'str', 'list[str]', "Literal['a', 'b']", ... */
  typeName: string;
}

export type CustomTypes = Readonly<Record<string, z.ZodType>>;

const literalSchema = (values: (string | number | boolean | null)[]): z.ZodType =>
  values.every((v) => typeof v === 'string')
    ? z.enum(values as [string, ...string[]])
    : z.union(values.map((v) => z.literal(v)) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);

const unionOf = (options: ResolvedType[]): ResolvedType => {
  const withoutNone = options.filter((o) => o.typeName !== 'NoneType');
  const hasNone = withoutNone.length < options.length;
  const names = [...withoutNone.map((o) => o.typeName), ...(hasNone ? ['NoneType'] : [])];
  const typeName = `Union[${names.join(', ')}]`;
  const core =
    withoutNone.length === 1
      ? withoutNone[0]!.schema
      : z.union(withoutNone.map((o) => o.schema) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  return { schema: hasNone ? core.nullable() : core, typeName };
};

const unknownName = (name: string): never => {
  throw new SignatureError(
    `Unknown name: ${name}. Supported types: str, int, float, bool, list[...], dict[...], tuple[...], ` +
      'Literal[...], Optional[...], Union[...], Any, History, Tool, ToolCalls, or a name passed in `customTypes`.',
  );
};

/** Resolves a parsed annotation to a zod schema and its Python display name. */
export function resolveType(expr: TypeExpr, customTypes: CustomTypes = {}): ResolvedType {
  if (expr.kind === 'literal') {
    return {
      schema: literalSchema(expr.values),
      typeName: `Literal[${expr.values.map((value) => pyRepr(value)).join(', ')}]`,
    };
  }
  // `None` alone means str (DSPy quirk), but inside a union or generic it is NoneType.
  const resolveArg = (arg: TypeExpr): ResolvedType =>
    arg.kind === 'name' && arg.name === 'None' && !arg.args
      ? { schema: z.null(), typeName: 'NoneType' }
      : resolveType(arg, customTypes);
  if (expr.kind === 'union') return unionOf(expr.options.map(resolveArg));

  const args = (expr.args ?? []).map(resolveArg);
  const generic = (origin: string) => `${origin}[${args.map((a) => a.typeName).join(', ')}]`;
  const name = expr.name.replace(/^(typing|builtins)\./, '');
  const custom = Object.hasOwn(customTypes, expr.name) ? customTypes[expr.name] : undefined;
  if (custom) return { schema: custom, typeName: zodTypeName(custom, expr.name) };

  switch (name) {
    case 'str':
    case 'None':
      return { schema: z.string(), typeName: 'str' };
    case 'NoneType':
      return { schema: z.null(), typeName: 'NoneType' };
    case 'int':
      return { schema: z.int(), typeName: 'int' };
    case 'float':
      return { schema: z.number(), typeName: 'float' };
    case 'bool':
      return { schema: z.boolean(), typeName: 'bool' };
    case 'Any':
      return { schema: z.unknown(), typeName: 'Any' };
    case 'History':
    case 'dspy.History':
      return { schema: History.schema, typeName: 'History' };
    case 'Tool':
    case 'dspy.Tool':
      return { schema: Tool.schema, typeName: 'Tool' };
    case 'ToolCalls':
    case 'dspy.ToolCalls':
      return { schema: ToolCalls.schema, typeName: 'ToolCalls' };
    case 'list':
    case 'List':
    case 'set':
    case 'Set':
    case 'frozenset': {
      if (args.length > 1)
        throw new SignatureError(`${expr.name}[...] takes one type argument, got ${args.length}.`);
      const origin = name.toLowerCase();
      return args[0]
        ? { schema: z.array(args[0].schema), typeName: generic(origin) }
        : { schema: z.array(z.unknown()), typeName: origin };
    }
    case 'dict':
    case 'Dict': {
      if (args.length === 0) return { schema: z.record(z.string(), z.unknown()), typeName: 'dict' };
      if (args.length !== 2)
        throw new SignatureError(`dict[...] takes two type arguments (key, value), got ${args.length}.`);
      return { schema: z.record(z.string(), args[1]!.schema), typeName: generic('dict') };
    }
    case 'tuple':
    case 'Tuple': {
      if (args.length === 0) return { schema: z.array(z.unknown()), typeName: 'tuple' };
      if (expr.variadic) {
        return { schema: z.array(args[0]!.schema), typeName: `tuple[${args[0]!.typeName}, ...]` };
      }
      const items = args.map((a) => a.schema) as [z.ZodType, ...z.ZodType[]];
      return { schema: z.tuple(items), typeName: generic('tuple') };
    }
    case 'Optional': {
      if (args.length !== 1) throw new SignatureError('Optional must have exactly one type argument');
      return unionOf([args[0]!, { schema: z.null(), typeName: 'NoneType' }]);
    }
    case 'Union':
      if (args.length === 0) throw new SignatureError('Union needs at least one type argument.');
      return args.length === 1 ? args[0]! : unionOf(args);
    default:
      return unknownName(expr.name);
  }
}

type ZodDef = { type: string; [key: string]: unknown };

const ZOD3_TYPES: Record<string, string> = {
  ZodString: 'string',
  ZodNumber: 'number',
  ZodBigInt: 'int',
  ZodBoolean: 'boolean',
  ZodNull: 'null',
  ZodAny: 'any',
  ZodUnknown: 'unknown',
  ZodArray: 'array',
  ZodRecord: 'record',
  ZodTuple: 'tuple',
  ZodEnum: 'enum',
  ZodLiteral: 'literal',
  ZodNullable: 'nullable',
  ZodOptional: 'optional',
  ZodDefault: 'default',
  ZodUnion: 'union',
  ZodObject: 'object',
};

/** The schema's definition in zod 4's shape; zod 3 schemas (users may bring them) are translated. */
export const defOf = (schema: z.ZodType): ZodDef => {
  const zod4 = (schema as unknown as { _zod?: { def: ZodDef } })._zod;
  if (zod4) return zod4.def;
  const def = (schema as unknown as { _def?: Record<string, unknown> })._def ?? {};
  const type = ZOD3_TYPES[String(def.typeName)] ?? 'unknown';
  const checks = (def.checks as { kind?: string }[] | undefined) ?? [];
  return {
    ...def,
    type: type === 'number' && checks.some((c) => c.kind === 'int') ? 'int' : type,
    element: def.type,
    entries: Array.isArray(def.values) ? Object.fromEntries(def.values.map((v) => [v, v])) : def.values,
    values: 'value' in def ? [def.value] : def.values,
    checks: [],
  };
};

/** True for a zod 4 or zod 3 schema. */
export const isZodSchema = (value: unknown): value is z.ZodType =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { safeParse?: unknown }).safeParse === 'function' &&
  ('_zod' in value || '_def' in value);

/** The Python-style type name DSPy would print for a zod schema ('str', 'list[int]', ...). */
export function zodTypeName(schema: z.ZodType, fallbackName?: string): string {
  if (schema === History.schema) return 'History';
  const title = '_zod' in schema ? z.globalRegistry.get(schema)?.title : undefined;
  if (typeof title === 'string') return title;
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return 'str';
    case 'number': {
      const checks =
        (def.checks as { _zod: { def: { check?: string; format?: string } } }[] | undefined) ?? [];
      const isInt =
        (schema as unknown as { format?: string }).format?.includes('int') ||
        checks.some((c) => c._zod.def.format?.includes('int'));
      return isInt ? 'int' : 'float';
    }
    case 'int':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'null':
      return 'NoneType';
    case 'any':
    case 'unknown':
      return 'Any';
    case 'array':
      return `list[${zodTypeName(def.element as z.ZodType)}]`;
    case 'record':
      return `dict[${zodTypeName(def.keyType as z.ZodType)}, ${zodTypeName(def.valueType as z.ZodType)}]`;
    case 'tuple':
      return `tuple[${(def.items as z.ZodType[]).map((i) => zodTypeName(i)).join(', ')}]`;
    case 'enum':
      return `Literal[${Object.values(def.entries as Record<string, string>)
        .map((value) => pyRepr(value))
        .join(', ')}]`;
    case 'literal':
      return `Literal[${(def.values as (string | number | boolean | null)[]).map((value) => pyRepr(value)).join(', ')}]`;
    case 'nullable':
    case 'optional':
      return `Union[${zodTypeName(def.innerType as z.ZodType)}, NoneType]`;
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return zodTypeName(def.innerType as z.ZodType, fallbackName);
    case 'union': {
      const options = def.options as z.ZodType[];
      return `Union[${options.map((o) => zodTypeName(o)).join(', ')}]`;
    }
    case 'object':
      return fallbackName ?? 'dict';
    default:
      return fallbackName ?? 'Any';
  }
}

/** True when `null` is a valid value of the schema (Optional outputs parse to null when missing). */
export const acceptsNull = (schema: z.ZodType): boolean => schema.safeParse(null).success;
