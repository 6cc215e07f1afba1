import { type Module, Signature } from '@dspy-ts/core';
import type { z } from 'zod';

/** Field name -> schema, for writing turn values with Python's types (`1.0` for a float). */
export type FieldTypes = Readonly<Record<string, { readonly schema: z.ZodType }>>;

/**
 * The types of the values a session records, from the signatures of the wrapped program's
 * predictors. A turn holds the program's inputs and final outputs by name, not by predictor, so a
 * name two predictors type differently is left out (its values are written as they are).
 */
export function fieldTypesOf(module: Module<never, unknown>): FieldTypes {
  const types = new Map<string, { schema: z.ZodType; typeName: string }>();
  const conflicting = new Set<string>();
  for (const [, predictor] of module.namedPredictors()) {
    const signature = (predictor as { signature?: unknown }).signature;
    if (!(signature instanceof Signature)) continue;
    for (const [name, field] of Object.entries(signature.fields)) {
      const known = types.get(name);
      if (known === undefined) types.set(name, field);
      else if (known.typeName !== field.typeName) conflicting.add(name);
    }
  }
  return Object.fromEntries([...types].filter(([name]) => !conflicting.has(name)));
}
