import { type Field, History, type Signature } from '@dspy-ts/core';
import type { z } from 'zod';

type ZodInternals = {
  _zod: { def: { type: string; [key: string]: unknown }; bag?: { Class?: unknown } };
};

const internals = (schema: z.ZodType): ZodInternals['_zod'] => (schema as unknown as ZodInternals)._zod;
const historyDef = internals(History.schema).def;

/** 'exact' for History itself, 'subclass' for a subclass of History, undefined otherwise. */
type HistoryKind = 'exact' | 'subclass' | undefined;

function kindOf(schema: z.ZodType, depth = 0): HistoryKind {
  if (depth > 20) return undefined;
  const zod = internals(schema);
  const def = zod.def;
  // `.describe()`/`.meta()` clone a schema but keep its definition object: an annotated History.
  if (schema === History.schema || def === historyDef) return 'exact';
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return kindOf(def.innerType as z.ZodType, depth + 1);
    case 'pipe':
      return kindOf(def.in as z.ZodType, depth + 1);
    case 'union': {
      const kinds = (def.options as z.ZodType[]).map((option) => kindOf(option, depth + 1));
      return kinds.includes('exact') ? 'exact' : kinds.includes('subclass') ? 'subclass' : undefined;
    }
    case 'custom': {
      // `z.instanceof(Cls)` records the class: History or one of its subclasses counts.
      const cls = zod.bag?.Class;
      if (cls === History) return 'exact';
      if (typeof cls === 'function' && cls.prototype instanceof History) return 'subclass';
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Whether a field's declared type is History-like: History itself, through
 * optional/nullable wrappers, unions and annotations; a History subclass (`z.instanceof(MyHistory)`)
 * counts too unless `strict`. Detection is by type, never by name.
 */
export function isHistoryLike(field: Field, strict: boolean): boolean {
  if (field.isHistory) return true;
  const kind = kindOf(field.schema);
  return kind === 'exact' || (kind === 'subclass' && !strict);
}

/** The first input field (declaration order) whose type is History-like. */
export function findHistoryField(signature: Signature, strict: boolean): Field | undefined {
  return Object.values(signature.inputFields).find((field) => isHistoryLike(field, strict));
}
