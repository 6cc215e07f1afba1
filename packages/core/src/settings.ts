import type { AdapterProtocol } from './adapter/types.js';
import { currentFrame, withFrame } from './call-context.js';
import { bindCallbackScope } from './callbacks/dispatch.js';
import { ConfigurationError } from './errors.js';
import type { Logger, Settings } from './settings-types.js';

export type { Callback } from './callbacks/types.js';
export type { Logger, Settings, TraceEntry } from './settings-types.js';

const consoleLogger: Logger = {
  info: (message) => console.info(message),
  warn: (message) => console.warn(message),
};

const globalSettings: Settings = {
  lm: undefined,
  adapter: undefined,
  // TS rule: tracing is off unless a context opens a list (optimizers do: context({ trace: [] })).
  // DSPy's default is a process-wide list that keeps the last 10,000 calls' inputs and predictions
  // alive in a long-running server; set configure({ trace: [] }) for that behavior.
  trace: null,
  callbacks: [],
  trackUsage: false,
  disableHistory: false,
  maxHistorySize: 10_000,
  // A conversation re-sends all its turns, so history grows with its square: 1,000 turns of
  // 2 KB held 1.1 GB by entry count alone. The byte bound keeps the last entries that fit.
  maxHistoryBytes: 32 * 1024 ** 2,
  maxTraceSize: 10_000,
  numThreads: 8,
  maxErrors: 10,
  warnOnTypeMismatch: true,
  logger: consoleLogger,
};

const KNOWN_KEYS = new Set(Object.keys(globalSettings));
let defaultAdapter: AdapterProtocol | undefined;

const checkKeys = (values: object): void => {
  for (const key of Object.keys(values)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new ConfigurationError(
        `Unknown setting '${key}'. Known settings: ${[...KNOWN_KEYS].join(', ')}.`,
      );
    }
  }
};

/** Sets process-wide defaults. May be called any number of times; the last call wins. */
export function configure(values: Partial<Settings>): void {
  checkKeys(values);
  Object.assign(globalSettings, values);
}

/**
 * Runs `fn` with settings overridden inside its async scope only (the call frame): concurrent
 * contexts never see each other's values. Contexts nest; the outer values are restored on exit.
 */
export function context<T>(values: Partial<Settings>, fn: () => T): T {
  checkKeys(values);
  const parent = currentFrame().overrides;
  return withFrame({ overrides: parent ? { ...parent, ...values } : { ...values } }, fn);
}

const read = <K extends keyof Settings>(key: K): Settings[K] => {
  const scoped = currentFrame().overrides;
  return scoped && Object.hasOwn(scoped, key) ? (scoped[key] as Settings[K]) : globalSettings[key];
};

bindCallbackScope({
  callbacks: () => read('callbacks'),
  warn: (message) => read('logger').warn(message),
  active: () => currentFrame().activeCall,
  // The call rides in the call frame: a nested context() keeps it.
  run: (call, fn) => withFrame({ activeCall: call }, fn),
});

/** The effective settings: context overrides, then `configure()` values. Read-only. */
export const settings: Readonly<Settings> & { get<K extends keyof Settings>(key: K): Settings[K] } =
  new Proxy({} as Readonly<Settings> & { get<K extends keyof Settings>(key: K): Settings[K] }, {
    get(_target, key) {
      if (key === 'get') return read;
      if (typeof key === 'string' && KNOWN_KEYS.has(key)) return read(key as keyof Settings);
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
      throw new ConfigurationError(`'Settings' object has no attribute '${key}'`);
    },
    set(_target, key) {
      throw new ConfigurationError(`Use configure({ ${String(key)} }) or context(...) to change settings.`);
    },
  });

/**
 * Registers the adapter used when none is configured. `@dspy-ts/session` and `@dspy-ts/optimizers`
 * register a ChatAdapter on import, as DSPy does.
 */
export function registerDefaultAdapter(adapter: AdapterProtocol): void {
  defaultAdapter = adapter;
}

/** The adapter for a call: context/configure value, else the registered default, else an error. */
export function resolveAdapter(): AdapterProtocol {
  const adapter = read('adapter') ?? defaultAdapter;
  if (!adapter) {
    throw new ConfigurationError(
      'No adapter is configured. Import an adapter and configure it, e.g. ' +
        "`import { ChatAdapter } from '@dspy-ts/adapters'; configure({ adapter: new ChatAdapter() })`, " +
        'or import @dspy-ts/session or @dspy-ts/optimizers, which make ChatAdapter the default.',
    );
  }
  return adapter;
}
