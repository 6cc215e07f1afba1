import { ConfigurationError, History, Module } from '@dspy-ts/core';
import type { Turn } from './turn.js';

export type HistoryPolicy = 'override' | 'use_if_provided' | 'replace_session';
export type OnMetricError = 'zero' | 'raise';
/** `'thread'` behaves like `'async'`: Node has one thread, so both mean one call at a time. */
export type LockMode = 'none' | 'thread' | 'async';
export type CopyMode = 'deep' | 'shallow' | 'none';
export type FieldList = readonly string[] | ReadonlySet<string>;
/** Called after each recorded turn with the turn and the session (`S` is the Session type). */
export type OnTurnOf<S> = (turn: Turn, session: S) => void | Promise<void>;

/** Options of `sessionify` / `new Session`. */
export interface SessionOptionsOf<S> {
  /** Name of the History input field and of the explicit-history argument. Default `'history'`. */
  historyField?: string | undefined;
  /** Sliding window, counted in messages (seed messages included). */
  maxTurns?: number | null | undefined;
  /** Keys that never enter history messages (the history field always does not). */
  excludeFields?: FieldList | null | undefined;
  /** Allow-list of input keys that enter history messages; outputs always do. */
  historyInputFields?: FieldList | null | undefined;
  /** Legacy alias of `historyInputFields`; giving both is an error. */
  inputFieldOverride?: FieldList | null | undefined;
  /** Seed messages placed before all turns. */
  initialHistory?: History | null | undefined;
  /** What an explicit history argument does. Default `'override'` (a stateless pass-through). */
  historyPolicy?: HistoryPolicy | undefined;
  /** Metric failures in `score`: log and score 0, or re-throw. Default `'zero'`. */
  onMetricError?: OnMetricError | undefined;
  /** Detect only `History` itself (not subclasses) as an existing history field. */
  strictHistoryAnnotation?: boolean | undefined;
  /** Serialize calls on this session. Default `'none'`. */
  lock?: LockMode | undefined;
  /** Called after each recorded turn (never for pass-through calls); errors are only logged. */
  onTurn?: OnTurnOf<S> | null | undefined;
  /** Keep only the last N turns in memory (independent of the prompt window `maxTurns`). */
  maxStoredTurns?: number | null | undefined;
  /** How the wrapped module is copied: `'deep'` (default), `'shallow'` or `'none'` (patched in place). */
  copyMode?: CopyMode | undefined;
}

/** The options a session runs with, after validation and alignment. Frozen. */
export interface ResolvedSessionOptionsOf<S> {
  readonly historyField: string;
  readonly maxTurns: number | undefined;
  readonly excludeFields: ReadonlySet<string>;
  readonly historyInputFields: ReadonlySet<string> | undefined;
  readonly initialHistory: History | undefined;
  readonly historyPolicy: HistoryPolicy;
  readonly onMetricError: OnMetricError;
  readonly strictHistoryAnnotation: boolean;
  readonly lock: LockMode;
  readonly onTurn: OnTurnOf<S> | undefined;
  readonly maxStoredTurns: number | undefined;
  readonly copyMode: CopyMode;
}

const POLICIES: readonly HistoryPolicy[] = ['override', 'use_if_provided', 'replace_session'];
const METRIC_ERRORS: readonly OnMetricError[] = ['zero', 'raise'];
const LOCKS: readonly LockMode[] = ['none', 'thread', 'async'];
const COPY_MODES: readonly CopyMode[] = ['deep', 'shallow', 'none'];

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'historyField',
  'maxTurns',
  'excludeFields',
  'historyInputFields',
  'inputFieldOverride',
  'initialHistory',
  'historyPolicy',
  'onMetricError',
  'strictHistoryAnnotation',
  'lock',
  'onTurn',
  'maxStoredTurns',
  'copyMode',
]);

/** A short, readable rendering of a bad value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `a function`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'a plain object';
}

const oneOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const fail = (option: string, value: unknown, accepted: string): never => {
  throw new ConfigurationError(
    `Invalid session option ${option}: got ${describeValue(value)}. Expected ${accepted}.`,
  );
};

const isNullish = (value: unknown): value is null | undefined => value === undefined || value === null;

function checkEnum<T extends string>(option: string, value: unknown, values: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !values.includes(value as T))
    fail(option, value, `one of ${oneOf(values)}`);
  return value as T;
}

function checkPositiveInt(option: string, value: unknown): number | undefined {
  if (isNullish(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(option, value, 'an integer >= 1, or undefined for no limit');
  }
  return value as number;
}

function checkFieldList(option: string, value: unknown): ReadonlySet<string> | undefined {
  if (isNullish(value)) return undefined;
  const items = Array.isArray(value) ? value : value instanceof Set ? [...value] : undefined;
  if (!items?.every((item) => typeof item === 'string')) {
    fail(option, value, 'an array or a Set of field names (a bare string is not accepted)');
  }
  return new Set(items as string[]);
}

/**
 * Validates `sessionify` arguments before anything is copied (a TS rule). Every
 * failure is a ConfigurationError naming the option, the value received and the accepted values.
 */
export function resolveOptions<S>(module: unknown, options: unknown): ResolvedSessionOptionsOf<S> {
  if (!(module instanceof Module)) {
    throw new ConfigurationError(
      `sessionify expects a Module (a Predict, a ChainOfThought or your own Module subclass); got ${describeValue(module)}.`,
    );
  }
  if (isNullish(options)) return resolveOptions(module, {});
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError(`Session options must be an object; got ${describeValue(options)}.`);
  }
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (KNOWN_KEYS.has(key)) continue;
    const hint = KNOWN_KEYS.has(camelCase(key)) ? ` Did you mean \`${camelCase(key)}\`?` : '';
    throw new ConfigurationError(
      `Unknown session option '${key}'.${hint} Known options: ${[...KNOWN_KEYS].join(', ')}.`,
    );
  }

  const historyField = raw.historyField ?? 'history';
  if (typeof historyField !== 'string' || historyField.length === 0) {
    fail('historyField', historyField, 'a non-empty string');
  }
  const maxTurns = checkPositiveInt('maxTurns', raw.maxTurns);
  const maxStoredTurns = checkPositiveInt('maxStoredTurns', raw.maxStoredTurns);
  const excludeFields = checkFieldList('excludeFields', raw.excludeFields);
  const historyInputFields = checkFieldList('historyInputFields', raw.historyInputFields);
  const inputFieldOverride = checkFieldList('inputFieldOverride', raw.inputFieldOverride);
  if (historyInputFields && inputFieldOverride) {
    throw new ConfigurationError('Provide either historyInputFields or inputFieldOverride, not both.');
  }
  if (!isNullish(raw.initialHistory) && !(raw.initialHistory instanceof History)) {
    fail('initialHistory', raw.initialHistory, 'a History (e.g. new History([...])) or undefined');
  }
  const historyPolicy = checkEnum('historyPolicy', raw.historyPolicy, POLICIES, 'override');
  const onMetricError = checkEnum('onMetricError', raw.onMetricError, METRIC_ERRORS, 'zero');
  const lock = checkEnum('lock', raw.lock, LOCKS, 'none');
  const copyMode = checkEnum('copyMode', raw.copyMode, COPY_MODES, 'deep');
  if (raw.strictHistoryAnnotation !== undefined && typeof raw.strictHistoryAnnotation !== 'boolean') {
    fail('strictHistoryAnnotation', raw.strictHistoryAnnotation, 'true or false');
  }
  if (!isNullish(raw.onTurn) && typeof raw.onTurn !== 'function') {
    fail('onTurn', raw.onTurn, 'a function (turn, session) => void');
  }

  return Object.freeze({
    historyField: historyField as string,
    maxTurns,
    excludeFields: new Set([...(excludeFields ?? []), historyField as string]),
    historyInputFields: historyInputFields ?? inputFieldOverride,
    initialHistory: (raw.initialHistory ?? undefined) as History | undefined,
    historyPolicy,
    onMetricError,
    strictHistoryAnnotation: (raw.strictHistoryAnnotation as boolean | undefined) ?? false,
    lock,
    onTurn: (raw.onTurn ?? undefined) as OnTurnOf<S> | undefined,
    maxStoredTurns,
    copyMode,
  });
}

/** The options that recreate `resolved` exactly (used by fork, deepCopy and loading). */
export function toSessionOptions<S>(resolved: ResolvedSessionOptionsOf<S>): SessionOptionsOf<S> {
  return {
    historyField: resolved.historyField,
    maxTurns: resolved.maxTurns,
    excludeFields: [...resolved.excludeFields],
    historyInputFields: resolved.historyInputFields ? [...resolved.historyInputFields] : undefined,
    initialHistory: resolved.initialHistory,
    historyPolicy: resolved.historyPolicy,
    onMetricError: resolved.onMetricError,
    strictHistoryAnnotation: resolved.strictHistoryAnnotation,
    lock: resolved.lock,
    onTurn: resolved.onTurn,
    maxStoredTurns: resolved.maxStoredTurns,
    copyMode: resolved.copyMode,
  };
}
