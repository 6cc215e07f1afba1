import { ConfigurationError, type History, Module } from '@dspy-ts/core';
import { activeStateOf } from './call-tree.js';
import {
  currentSessionCall,
  type Isolation,
  type Lifespan,
  nodeConfig,
  setNodeConfig,
  setTreeChildren,
  transcript,
  treeChildren,
} from './memory-context.js';
import { type FieldList, toSessionOptions } from './options.js';
import { type AnyModule, Session, type SessionOptions } from './session.js';

/** Per-child settings of `withMemory`, keyed by dotted path. */
export interface ChildConfig {
  /** `false` leaves the child unwrapped (an existing child Session is replaced by its module). */
  enabled?: boolean | undefined;
  isolation?: Isolation | undefined;
  lifespan?: Lifespan | undefined;
  consolidator?: Module | undefined;
  /** Seed of a child session created for a predictor. */
  initialHistory?: History | null | undefined;
}

/** Options of `withMemory` (Python `with_memory`): Session options plus the tree settings. */
export interface WithMemoryOptions extends SessionOptions {
  /** Wrap nested predictors and adopt nested Sessions (default true; `'predictors'` = true). */
  recursive?: boolean | 'predictors' | undefined;
  include?: FieldList | undefined;
  exclude?: FieldList | undefined;
  where?: ((path: string, obj: unknown) => boolean) | undefined;
  isolation?: Isolation | undefined;
  lifespan?: Lifespan | undefined;
  consolidator?: Module | undefined;
  childConfigs?: Readonly<Record<string, ChildConfig>> | undefined;
}

const ISOLATIONS: readonly string[] = ['isolated', 'shared'];
const LIFESPANS: readonly string[] = ['persistent', 'episodic', 'stateless'];

function checkIsolation(value: unknown): Isolation | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ISOLATIONS.includes(value)) {
    throw new ConfigurationError("isolation must be 'isolated' or 'shared'.");
  }
  return value as Isolation;
}

function checkLifespan(value: unknown): Lifespan | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !LIFESPANS.includes(value)) {
    throw new ConfigurationError("lifespan must be 'persistent', 'episodic', or 'stateless'.");
  }
  return value as Lifespan;
}

function checkConsolidator(value: unknown): Module | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Module)) throw new ConfigurationError('consolidator must be a Module.');
  return value;
}

const toSet = (name: string, value: FieldList | undefined): ReadonlySet<string> => {
  if (value === undefined || value === null) return new Set();
  if (typeof value === 'string' || !(Array.isArray(value) || value instanceof Set)) {
    throw new ConfigurationError(`${name} must be an array or a Set of dotted paths.`);
  }
  return new Set(value);
};

/** A nested Session found by the walk: where it lives and how to replace it. */
interface Found {
  path: string;
  session: Session;
  parent: Record<string, unknown>;
  key: string;
}

/** Public properties (not `_`-prefixed), into Modules and Sessions' `.module`; not into arrays or maps. */
function findSessions(module: Module): Found[] {
  const found: Found[] = [];
  const seen = new Set<object>([module]);
  const visit = (owner: object, prefix: string) => {
    for (const [key, value] of Object.entries(owner)) {
      if (key.startsWith('_') || !(value instanceof Module) || seen.has(value)) continue;
      seen.add(value);
      const path = prefix ? `${prefix}.${key}` : key;
      if (value instanceof Session) {
        found.push({ path, session: value, parent: owner as Record<string, unknown>, key });
        visit(value.module, `${path}.module`);
      } else visit(value, path);
    }
  };
  visit(module, '');
  return found;
}

/** Replaces the value at a dotted property path of `root`; array items cannot be replaced. */
function replaceAt(root: object, path: string, value: unknown): void {
  if (/[[\]]/.test(path)) {
    throw new ConfigurationError(
      `withMemory cannot wrap the predictor at '${path}': predictors inside arrays or maps cannot be replaced. ` +
        'Exclude it (exclude: [...]) or give it its own property.',
    );
  }
  const keys = path.split('.');
  let owner = root as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) owner = owner[key] as Record<string, unknown>;
  owner[keys.at(-1)!] = value;
}

/**
 * Wraps `module` in a root Session (`sessionPath 'root'`) and, unless `recursive` is false, gives
 * every allowed nested predictor its own child Session and adopts nested Sessions.
 * `copyMode` defaults to `'none'`: the module itself is patched.
 */
export function withMemory<M extends AnyModule>(module: M, options: WithMemoryOptions = {}): Session<M> {
  const {
    recursive = true,
    include,
    exclude,
    where,
    isolation,
    lifespan,
    consolidator,
    childConfigs = {},
    ...sessionOptions
  } = options;
  const rootIsolation = checkIsolation(isolation) ?? 'isolated';
  const rootLifespan = checkLifespan(lifespan) ?? 'persistent';
  const rootConsolidator = checkConsolidator(consolidator);
  const included = toSet('include', include);
  const excluded = toSet('exclude', exclude);
  if (where !== undefined && typeof where !== 'function') {
    throw new ConfigurationError('where must be a function (path, obj) => boolean.');
  }
  for (const cfg of Object.values(childConfigs)) {
    checkIsolation(cfg.isolation);
    checkLifespan(cfg.lifespan);
    checkConsolidator(cfg.consolidator);
  }

  const root = new Session<M>(module, { ...sessionOptions, copyMode: sessionOptions.copyMode ?? 'none' });
  setNodeConfig(root, {
    sessionPath: 'root',
    isolation: rootIsolation,
    lifespan: rootLifespan,
    consolidator: rootConsolidator,
  });
  const children = new Map<string, object>();
  setTreeChildren(root, children);
  if (recursive === false) return root;

  const under = (path: string, entry: string) => path === entry || path.startsWith(`${entry}.`);
  const allowed = (path: string, obj: unknown) =>
    (included.size === 0 || [...included].some((e) => under(path, e))) &&
    ![...excluded].some((e) => under(path, e)) &&
    (where === undefined || where(path, obj) === true);
  const configOf = (path: string): ChildConfig => childConfigs[path] ?? {};

  for (const { path, session, parent, key } of findSessions(root.module)) {
    if (!allowed(path, session)) continue;
    const cfg = configOf(path);
    if (cfg.enabled === false) {
      parent[key] = session.module;
      continue;
    }
    setNodeConfig(session, {
      sessionPath: path,
      ...(cfg.isolation !== undefined && { isolation: cfg.isolation }),
      ...(cfg.lifespan !== undefined && { lifespan: cfg.lifespan }),
      ...(cfg.consolidator !== undefined && { consolidator: cfg.consolidator }),
    });
    children.set(path, session);
  }

  const opts = root.options;
  for (const [path, predictor] of root.module.namedPredictors()) {
    if ((predictor as unknown) === root.module || path === 'self') continue;
    if (path.includes('.module') || path.startsWith('module')) continue;
    if (!allowed(path, predictor) || children.has(path)) continue;
    const cfg = configOf(path);
    if (cfg.enabled === false) continue;
    // A child takes the root's options, but not its program copy, seed or turn callback.
    const child = new Session(predictor as unknown as Module, {
      ...toSessionOptions(opts),
      copyMode: 'none',
      initialHistory: cfg.initialHistory,
      onTurn: undefined,
    });
    setNodeConfig(child, {
      sessionPath: path,
      isolation: cfg.isolation ?? rootIsolation,
      lifespan: cfg.lifespan ?? rootLifespan,
      consolidator: cfg.consolidator ?? rootConsolidator,
    });
    replaceAt(root.module, path, child);
    children.set(path, child);
  }
  return root;
}

/** The innermost session call's history (what its predictors receive), or undefined outside a call. */
export const getCurrentHistory = (): History | undefined => currentSessionCall()?.currentHistory;

/** The outermost session call's history (visible in every nested module), or undefined outside a call. */
export const getOuterHistory = (): History | undefined => currentSessionCall()?.outerHistory;

/** The innermost session's long-term memory (`l2Memory` of its active state), or `''`. */
export const getNodeMemory = (): string => currentSessionCall()?.nodeMemory ?? '';

const activeRoot = (): Session | undefined => {
  const root = currentSessionCall()?.root;
  return root instanceof Session ? root : undefined;
};

/**
 * The transcript of one tree session's active-state turns: `''`, `'root'` or `'.'` for the root;
 * else the exact child path, the path minus `root.`, or the single child whose path ends with it.
 */
export function getChildL1Ledger(path = ''): string {
  const root = activeRoot();
  if (!root) return '';
  const children = treeChildren(root);
  let target: object | undefined;
  if (path === '' || path === 'root' || path === '.') target = root;
  else {
    target = children.get(path);
    if (!target && path.startsWith('root.')) target = children.get(path.slice('root.'.length));
    if (!target) {
      const matches = [...children].filter(([p]) => p.endsWith(path));
      if (matches.length === 1) target = matches[0]![1];
    }
  }
  return target instanceof Session ? transcript(target.turns) : '';
}

/** One line per tree session (`<name>: turns=<n> l2_chars=<len>`), then the active stack; `''` outside a call. */
export function getExecutionTrace(): string {
  const frame = currentSessionCall();
  const root = activeRoot();
  if (!frame || !root) return '';
  const line = (name: string, session: Session) => {
    const state = activeStateOf(session);
    return `${name}: turns=${state.length} l2_chars=${state.l2Memory.length}`;
  };
  const lines = [line('root', root)];
  for (const [path, child] of treeChildren(root)) if (child instanceof Session) lines.push(line(path, child));
  const names = frame.stack.map((entry) => {
    if (entry === root) return 'root';
    const path = nodeConfig(entry).sessionPath;
    if (entry instanceof Session && path && treeChildren(root).get(path) === entry) return path;
    return entry instanceof Session ? entry.module.constructor.name : entry.constructor.name;
  });
  lines.push(`active_stack=${names.join(' > ')}`);
  return lines.join('\n');
}
