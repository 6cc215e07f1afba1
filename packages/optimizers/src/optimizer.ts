import {
  type Callback,
  ConfigurationError,
  Example,
  InputError,
  type Module,
  type Prediction,
} from '@dspy-ts/core';
import { isObserving, withCallbacks } from '@dspy-ts/core/internal';

/** Any program an optimizer can compile or Evaluate can run: a Module (a Session is one). */
export type Program = Module<never, unknown>;

/** Options every optimizer's `compile` accepts. */
export interface CompileOptions<P extends Program = Program> {
  trainset: readonly Example[];
  /** Runs the training examples instead of a copy of the student (same structure required). */
  teacher?: P | undefined;
}

/** Callbacks for optimizer and Evaluate runs (kept as a name; every hook is on core's Callback). */
export type OptimizerCallback = Callback;

/**
 * Runs `fn` between the `on<Phase>Start` / `on<Phase>End` callbacks of `settings.callbacks`.
 * A run nested inside another run of the same instance (same async scope) does not emit again.
 */
export function withPhaseCallbacks<T>(
  phase: 'Compile' | 'Evaluate',
  instance: object,
  inputs: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  if (isObserving(phase, instance)) return fn();
  return withCallbacks(phase, instance, inputs, fn);
}

/** The base of every optimizer (DSPy's Teleprompter): `compile` returns a new program. */
export abstract class Optimizer {
  abstract compile<P extends Program>(student: P, options: CompileOptions<P>): Promise<P>;

  /** The optimizer's settings (DSPy's `get_params`). */
  getParams(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this).filter(([, value]) => typeof value !== 'function'));
  }
}

/** A compiled program is frozen: compiling it again would silently stack demos. */
export function assertUncompiled(program: Program): void {
  if (program.compiled) {
    throw new ConfigurationError(
      'Student must be uncompiled. Compile the original program, not the result of an earlier compile ' +
        '(every optimizer returns a new compiled program and leaves its student unchanged).',
    );
  }
}

/** Fails fast on a set that would fail example by example: non-Examples or Examples without input keys. */
export function checkExamples(
  name: string,
  examples: readonly unknown[],
): asserts examples is readonly Example[] {
  if (!Array.isArray(examples)) throw new InputError(`\`${name}\` must be an array of Examples.`);
  for (const [i, example] of examples.entries()) {
    if (!(example instanceof Example)) {
      throw new InputError(
        `${name}[${i}] is not an Example; build it with new Example({...}).withInputs(...).`,
      );
    }
    if (example.inputKeys === undefined) {
      throw new InputError(
        `${name}[${i}] has no input keys. Use \`example.withInputs('question', ...)\` to mark its inputs.`,
      );
    }
  }
}

/** Calls a program with an example's inputs (DSPy's `program(**example.inputs())`). */
export function runProgram(program: Program, example: Example): Promise<Prediction> {
  const call = program.call as unknown as (
    this: Program,
    inputs: Record<string, unknown>,
  ) => Promise<Prediction>;
  return call.call(program, example.inputs().toRecord());
}
