import { DspyError, InputError } from '../errors.js';
import type { Usage } from '../lm/types.js';
import { Example, type ExampleData } from './example.js';

/** All choices of an n > 1 call: `completions.answer` is every choice's answer, `at(i)` one choice. */
export class Completions {
  readonly [field: string]: unknown;
  readonly #choices: readonly ExampleData[];

  constructor(choices: readonly ExampleData[]) {
    this.#choices = Object.freeze(choices.map((choice) => Object.freeze({ ...choice })));
    const keys = new Set(choices.flatMap((choice) => Object.keys(choice)));
    for (const key of keys) {
      if (key in this) continue;
      Object.defineProperty(this, key, {
        value: Object.freeze(this.#choices.map((choice) => choice[key])),
        enumerable: true,
      });
    }
    Object.freeze(this);
  }

  /** From a list of per-choice objects, or a map field -> list of values (all lists the same length). */
  static from(value: readonly ExampleData[] | Readonly<Record<string, readonly unknown[]>>): Completions {
    if (Array.isArray(value)) return new Completions(value);
    const entries = Object.entries(value as Record<string, readonly unknown[]>);
    if (!entries.every(([, list]) => Array.isArray(list))) throw new DspyError('All values must be lists');
    const lengths = new Set(entries.map(([, list]) => list.length));
    if (lengths.size > 1) throw new DspyError('All lists must have the same length');
    const count = entries[0]?.[1].length ?? 0;
    return new Completions(
      Array.from({ length: count }, (_, i) =>
        Object.fromEntries(entries.map(([key, list]) => [key, list[i]])),
      ),
    );
  }

  get length(): number {
    return this.#choices.length;
  }

  /** Choice `index` as a Prediction. */
  at(index: number): Prediction {
    const choice = this.#choices[index];
    if (!choice) throw new RangeError('Index out of range');
    return new Prediction(choice);
  }

  get(field: string): unknown[] {
    return this.#choices.map((choice) => choice[field]);
  }

  toArray(): ExampleData[] {
    return this.#choices.map((choice) => ({ ...choice }));
  }
}

interface PredictionExtras {
  completions?: Completions | undefined;
  usage?: Record<string, Usage> | undefined;
}

// Outside the class for the same reason as Example's internals: Prediction types stay structural.
const extras = new WeakMap<Prediction, PredictionExtras>();

const extrasOf = (prediction: Prediction): PredictionExtras => {
  let found = extras.get(prediction);
  if (!found) {
    found = {};
    extras.set(prediction, found);
  }
  return found;
};

/** A module's output: an Example with the completions of every choice and the LM usage. */
export class Prediction extends Example {
  constructor(values: ExampleData | Example = {}, overrides: ExampleData = {}) {
    super(values, overrides);
    if (new.target === Prediction) Object.freeze(this);
  }

  /** Choice 0's values become the Prediction's own; every choice is kept in `completions`. */
  static fromCompletions(
    value: readonly ExampleData[] | Readonly<Record<string, readonly unknown[]>>,
  ): Prediction {
    const completions = Completions.from(value);
    const prediction = new Prediction(completions.length > 0 ? completions.toArray()[0] : {});
    extrasOf(prediction).completions = completions;
    return prediction;
  }

  get completions(): Completions {
    const own = extrasOf(this);
    own.completions ??= new Completions([this.toRecord()]);
    return own.completions;
  }

  /** Token usage by model name, when usage tracking was on for the call. */
  getLmUsage(): Record<string, Usage> | undefined {
    return extras.get(this)?.usage;
  }

  setLmUsage(usage: Record<string, Usage> | undefined): void {
    extrasOf(this).usage = usage;
  }

  /**
   * The value of field `key`. A name that is not a field throws with the fields there are (as
   * Python's attribute access does), unless a `fallback` is given.
   */
  override get(key: string, ...fallback: [unknown?]): unknown {
    if (this.has(key) || fallback.length > 0) return super.get(key, fallback[0]);
    throw new InputError(
      `'Prediction' object has no attribute '${key}'. Its fields: ${this.keys().join(', ') || '(none)'}.`,
    );
  }

  override inputs(): this {
    throw new DspyError('A Prediction has no input keys.');
  }
}
