import { hasCallbacks, withCallbacks } from '../callbacks/dispatch.js';
import type { Callback } from '../callbacks/types.js';
import { ConfigurationError, DspyError } from '../errors.js';
import type { LanguageModel } from '../lm/types.js';
import { isTrackingUsage, trackUsage } from '../lm/usage-tracker.js';
import { settings } from '../settings.js';
import { loadProgram, saveProgram } from './program-file.js';

/** Marks a learnable leaf (Predict). Discovery reports these; it never looks inside them. */
export const PARAMETER = Symbol.for('dspy-ts.parameter');

/** What a predictor exposes to Module (Predict implements it; kept structural to avoid an import cycle). */
export interface Parameter {
  readonly [PARAMETER]: true;
  lm: LanguageModel | undefined;
  reset(): void;
  dumpState(): Record<string, unknown>;
  loadState(state: Record<string, unknown>, options?: LoadStateOptions): unknown;
}

export interface LoadStateOptions {
  /** Keep LM keys like base_url from a saved file (only for trusted files). */
  allowUnsafeLmState?: boolean | undefined;
}

export const isParameter = (value: unknown): value is Parameter =>
  typeof value === 'object' && value !== null && (value as Partial<Parameter>)[PARAMETER] === true;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** Keys of the base class that discovery and copying treat as bookkeeping, not children. */
const OWN_STATE = new Set(['callbacks', 'compiled']);

export type ProgramState = Record<string, unknown>;

type AnyForward = { forward(inputs: never): Promise<unknown> };
/** The input type of a module's own `forward`. */
export type ForwardInput<T> = T extends { forward(inputs: infer I): Promise<unknown> } ? I : never;
/** The resolved output type of a module's own `forward`. */
export type ForwardOutput<T> = T extends AnyForward ? Awaited<ReturnType<T['forward']>> : never;

/**
 * The base of every program. Subclasses assign predictors and sub-modules as properties and
 * implement `forward`; `call` runs callbacks and then `forward`.
 */
export abstract class Module<In = Record<string, unknown>, Out = unknown> {
  callbacks: Callback[] = [];
  /** A compiled sub-module is frozen: optimizers and discovery skip its predictors. */
  compiled = false;

  abstract forward(inputs: In): Promise<Out>;

  /** Runs the callbacks around `forward`. Typed from the subclass's own `forward`. */
  call<T extends Module<In, Out>>(this: T, inputs: ForwardInput<T>): Promise<ForwardOutput<T>> {
    if (!hasCallbacks(this.callbacks)) return runForward(this, inputs);
    return withCallbacks('Module', this, { kwargs: inputs }, () => runForward(this, inputs), this.callbacks);
  }

  /** Alias of `call`, kept for parity with DSPy's `acall`. */
  acall<T extends Module<In, Out>>(this: T, inputs: ForwardInput<T>): Promise<ForwardOutput<T>> {
    return this.call(inputs);
  }

  /** Alias of `forward`, kept for parity with DSPy's `aforward`. */
  aforward(inputs: In): Promise<Out> {
    return this.forward(inputs);
  }

  /** Every predictor with DSPy's path names: `gen`, `agent.gen`, `tools[0]`, `by_name['x']`; `self` for a bare Predict. */
  namedParameters(): [string, Parameter][] {
    const found: [string, Parameter][] = [];
    const seen = new Set<object>();
    const add = (name: string, value: Parameter) => {
      if (seen.has(value)) return;
      seen.add(value);
      found.push([name, value]);
    };
    const visitModule = (module: object, prefix: string) => {
      for (const [key, value] of Object.entries(module)) {
        if (OWN_STATE.has(key)) continue;
        visitValue(value, prefix ? `${prefix}.${key}` : key, true);
      }
    };
    const visitValue = (value: unknown, name: string, descendContainers: boolean) => {
      if (isParameter(value)) add(name, value);
      else if (value instanceof Module) {
        if (!value.compiled && !seen.has(value)) {
          seen.add(value);
          visitModule(value, name);
        }
      } else if (!descendContainers) {
        // DSPy does not search lists inside lists.
      } else if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) visitValue(item, `${name}[${i}]`, false);
      } else if (value instanceof Map) {
        for (const [key, item] of value) visitValue(item, `${name}['${String(key)}']`, false);
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) visitValue(item, `${name}['${key}']`, false);
      }
    };
    if (isParameter(this)) add('self', this);
    seen.add(this);
    visitModule(this, '');
    return found;
  }

  namedPredictors(): [string, Parameter][] {
    return this.namedParameters();
  }

  predictors(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Breadth-first walk of every module: the root is `self`, children `self.agent`, `self.tools[0]`. */
  namedSubModules(options: { skipCompiled?: boolean } = {}): [string, Module][] {
    const result: [string, Module][] = [];
    const seen = new Set<object>();
    const queue: [string, unknown][] = [['self', this]];
    while (queue.length > 0) {
      const [name, value] = queue.shift()!;
      if (value instanceof Module) {
        if (seen.has(value)) continue;
        seen.add(value);
        result.push([name, value]);
        if (options.skipCompiled && value.compiled) continue;
        for (const [key, child] of Object.entries(value)) {
          if (!OWN_STATE.has(key)) queue.push([`${name}.${key}`, child]);
        }
      } else if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) queue.push([`${name}[${i}]`, item]);
      } else if (value instanceof Map) {
        for (const [key, item] of value) queue.push([`${name}[${String(key)}]`, item]);
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) queue.push([`${name}[${key}]`, item]);
      }
    }
    return result;
  }

  /** Replaces every named predictor with `fn(predictor)` at its path. */
  mapNamedPredictors(fn: (predictor: Parameter, name: string) => Parameter): this {
    for (const [name, predictor] of this.namedParameters()) {
      if (name === 'self') continue;
      setAtPath(this, name, fn(predictor, name));
    }
    return this;
  }

  setLm(lm: LanguageModel | undefined): void {
    for (const predictor of this.predictors()) predictor.lm = lm;
  }

  getLm(): LanguageModel | undefined {
    const lms = new Set(this.predictors().map((p) => p.lm));
    if (lms.size > 1) {
      throw new ConfigurationError(
        "Multiple LMs are being used in the module. There's no unique LM to return.",
      );
    }
    return [...lms][0];
  }

  /**
   * An independent copy of the module tree: modules, arrays, maps and plain objects are copied,
   * aliasing inside the tree is kept. Signatures, Examples and LM clients are shared (they are
   * immutable values or clients; DSPy deep-copies LMs too, which only duplicates connections).
   */
  deepCopy(): this {
    return cloneTree(this, new Map()) as this;
  }

  /** `deepCopy()` then `reset()` on every predictor (no LM, no demos). */
  resetCopy(): this {
    const copy = this.deepCopy();
    for (const predictor of copy.predictors()) predictor.reset();
    return copy;
  }

  /** DSPy's state: `{ [predictorName]: predictorState }`; a bare Predict is saved flat. */
  dumpState(): ProgramState {
    const named = this.namedParameters();
    if (named.length === 1 && named[0]![0] === 'self') return named[0]![1].dumpState();
    return Object.fromEntries(named.map(([name, predictor]) => [name, predictor.dumpState()]));
  }

  /** Applies a saved state all-or-nothing: a bad state leaves this module untouched. */
  loadState(state: ProgramState, options: LoadStateOptions = {}): this {
    if (!isPlainObject(state))
      throw new DspyError('A program state must be a JSON object keyed by predictor names.');
    const apply = (target: { namedParameters(): [string, Parameter][] }) => {
      for (const [name, predictor] of target.namedParameters()) {
        const entry = name === 'self' ? state : state[name];
        if (!isPlainObject(entry)) {
          throw new DspyError(
            `The saved state has no entry for predictor '${name}' (found: ${Object.keys(state).join(', ') || 'none'}).`,
          );
        }
        predictor.loadState(entry, options);
      }
    };
    apply(this.deepCopy());
    apply(this);
    return this;
  }

  /** Writes `dumpState()` plus version metadata as DSPy-shaped JSON (atomic write). */
  save(path: string): Promise<void> {
    return saveProgram(this, path);
  }

  /** Loads a program file saved by dspy-ts or by Python DSPy. */
  async load(path: string, options: LoadStateOptions = {}): Promise<this> {
    await loadProgram(this, path, { ...options, warn: (message) => settings.logger.warn(message) });
    return this;
  }
}

/**
 * `forward`, summing LM usage when `trackUsage` is on and no enclosing call tracks it. Always a
 * promise: a `forward` that throws synchronously rejects, as it did when `call` was an async function.
 */
function runForward<T extends AnyForward>(module: T, inputs: unknown): Promise<ForwardOutput<T>> {
  try {
    const tracked = settings.trackUsage && !isTrackingUsage();
    if (tracked) return withUsage(() => module.forward(inputs as never) as Promise<ForwardOutput<T>>);
    return Promise.resolve(module.forward(inputs as never) as Promise<ForwardOutput<T>>);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A top-level call under `trackUsage`: sums every LM's usage and attaches it to the Prediction. */
async function withUsage<R>(run: () => Promise<R>): Promise<R> {
  const { result, usage } = await trackUsage(run);
  const target = result as { setLmUsage?: (usage: Record<string, unknown>) => void } | null;
  if (typeof target?.setLmUsage === 'function') target.setLmUsage(usage);
  return result;
}

const isCloneable = (value: unknown): value is object =>
  value instanceof Module || Array.isArray(value) || value instanceof Map || isPlainObject(value);

function cloneTree(value: unknown, memo: Map<object, unknown>): unknown {
  if (!isCloneable(value)) return value;
  const known = memo.get(value);
  if (known !== undefined) return known;
  // A nested module that defines its own deepCopy (e.g. one keeping #private state, like a
  // Session) is copied by it, as Python's deepcopy honors a nested __deepcopy__.
  if (memo.size > 0 && value instanceof Module && value.deepCopy !== Module.prototype.deepCopy) {
    const copy = value.deepCopy();
    memo.set(value, copy);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    memo.set(value, copy);
    for (const item of value) copy.push(cloneTree(item, memo));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    memo.set(value, copy);
    for (const [k, v] of value) copy.set(k, cloneTree(v, memo));
    return copy;
  }
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string | symbol, unknown>;
  memo.set(value, copy);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if ('value' in descriptor) descriptor.value = cloneTree(descriptor.value, memo);
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}

/** Sets `root.<path>` where path uses DSPy's names (`a.b`, `tools[0]`, `by_name['x']`). */
function setAtPath(root: object, path: string, value: unknown): void {
  const parts = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  let target: unknown = root;
  for (const part of parts.slice(0, -1)) {
    target = target instanceof Map ? target.get(part) : (target as Record<string, unknown>)[part];
  }
  const last = parts[parts.length - 1]!;
  if (target instanceof Map) target.set(last, value);
  else (target as Record<string, unknown>)[last] = value;
}
