import { z } from 'zod';
import { History } from '../primitives/history.js';
import { inferPrefix } from './infer-prefix.js';
import { isZodSchema, zodTypeName } from './python-types.js';

export type FieldIO = 'input' | 'output';

export interface FieldOptions {
  /** What the field holds, shown to the LM. Defaults to the `${name}` placeholder (no description). */
  desc?: string | undefined;
  /** Kept for DSPy parity (saved in state, compared by `equals`); no adapter prints it. */
  prefix?: string | undefined;
  /** The type name shown in prompts; derived from the schema when absent. */
  typeName?: string | undefined;
  /** Value used for an input the caller omits, or for an output the LM omits. */
  default?: unknown;
}

/** A field before it has a name: what `InputField(...)` / `OutputField(...)` return. */
export interface FieldSpec<S extends z.ZodType = z.ZodType, IO extends FieldIO = FieldIO> {
  readonly io: IO;
  readonly schema: S;
  readonly desc?: string | undefined;
  readonly prefix?: string | undefined;
  readonly typeName?: string | undefined;
  readonly isTypeUndefined?: boolean | undefined;
  readonly hasDefault?: boolean | undefined;
  readonly default?: unknown;
}

/** A named field of a signature. Immutable. */
export interface Field<S extends z.ZodType = z.ZodType, IO extends FieldIO = FieldIO> {
  readonly name: string;
  readonly io: IO;
  readonly schema: S;
  readonly desc: string;
  readonly prefix: string;
  readonly typeName: string;
  /** Written without a type in a string signature (turns off input type warnings). */
  readonly isTypeUndefined: boolean;
  /** Human text of numeric/length constraints, e.g. 'greater than or equal to: 1'. */
  readonly constraints: string | undefined;
  readonly hasDefault: boolean;
  readonly default: unknown;
  /** The field is typed exactly `History` (the adapters render it as earlier turns). */
  readonly isHistory: boolean;
}

const isZod = isZodSchema;

/** A zod 3 schema (from `zod/v3`), which users may bring; adapters handle both lines. */
export interface ZodV3Like {
  readonly _output: unknown;
  readonly _def: unknown;
  safeParse(value: unknown): unknown;
}

function makeSpec<IO extends FieldIO>(
  io: IO,
  schemaOrOptions?: z.ZodType | ZodV3Like | FieldOptions,
  maybe?: FieldOptions,
) {
  const schema = isZod(schemaOrOptions) ? schemaOrOptions : undefined;
  const options = (isZod(schemaOrOptions) ? maybe : (schemaOrOptions as FieldOptions | undefined)) ?? {};
  const description = schema?.description;
  return Object.freeze({
    io,
    schema: schema ?? z.string(),
    desc: options.desc ?? description,
    prefix: options.prefix,
    typeName: options.typeName,
    isTypeUndefined: schema === undefined,
    hasDefault: Object.hasOwn(options, 'default'),
    default: options.default,
  });
}

/** An input field: `InputField(z.string(), { desc: 'raw review text' })`. Without a schema: str. */
export function InputField(options?: FieldOptions): FieldSpec<z.ZodString, 'input'>;
export function InputField<S extends z.ZodType>(schema: S, options?: FieldOptions): FieldSpec<S, 'input'>;
export function InputField<S extends ZodV3Like>(
  schema: S,
  options?: FieldOptions,
): FieldSpec<z.ZodType<S['_output']>, 'input'>;
export function InputField(
  schemaOrOptions?: z.ZodType | ZodV3Like | FieldOptions,
  options?: FieldOptions,
): FieldSpec {
  return makeSpec('input', schemaOrOptions, options);
}

/** An output field: `OutputField(z.enum(['pos', 'neg']))`. Without a schema: str. */
export function OutputField(options?: FieldOptions): FieldSpec<z.ZodString, 'output'>;
export function OutputField<S extends z.ZodType>(schema: S, options?: FieldOptions): FieldSpec<S, 'output'>;
export function OutputField<S extends ZodV3Like>(
  schema: S,
  options?: FieldOptions,
): FieldSpec<z.ZodType<S['_output']>, 'output'>;
export function OutputField(
  schemaOrOptions?: z.ZodType | ZodV3Like | FieldOptions,
  options?: FieldOptions,
): FieldSpec {
  return makeSpec('output', schemaOrOptions, options);
}

type CheckDef = {
  check?: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: unknown;
  maximum?: unknown;
};

/** DSPy's constraint text from zod checks: 'greater than or equal to: 1, less than or equal to: 5'. */
export function constraintsOf(schema: z.ZodType): string | undefined {
  const zod4 = (schema as unknown as { _zod?: { def: { checks?: { _zod: { def: CheckDef } }[] } } })._zod;
  const checks = (zod4?.def.checks ?? []).map((c) => c._zod.def);
  const phrases: string[] = [];
  for (const check of checks) {
    if (check.check === 'greater_than') {
      phrases.push(
        `${check.inclusive ? 'greater than or equal to' : 'greater than'}: ${String(check.value)}`,
      );
    } else if (check.check === 'less_than') {
      phrases.push(`${check.inclusive ? 'less than or equal to' : 'less than'}: ${String(check.value)}`);
    } else if (check.check === 'min_length') {
      phrases.push(`minimum length: ${String(check.minimum)}`);
    } else if (check.check === 'max_length') {
      phrases.push(`maximum length: ${String(check.maximum)}`);
    } else if (check.check === 'multiple_of') {
      phrases.push(`a multiple of the given number: ${String(check.value)}`);
    }
  }
  return phrases.length > 0 ? phrases.join(', ') : undefined;
}

/** Gives a spec its name: placeholder desc, inferred prefix, type name. */
export function nameField<S extends z.ZodType, IO extends FieldIO>(
  name: string,
  spec: FieldSpec<S, IO>,
  typeNameHint?: string,
): Field<S, IO> {
  return Object.freeze({
    name,
    io: spec.io,
    schema: spec.schema,
    desc: spec.desc ?? `\${${name}}`,
    prefix: spec.prefix ?? `${inferPrefix(name)}:`,
    typeName: spec.typeName ?? typeNameHint ?? zodTypeName(spec.schema),
    isTypeUndefined: spec.isTypeUndefined ?? false,
    constraints: constraintsOf(spec.schema),
    hasDefault: spec.hasDefault ?? false,
    default: spec.default,
    isHistory: (spec.schema as z.ZodType) === History.schema,
  });
}
