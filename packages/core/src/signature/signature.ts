import type { z } from 'zod';
import { SignatureError } from '../errors.js';
import { cleandoc } from './cleandoc.js';
import { type Field, type FieldIO, type FieldSpec, nameField } from './field.js';
import type { ParseInputs, ParseOutputs } from './infer.js';
import { type CustomTypes, resolveType } from './python-types.js';
import { parseTypeExpr } from './type-expr.js';

export { cleandoc } from './cleandoc.js';

export type FieldValues = Record<string, unknown>;
type FieldMap = Readonly<Record<string, Field>>;

const PYTHON_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for ' +
    'from global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

const defaultInstructions = (inputs: FieldMap, outputs: FieldMap): string => {
  const names = (fields: FieldMap) =>
    Object.keys(fields)
      .map((name) => `\`${name}\``)
      .join(', ');
  return `Given the fields ${names(inputs)}, produce the fields ${names(outputs)}.`;
};

const checkName = (name: string, source: string): void => {
  if (!IDENTIFIER.test(name) || PYTHON_KEYWORDS.has(name)) {
    throw new SignatureError(
      `Invalid field name '${name}' in signature '${source}': names must be identifiers ` +
        '(a letter or underscore, then letters, digits or underscores) and not a Python keyword.',
    );
  }
};

/** Splits on commas outside brackets and quotes. */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
};

const parseSide = (
  side: string,
  io: FieldIO,
  source: string,
  customTypes: CustomTypes,
): [string, Field][] => {
  const items = splitTopLevel(side);
  // One trailing comma is accepted, as in a Python parameter list.
  if (items.length > 1 && items[items.length - 1]!.trim() === '') items.pop();
  if (items.length === 1 && items[0]!.trim() === '') return [];
  const seen = new Set<string>();
  return items.map((raw) => {
    const item = raw.trim();
    if (item === '')
      throw new SignatureError(`Empty field in signature '${source}': remove the extra comma.`);
    if (item.startsWith('*')) {
      throw new SignatureError(
        `Unsupported '${item}' in signature '${source}': *args and keyword markers are not fields.`,
      );
    }
    const colon = item.indexOf(':');
    const name = (colon === -1 ? item : item.slice(0, colon)).trim();
    const typeText = colon === -1 ? undefined : item.slice(colon + 1).trim();
    if (name.includes('=') || typeText?.includes('=')) {
      throw new SignatureError(
        `Default values are not supported in signature strings ('${item}' in '${source}'); ` +
          'use InputField(schema, { default }) in the object form.',
      );
    }
    checkName(name, source);
    if (seen.has(name)) throw new SignatureError(`Duplicate field '${name}' in signature '${source}'.`);
    seen.add(name);
    if (typeText === undefined || typeText === '') {
      if (typeText === '')
        throw new SignatureError(`Missing type after '${name}:' in signature '${source}'.`);
      const resolved = resolveType({ kind: 'name', name: 'str' });
      return [name, nameField(name, { io, schema: resolved.schema, isTypeUndefined: io === 'input' }, 'str')];
    }
    const resolved = resolveType(parseTypeExpr(typeText), customTypes);
    return [name, nameField(name, { io, schema: resolved.schema }, resolved.typeName)];
  });
};

export interface SignatureOptions<C extends CustomTypes = CustomTypes> {
  instructions?: string | undefined;
  /** Type names used in the string mapped to zod schemas: `{ Person: PersonSchema }`. */
  customTypes?: C | undefined;
}

export interface SignatureDefinition<
  IS extends Record<string, FieldSpec> = Record<string, FieldSpec>,
  OS extends Record<string, FieldSpec> = Record<string, FieldSpec>,
> {
  instructions?: string | undefined;
  inputs: IS;
  outputs: OS;
}

type SpecValues<S extends Record<string, FieldSpec>> = { [K in keyof S]: z.output<S[K]['schema']> };

/** Patch for `withUpdatedFields`. */
export interface FieldPatch {
  desc?: string | undefined;
  prefix?: string | undefined;
  schema?: z.ZodType | undefined;
  typeName?: string | undefined;
}

/** DSPy-shaped saved state of a signature (names and types are not saved). */
export interface SignatureState {
  instructions: string;
  fields: { prefix: string; description: string }[];
}

/**
 * An ordered set of input and output fields plus instructions. Immutable: every operation returns
 * a new Signature. `I` and `O` are the value types of the inputs and outputs (inferred).
 */
export class Signature<I extends FieldValues = FieldValues, O extends FieldValues = FieldValues> {
  declare readonly _types?: { inputs: I; outputs: O };
  readonly instructions: string;
  readonly inputFields: FieldMap;
  readonly outputFields: FieldMap;

  constructor(options: {
    inputFields: FieldMap;
    outputFields: FieldMap;
    instructions?: string | undefined;
    /** Keep `instructions` byte for byte (no cleandoc, no default): used by field operations. */
    exactInstructions?: boolean | undefined;
  }) {
    const inputs = Object.freeze({ ...options.inputFields });
    const outputs = Object.freeze({ ...options.outputFields });
    const duplicates = Object.keys(inputs)
      .filter((name) => Object.hasOwn(outputs, name))
      .sort();
    if (duplicates.length > 0) {
      throw new SignatureError(
        `Input and output fields must have distinct names, but found duplicates: '${duplicates.join(', ')}'.`,
      );
    }
    this.inputFields = inputs;
    this.outputFields = outputs;
    // DSPy: a falsy docstring ("" included) gets the default text, computed once, here.
    this.instructions =
      options.exactInstructions && options.instructions !== undefined
        ? options.instructions
        : options.instructions
          ? cleandoc(options.instructions)
          : defaultInstructions(inputs, outputs);
    Object.freeze(this);
  }

  /** Inputs first, then outputs, each in declaration order. */
  get fields(): FieldMap {
    return { ...this.inputFields, ...this.outputFields };
  }

  /** The text form: `context, question -> answer`. */
  toString(): string {
    return `${Object.keys(this.inputFields).join(', ')} -> ${Object.keys(this.outputFields).join(', ')}`;
  }

  private rebuild(
    inputFields: FieldMap,
    outputFields: FieldMap,
    instructions = this.instructions,
  ): Signature {
    // Field edits keep the existing instruction text (never recomputed), as DSPy does.
    return new Signature({ inputFields, outputFields, instructions, exactInstructions: true });
  }

  withInstructions(instructions: string): Signature<I, O> {
    return new Signature({
      inputFields: this.inputFields,
      outputFields: this.outputFields,
      instructions,
    }) as Signature<I, O>;
  }

  appendInstructions(text: string): Signature<I, O> {
    return this.withInstructions(`${this.instructions}\n\n${text}`);
  }

  append<N extends string, S extends z.ZodType, IO extends FieldIO>(
    name: N,
    field: FieldSpec<S, IO>,
  ): IO extends 'input'
    ? Signature<I & Record<N, z.output<S>>, O>
    : Signature<I, O & Record<N, z.output<S>>> {
    return this.insert(-1, name, field) as never;
  }

  prepend<N extends string, S extends z.ZodType, IO extends FieldIO>(
    name: N,
    field: FieldSpec<S, IO>,
  ): IO extends 'input'
    ? Signature<I & Record<N, z.output<S>>, O>
    : Signature<I, O & Record<N, z.output<S>>> {
    return this.insert(0, name, field) as never;
  }

  /** Inserts into the field's group; -1 means after the last. Existing names are an error. */
  insert(index: number, name: string, field: FieldSpec | Field): Signature {
    checkName(name, String(this));
    if (Object.hasOwn(this.inputFields, name) || Object.hasOwn(this.outputFields, name)) {
      throw new SignatureError(
        `Field '${name}' already exists in signature '${this}'; delete it first or use withUpdatedFields.`,
      );
    }
    const group = field.io === 'input' ? this.inputFields : this.outputFields;
    const entries = Object.entries(group);
    const adjusted = index < 0 ? index + entries.length + 1 : index;
    if (adjusted < 0 || adjusted > entries.length) {
      throw new SignatureError(
        `Invalid index to insert: ${adjusted}, index must be in the range of [${entries.length - 1}, ${entries.length}] ` +
          `for ${field.io} fields, but received: ${adjusted}.`,
      );
    }
    const named = 'name' in field && field.name === name ? field : nameField(name, field);
    entries.splice(adjusted, 0, [name, named]);
    const updated = Object.fromEntries(entries);
    return field.io === 'input'
      ? this.rebuild(updated, this.outputFields)
      : this.rebuild(this.inputFields, updated);
  }

  /** Removes a field; a missing name is not an error (as in DSPy). */
  delete(name: string): Signature {
    const without = (fields: FieldMap) =>
      Object.fromEntries(Object.entries(fields).filter(([key]) => key !== name));
    return this.rebuild(without(this.inputFields), without(this.outputFields));
  }

  withUpdatedFields(name: string, patch: FieldPatch): Signature<I, O> {
    const field = this.fields[name];
    if (!field) throw new SignatureError(`No field '${name}' in signature '${this}'.`);
    const updated: Field = nameField(name, {
      io: field.io,
      schema: patch.schema ?? field.schema,
      desc: patch.desc ?? field.desc,
      prefix: patch.prefix ?? field.prefix,
      typeName: patch.typeName ?? (patch.schema ? undefined : field.typeName),
      isTypeUndefined: patch.schema ? false : field.isTypeUndefined,
      hasDefault: field.hasDefault,
      default: field.default,
    });
    const replace = (fields: FieldMap) =>
      Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, key === name ? updated : value]));
    return this.rebuild(replace(this.inputFields), replace(this.outputFields)) as Signature<I, O>;
  }

  /** DSPy's `equals`: same instructions, same names, same metadata per name (types and order ignored). */
  equals(other: Signature): boolean {
    if (this.instructions !== other.instructions) return false;
    const mine = this.fields;
    const theirs = other.fields;
    const names = Object.keys(mine);
    if (names.length !== Object.keys(theirs).length) return false;
    return names.every((name) => {
      const a = mine[name]!;
      const b = theirs[name];
      return (
        b !== undefined &&
        a.io === b.io &&
        a.desc === b.desc &&
        a.prefix === b.prefix &&
        a.constraints === b.constraints &&
        a.isTypeUndefined === b.isTypeUndefined
      );
    });
  }

  dumpState(): SignatureState {
    return {
      instructions: this.instructions,
      fields: Object.values(this.fields).map((field) => ({ prefix: field.prefix, description: field.desc })),
    };
  }

  /** Instructions and, positionally, each field's prefix and description from a saved state. */
  loadState(state: SignatureState): Signature<I, O> {
    const saved = state.fields;
    let position = 0;
    const apply = (fields: FieldMap) =>
      Object.fromEntries(
        Object.entries(fields).map(([name, field]) => {
          const entry = saved[position++];
          return [name, entry ? { ...field, prefix: entry.prefix, desc: entry.description } : field];
        }),
      );
    const inputs = apply(this.inputFields);
    const outputs = apply(this.outputFields);
    return this.rebuild(inputs, outputs, state.instructions) as Signature<I, O>;
  }
}

type AnySignature = Signature<FieldValues, FieldValues>;

/**
 * Builds a signature from a DSPy string (`'context: list[str], question -> answer: int'`) or from
 * zod fields (`{ inputs: { review: InputField(z.string()) }, outputs: {...} }`).
 */
export function signature<const S extends string, const C extends CustomTypes = Record<never, never>>(
  text: S,
  options?: string | SignatureOptions<C>,
): Signature<ParseInputs<S, C>, ParseOutputs<S, C>>;
export function signature<
  IS extends Record<string, FieldSpec<z.ZodType, 'input'>>,
  OS extends Record<string, FieldSpec<z.ZodType, 'output'>>,
>(definition: SignatureDefinition<IS, OS>): Signature<SpecValues<IS>, SpecValues<OS>>;
export function signature<I extends FieldValues, O extends FieldValues>(
  sig: Signature<I, O>,
): Signature<I, O>;
export function signature(
  source: string | SignatureDefinition | AnySignature,
  options?: string | SignatureOptions,
): AnySignature {
  if (source instanceof Signature) {
    if (options !== undefined) {
      throw new SignatureError("Don't specify instructions when initializing with a Signature");
    }
    return source;
  }
  if (typeof source === 'string') return parseSignature(source, options);
  if (typeof source !== 'object' || source === null || !('inputs' in source) || !('outputs' in source)) {
    throw new SignatureError(
      'signature() expects a string like "question -> answer" or { inputs, outputs, instructions? }.',
    );
  }
  const build = (specs: Record<string, FieldSpec>, io: FieldIO): Record<string, Field> =>
    Object.fromEntries(
      Object.entries(specs).map(([name, spec]) => {
        checkName(name, 'object signature');
        if (spec?.io !== io) {
          throw new SignatureError(
            `Field \`${name}\` must be declared with ${io === 'input' ? 'InputField' : 'OutputField'} in \`${io}s\`.`,
          );
        }
        return [name, nameField(name, spec)];
      }),
    );
  return new Signature({
    inputFields: build(source.inputs, 'input'),
    outputFields: build(source.outputs, 'output'),
    instructions: source.instructions,
  });
}

function parseSignature(text: string, options?: string | SignatureOptions): AnySignature {
  if (typeof text !== 'string' || text.split('->').length !== 2) {
    throw new SignatureError(`Invalid signature format: '${text}', must contain exactly one '->'.`);
  }
  const [left, right] = text.split('->') as [string, string];
  const resolved = typeof options === 'string' ? { instructions: options } : (options ?? {});
  const customTypes = resolved.customTypes ?? {};
  const outputs = parseSide(right, 'output', text, customTypes);
  // Python accepts it, but a predictor without outputs can only return an empty Prediction.
  if (outputs.length === 0) {
    throw new SignatureError(
      `Signature '${text}' has no output fields: name at least one after '->' (e.g. '${left.trim() || 'question'} -> answer').`,
    );
  }
  return new Signature({
    inputFields: Object.fromEntries(parseSide(left, 'input', text, customTypes)),
    outputFields: Object.fromEntries(outputs),
    instructions: resolved.instructions,
  });
}

/** Accepts a Signature or a string and returns a Signature (what Predict's constructor does). */
export const ensureSignature = (value: string | AnySignature): AnySignature =>
  typeof value === 'string' ? parseSignature(value) : value;
