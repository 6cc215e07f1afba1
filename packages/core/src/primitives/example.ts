import { InputError } from '../errors.js';

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

/**
 * A record of named values plus an optional set of input keys. Fields are readable as properties
 * (`ex.question`) and through `get`. Immutable: `with*`, `copy` and `without` return new Examples.
 */
export class Example {
  readonly [field: string]: unknown;
  #store: Readonly<ExampleData>;
  #inputKeys: ReadonlySet<string> | undefined;

  constructor(base: ExampleData | Example = {}, overrides: ExampleData = {}) {
    const values = base instanceof Example ? base.toRecord() : base;
    this.#store = Object.freeze({ ...values, ...overrides });
    this.#inputKeys = undefined;
    for (const key of Object.keys(this.#store)) {
      // Methods win over fields of the same name (as in DSPy, where attributes shadow __getattr__).
      if (key in this) continue;
      Object.defineProperty(this, key, { value: this.#store[key], enumerable: true, writable: false });
    }
    if (new.target === Example) Object.freeze(this);
  }

  /** The stored values (hidden `dspy_` keys included), without conversion. */
  toRecord(): ExampleData {
    return { ...this.#store };
  }

  get inputKeys(): ReadonlySet<string> | undefined {
    return this.#inputKeys;
  }

  get(key: string, fallback?: unknown): unknown {
    return Object.hasOwn(this.#store, key) ? this.#store[key] : fallback;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#store, key);
  }

  keys(includeDspy = false): string[] {
    return Object.keys(this.#store).filter((key) => includeDspy || !isHidden(key));
  }

  values(includeDspy = false): unknown[] {
    return this.keys(includeDspy).map((key) => this.#store[key]);
  }

  items(includeDspy = false): [string, unknown][] {
    return this.keys(includeDspy).map((key) => [key, this.#store[key]]);
  }

  get length(): number {
    return this.keys().length;
  }

  /** Plain data, hidden keys included; nested Examples and History become plain objects. */
  toDict(): ExampleData {
    return toPlain(this.#store) as ExampleData;
  }

  toJSON(): ExampleData {
    return this.toDict();
  }

  protected make(values: ExampleData, inputKeys: ReadonlySet<string> | undefined): this {
    const Ctor = this.constructor as new (base: ExampleData) => this;
    const copy = new Ctor(values);
    // Private fields stay writable on a frozen object; the copy is ours until returned.
    (copy as Example).#inputKeys = inputKeys;
    return copy;
  }

  /** A copy whose input keys are exactly `keys` (they need not exist). */
  withInputs(...keys: string[]): this {
    return this.make(this.#store, new Set(keys));
  }

  #requireInputKeys(): ReadonlySet<string> {
    if (!this.#inputKeys) {
      throw new InputError(
        'Inputs have not been set for this example. Use `example.with_inputs()` to set them.',
      );
    }
    return this.#inputKeys;
  }

  /** Only the stored input keys, in store order; keeps the input-key set. */
  inputs(): this {
    const keys = this.#requireInputKeys();
    const values = Object.fromEntries(Object.entries(this.#store).filter(([key]) => keys.has(key)));
    return this.make(values, keys);
  }

  /** Every stored key that is not an input key; no input keys. */
  labels(): this {
    const keys = this.#requireInputKeys();
    return this.make(
      Object.fromEntries(Object.entries(this.#store).filter(([key]) => !keys.has(key))),
      undefined,
    );
  }

  /** Copy with `patch` applied. Input keys are kept (Python drops them; keeping them is harmless and less surprising). */
  copy(patch: ExampleData = {}): this {
    return this.make({ ...this.#store, ...patch }, this.#inputKeys);
  }

  /** Copy without `keys`; a missing key is an InputError. */
  without(...keys: string[]): this {
    const missing = keys.filter((key) => !Object.hasOwn(this.#store, key));
    if (missing.length > 0)
      throw new InputError(`Example has no key(s) ${missing.map((k) => `'${k}'`).join(', ')}.`);
    return this.make(
      Object.fromEntries(Object.entries(this.#store).filter(([key]) => !keys.includes(key))),
      this.#inputKeys,
    );
  }

  /** Equal when the stored values are equal (input keys ignored). */
  equals(other: unknown): boolean {
    return other instanceof Example && JSON.stringify(this.toDict()) === JSON.stringify(other.toDict());
  }

  toString(): string {
    const shown = Object.fromEntries(this.items());
    const keys = this.#inputKeys ? `{${[...this.#inputKeys].map((k) => `'${k}'`).join(', ')}}` : 'None';
    return `${this.constructor.name}(${JSON.stringify(shown)}) (input_keys=${keys})`;
  }
}
