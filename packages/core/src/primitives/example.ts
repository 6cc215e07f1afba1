import { InputError } from '../errors.js';
import { pyRepr, pyStringRepr } from '../python/repr.js';

export type ExampleData = Record<string, unknown>;

const isHidden = (key: string): boolean => key.startsWith('dspy_');

/** Plain data for JSON and saved files: nested Examples, History and `toJSON` values become plain. */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Example) return value.toDict();
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return toPlain((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v)]));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
}

interface ExampleInternals {
  store: Readonly<ExampleData>;
  inputKeys: ReadonlySet<string> | undefined;
}

// Kept out of the class (no `#private` or `protected` members) so Example types are structural:
// a typed Prediction without the string index signature stays assignable to `Prediction`.
const internals = new WeakMap<Example, ExampleInternals>();

const own = (example: Example): ExampleInternals => {
  const found = internals.get(example);
  if (!found) throw new TypeError('Not an Example built by its constructor.');
  return found;
};

/** A copy of `example` (same class) holding `values` with input keys `inputKeys`. */
function remake<T extends Example>(
  example: T,
  values: ExampleData,
  inputKeys: ReadonlySet<string> | undefined,
): T {
  const Ctor = example.constructor as new (base: ExampleData) => T;
  const copy = new Ctor(values);
  own(copy).inputKeys = inputKeys;
  return copy;
}

/**
 * A record of named values plus an optional set of input keys. Fields are readable as properties
 * (`ex.question`) and through `get`. Immutable: `with*`, `copy` and `without` return new Examples.
 */
export class Example {
  readonly [field: string]: unknown;

  constructor(base: ExampleData | Example = {}, overrides: ExampleData = {}) {
    const values = base instanceof Example ? base.toRecord() : base;
    const store = Object.freeze({ ...values, ...overrides });
    internals.set(this, { store, inputKeys: undefined });
    for (const key of Object.keys(store)) {
      // Methods win over fields of the same name (as in DSPy, where attributes shadow __getattr__).
      if (key in this) continue;
      Object.defineProperty(this, key, { value: store[key], enumerable: true, writable: false });
    }
    if (new.target === Example) Object.freeze(this);
  }

  /** The stored values (hidden `dspy_` keys included), without conversion. */
  toRecord(): ExampleData {
    return { ...own(this).store };
  }

  get inputKeys(): ReadonlySet<string> | undefined {
    return own(this).inputKeys;
  }

  get(key: string, fallback?: unknown): unknown {
    const { store } = own(this);
    return Object.hasOwn(store, key) ? store[key] : fallback;
  }

  has(key: string): boolean {
    return Object.hasOwn(own(this).store, key);
  }

  keys(includeDspy = false): string[] {
    return Object.keys(own(this).store).filter((key) => includeDspy || !isHidden(key));
  }

  values(includeDspy = false): unknown[] {
    const { store } = own(this);
    return this.keys(includeDspy).map((key) => store[key]);
  }

  items(includeDspy = false): [string, unknown][] {
    const { store } = own(this);
    return this.keys(includeDspy).map((key) => [key, store[key]]);
  }

  get length(): number {
    return this.keys().length;
  }

  /** Plain data, hidden keys included; nested Examples and History become plain objects. */
  toDict(): ExampleData {
    return toPlain(own(this).store) as ExampleData;
  }

  toJSON(): ExampleData {
    return this.toDict();
  }

  /** A copy whose input keys are exactly `keys` (they need not exist). */
  withInputs(...keys: string[]): this {
    return remake(this, own(this).store, new Set(keys));
  }

  /** Only the stored input keys, in store order; keeps the input-key set. */
  inputs(): this {
    const keys = requireInputKeys(this);
    const values = Object.fromEntries(Object.entries(own(this).store).filter(([key]) => keys.has(key)));
    return remake(this, values, keys);
  }

  /** Every stored key that is not an input key; no input keys. */
  labels(): this {
    const keys = requireInputKeys(this);
    return remake(
      this,
      Object.fromEntries(Object.entries(own(this).store).filter(([key]) => !keys.has(key))),
      undefined,
    );
  }

  /** Copy with `patch` applied. Input keys are kept (Python drops them; keeping them is harmless and less surprising). */
  copy(patch: ExampleData = {}): this {
    return remake(this, { ...own(this).store, ...patch }, own(this).inputKeys);
  }

  /** Copy without `keys`; a missing key is an InputError. */
  without(...keys: string[]): this {
    const missing = keys.filter((key) => !Object.hasOwn(own(this).store, key));
    if (missing.length > 0)
      throw new InputError(`Example has no key(s) ${missing.map((k) => `'${k}'`).join(', ')}.`);
    return remake(
      this,
      Object.fromEntries(Object.entries(own(this).store).filter(([key]) => !keys.includes(key))),
      own(this).inputKeys,
    );
  }

  /** Equal when the stored values are equal (input keys ignored). */
  equals(other: unknown): boolean {
    return other instanceof Example && JSON.stringify(this.toDict()) === JSON.stringify(other.toDict());
  }

  toString(): string {
    const shown = Object.fromEntries(this.items());
    const { inputKeys } = own(this);
    const keys = inputKeys ? `{${[...inputKeys].map(pyStringRepr).join(', ')}}` : 'None';
    // Python's repr: `Example({'question': "it's"}) (input_keys={'question'})`.
    return `${this.constructor.name}(${pyRepr(shown)}) (input_keys=${keys})`;
  }
}

function requireInputKeys(example: Example): ReadonlySet<string> {
  const keys = own(example).inputKeys;
  if (!keys) {
    throw new InputError(
      'Inputs have not been set for this example. Use `example.with_inputs()` to set them.',
    );
  }
  return keys;
}
