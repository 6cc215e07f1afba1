/**
 * Where a caller's type says a number is a Python float, for writers that walk a value: the one
 * JavaScript number type cannot tell `1` from `1.0`, a declared type can. `T` is the caller's
 * own type description (the adapters pass their TypeInfo); the walkers follow it into lists
 * and dicts alongside the value.
 */
export interface FloatTypes<T> {
  /** True when a number of this type is a Python float. */
  isFloat(type: T): boolean;
  /** The type of a list's or tuple's item at `index`. */
  item(type: T, index: number): T | undefined;
  /** The type of a dict's value or a model's property at `key`. */
  property(type: T, key: string): T | undefined;
}

/** A value's declared type together with how to read it; both absent for untyped values. */
export interface Typed<T> {
  readonly type?: T | undefined;
  readonly types?: FloatTypes<T> | undefined;
}

const UNTYPED: Typed<never> = Object.freeze({});

export const itemTyped = <T>({ type, types }: Typed<T>, index: number): Typed<T> =>
  type === undefined || !types ? UNTYPED : { type: types.item(type, index), types };

export const propertyTyped = <T>({ type, types }: Typed<T>, key: string): Typed<T> =>
  type === undefined || !types ? UNTYPED : { type: types.property(type, key), types };

export const isFloatTyped = <T>({ type, types }: Typed<T>): boolean =>
  type !== undefined && (types?.isFloat(type) ?? false);
