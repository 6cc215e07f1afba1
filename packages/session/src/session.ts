import {
  ConfigurationError,
  Example,
  type ForwardInput,
  type ForwardOutput,
  type History,
  InputError,
  Module,
  type StreamEvent,
  settings,
} from '@dspy-ts/core';
import { atomicWriteFile, withCallbacks, withFrame } from '@dspy-ts/core/internal';
import { activeStateOf, defaultStateOf, finalizeTree, setDefaultState, withBoundState } from './call-tree.js';
import { fieldTypesOf } from './field-types.js';
import { historySupplier } from './inject.js';
import { type Metric, scoreTurns, type ToExamplesOptions, turnsToExamples } from './linearize.js';
import { FifoLock } from './lock.js';
import {
  copyTreeRole,
  currentSessionCall,
  nodeConfig,
  type SessionCall,
  sessionCall,
} from './memory-context.js';
import {
  describeValue,
  type OnTurnOf,
  type ResolvedSessionOptionsOf,
  resolveOptions,
  type SessionOptionsOf,
  toSessionOptions,
} from './options.js';
import {
  buildSavedState,
  mergeLoadOptions,
  parseSavedState,
  restoreSaved,
  type SavedSessionState,
  savedStateText,
} from './persistence.js';
import { alignOptions, copyModule, prepareModule } from './prepare.js';
import { planRun, typeName } from './run-plan.js';
import { readJsonFile, SessionState } from './state.js';
import { beforeStreamedTurn, streamSession } from './stream.js';
import { extractOutputs, isPlainRecord, recordableInputs, type Turn } from './turn.js';
import { checkAddedTurn } from './turn-input.js';

export type SessionOptions = SessionOptionsOf<Session>;
export type ResolvedSessionOptions = ResolvedSessionOptionsOf<Session>;
export type OnTurn = OnTurnOf<Session>;

/** Any module, whatever its input and output types (a typed Predict included). */
export type AnyModule = Module<never, unknown>;

/**
 * What a session call takes: the wrapped module's inputs, with the history optional (the session
 * supplies it), plus an optional explicit History under the history field.
 */
export type SessionInputs<M> = Omit<ForwardInput<M>, 'history'> & {
  history?: History | null | undefined;
  [key: string]: unknown;
};

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * A conversational wrapper around a module: every call receives a History built from
 * the earlier calls and is recorded as a turn. A Session is itself a Module: its predictors are
 * `module` / `module.<path>` to optimizers, and a call with an explicit history under the default
 * `'override'` policy is a stateless pass-through (what optimizer replay needs).
 */
export class Session<M extends AnyModule = Module> extends Module<SessionInputs<M>, ForwardOutput<M>> {
  /** The wrapped copy of the module, prepared with a History input field on every predictor. */
  readonly module: M;
  #options: ResolvedSessionOptions;
  #lock = new FifoLock();

  constructor(module: M, options: SessionOptions = {}) {
    super();
    const resolved = resolveOptions<Session>(module, options);
    const copy = copyModule(module, resolved.copyMode);
    this.#options = alignOptions(resolved, prepareModule(copy, resolved));
    this.module = copy;
    setDefaultState(this, new SessionState({ initialHistory: resolved.initialHistory ?? null }));
  }

  /** The resolved, frozen options (historyField and excludeFields as aligned). */
  get options(): ResolvedSessionOptions {
    return this.#options;
  }

  /** The name of the History input field (a root predictor's own field name when it had one). */
  get historyField(): string {
    return this.#options.historyField;
  }

  /** The dotted path of this session in a withMemory tree (`'root'` for its root, `''` outside any tree). */
  get sessionPath(): string {
    return nodeConfig(this).sessionPath;
  }

  #historyOf(state: SessionState): History {
    return state.history(this.#options);
  }

  /** Records one call as a turn. Also `call`, `acall`, `aforward`. */
  override async forward(inputs: SessionInputs<M>): Promise<ForwardOutput<M>> {
    const record = inputs instanceof Example ? inputs.toRecord() : inputs;
    if (!isPlainRecord(record)) {
      throw new InputError(
        `A session call takes one record of inputs, e.g. session.call({ question: '...' }); got ${describeValue(inputs)}.`,
      );
    }
    const lock = this.#options.lock;
    if (lock === 'none') return this.#run(record);
    return this.#lock.runExclusive(this, lock, () => this.#run(record));
  }

  async #run(inputs: Readonly<Record<string, unknown>>): Promise<ForwardOutput<M>> {
    const frame = currentSessionCall();
    const node = nodeConfig(this);
    const state = activeStateOf(this);
    const { rest, runHistory, records, passThrough } = planRun({
      inputs,
      historyField: this.#options.historyField,
      policy: this.#options.historyPolicy,
      state,
      isolation: node.isolation,
      stateless: node.lifespan === 'stateless',
      outerHistory: frame?.outerHistory,
      historyOf: (target) => this.#historyOf(target),
    });
    try {
      return await this.#invoke(rest, state, runHistory, records, frame);
    } finally {
      if (!frame && !passThrough) await finalizeTree(this, state);
    }
  }

  async #invoke(
    rest: Record<string, unknown>,
    state: SessionState,
    runHistory: History,
    records: boolean,
    frame: SessionCall | undefined,
  ): Promise<ForwardOutput<M>> {
    const options = this.#options;
    const field = options.historyField;
    const module = this.module;
    const callInputs = { ...rest, [field]: runHistory };
    const published: SessionCall = {
      root: frame?.root ?? this,
      stack: [...(frame?.stack ?? []), this],
      currentHistory: runHistory,
      outerHistory: frame?.outerHistory ?? runHistory,
      nodeMemory: state.l2Memory,
    };
    const run = () =>
      withFrame({ supplyInputs: historySupplier(runHistory), ...sessionCall.patch(published) }, () =>
        module.call(callInputs as never),
      ) as Promise<ForwardOutput<M>>;
    if (!records) return run();
    let result: ForwardOutput<M> | undefined;
    const recordTurn = async (): Promise<Turn> => {
      result = await run();
      // Under session.stream the turn waits until the consumer takes the prediction (stream.ts).
      await beforeStreamedTurn(this);
      const turn = state.append(
        {
          inputs: recordableInputs(rest, module, field),
          outputs: extractOutputs(result, module),
          historySnapshot: runHistory,
        },
        options,
      );
      if (options.onTurn) await this.#notify(turn);
      return turn;
    };
    const turnInputs = {
      inputs: rest,
      turnIndex: state.nextIndex(options),
      conversationId: state.conversationId,
    };
    await withCallbacks('Turn', this, turnInputs, recordTurn);
    return result as ForwardOutput<M>;
  }

  async #notify(turn: Turn): Promise<void> {
    const onTurn = this.#options.onTurn;
    if (!onTurn) return;
    try {
      await onTurn(turn, this as Session);
    } catch (error) {
      settings.logger.warn(`on_turn callback error: ${errorMessage(error)}`);
    }
  }

  /** The recorded turns (a new array on each access; the Turn objects are the stored ones). */
  get turns(): readonly Turn[] {
    return activeStateOf(this).turns.slice();
  }

  /** The History the next call will see (built on each access). */
  get sessionHistory(): History {
    return this.#historyOf(activeStateOf(this));
  }

  /** Number of recorded turns (Python `len(session)`). */
  get length(): number {
    return activeStateOf(this).length;
  }

  /** Deletes all turns; the module, options, initial history and lock stay. */
  reset(): void {
    activeStateOf(this).reset();
  }

  /**
   * Appends a turn without calling the module: its snapshot is the current session history. The
   * records are copied, not filtered; no lock, no `onTurn`, no `maxStoredTurns` trim.
   */
  addTurn(turn: { inputs: Record<string, unknown>; outputs: Record<string, unknown> }): Turn {
    checkAddedTurn(turn, this.#options.historyField);
    const state = activeStateOf(this);
    const { inputs, outputs } = turn;
    const historySnapshot = this.#historyOf(state);
    return state.append(
      { inputs, outputs, historySnapshot },
      { maxStoredTurns: this.#options.maxStoredTurns, trim: false },
    );
  }

  /** Removes and returns the last turn, or undefined when there is none. */
  popTurn(): Turn | undefined {
    return activeStateOf(this).pop();
  }

  /** Pops up to `steps` turns and returns them last first; `steps <= 0` removes nothing. */
  undo(steps = 1): Turn[] {
    if (typeof steps !== 'number' || !Number.isInteger(steps)) {
      throw new InputError(`undo(steps) expects an integer; got ${describeValue(steps)}.`);
    }
    const state = activeStateOf(this);
    const popped: Turn[] = [];
    for (let i = 0; i < steps && state.length > 0; i++) popped.push(state.pop()!);
    return popped;
  }

  /** An independent session: same options, a copy of the module, copied turns, a fresh lock. */
  fork(): Session<M> {
    const copy = new Session<M>(this.module, toSessionOptions(this.#options));
    setDefaultState(copy, activeStateOf(this).fork());
    copyTreeRole(this, copy, copy.module);
    return copy;
  }

  /** Like `fork()` (Python deep-copies the session), keeping the compiled flag and callbacks. */
  override deepCopy(): this {
    const copy = this.fork();
    copy.compiled = this.compiled;
    copy.callbacks = [...this.callbacks];
    return copy as this;
  }

  /** Swaps the program (copied and prepared), keeping turns, options and the lock. */
  updateModule(module: M): void {
    if (!(module instanceof Module)) {
      throw new ConfigurationError(`updateModule expects a Module; got ${describeValue(module)}.`);
    }
    const copy = copyModule(module, this.#options.copyMode);
    this.#options = alignOptions(this.#options, prepareModule(copy, this.#options));
    (this as { module: M }).module = copy;
  }

  /**
   * Scores each turn with `metric(example, prediction, undefined)` and stores the score on it.
   * Without `gold` the example is the turn itself (inputs + snapshot -> outputs).
   */
  score(metric: Metric, gold?: Example | readonly Example[]): Promise<number[]> {
    const turns = activeStateOf(this).turns;
    return scoreTurns(turns, metric, gold, this.#options.historyField, this.#options.onMetricError);
  }

  /** One supervised Example per kept turn: `(inputs + historySnapshot) -> outputs`. */
  toExamples(options?: ToExamplesOptions): Promise<Example[]> {
    return turnsToExamples(activeStateOf(this).turns, this.#options, options);
  }

  /** Alias of `toExamples`. */
  toTrainset(options?: ToExamplesOptions): Promise<Example[]> {
    return this.toExamples(options);
  }

  /** `toExamples(options)` of each session, concatenated in order. */
  static async mergeExamples(sessions: readonly Session[], options?: ToExamplesOptions): Promise<Example[]> {
    if (!Array.isArray(sessions) || !sessions.every((s) => s instanceof Session)) {
      throw new InputError('Session.mergeExamples expects an array of Sessions.');
    }
    const all: Example[] = [];
    for (const session of sessions) all.push(...(await session.toExamples(options)));
    return all;
  }

  /** The session as plain JSON, format version 2 (the file dspy-session writes). */
  saveState(): SavedSessionState {
    const state = activeStateOf(this);
    return buildSavedState(this.#options, state, state.initialHistory ?? this.#options.initialHistory);
  }

  /**
   * Writes `saveState()` as the JSON Python's dspy-session writes (byte-identical), atomically: a
   * failed save leaves an existing file unchanged. Replaces Module.save (program state); save the
   * program itself with `session.module.save(path)`.
   */
  override async save(path: string): Promise<void> {
    await atomicWriteFile(path, savedStateText(this.saveState(), fieldTypesOf(this.module)));
  }

  /** Loads a session file (written by this package or by Python's dspy-session). */
  static async loadFrom<M extends AnyModule>(
    path: string,
    module: M,
    options: SessionOptions = {},
  ): Promise<Session<M>> {
    return Session.fromState(await readJsonFile(path), module, options);
  }

  /** Builds a session from `saveState()` output; `options` override the saved values. */
  static fromState<M extends AnyModule>(state: unknown, module: M, options: SessionOptions = {}): Session<M> {
    const parsed = parseSavedState<Session>(state);
    const session = new Session<M>(module, mergeLoadOptions(parsed.options, options));
    restoreSaved(defaultStateOf(session), parsed, () => session.sessionHistory);
    return session;
  }

  /** A new, empty per-user state; its seed defaults to the default state's. */
  newState(
    init: { initialHistory?: History | null | undefined; l2Memory?: string | undefined } = {},
  ): SessionState {
    return new SessionState({
      initialHistory: init.initialHistory ?? defaultStateOf(this).initialHistory,
      l2Memory: init.l2Memory ?? '',
    });
  }

  /**
   * Runs `fn` with `state` as this session's active state in its async scope (Python
   * `with session.use_state(state):`). Concurrent scopes never see each other's state.
   */
  useState<T>(state: SessionState, fn: () => T): T {
    if (!(state instanceof SessionState)) {
      throw new InputError(`Expected SessionState, got ${typeName(state)}.`);
    }
    return withBoundState(this, state, fn);
  }

  /** Streams a call: field deltas as the LM writes, then the prediction; the turn is recorded at the end. */
  stream(
    inputs: SessionInputs<M>,
    options: { signal?: AbortSignal | undefined } = {},
  ): AsyncIterable<StreamEvent> {
    return streamSession(this, inputs, options);
  }

  override toString(): string {
    return `Session(${this.module.constructor.name}, turns=${this.length}, history_field='${this.historyField}')`;
  }
}

/** Wraps `module` in a Session (exactly `new Session(module, options)`). */
export function sessionify<M extends AnyModule>(module: M, options?: SessionOptions): Session<M> {
  return new Session(module, options);
}
