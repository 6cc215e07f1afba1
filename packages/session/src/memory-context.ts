import { History, Module, settings } from '@dspy-ts/core';
import { FrameSlot, pyJsonDumps } from '@dspy-ts/core/internal';
import type { SessionState } from './state.js';
import type { Turn } from './turn.js';

/** How a child session relates to the root's history. */
export type Isolation = 'isolated' | 'shared';
/** What happens to a session's turns at the end of each root call (macro turn). */
export type Lifespan = 'persistent' | 'episodic' | 'stateless';

/** A session's place in a withMemory tree. Kept outside the Session so nothing leaks into `namedPredictors()`. */
export interface NodeConfig {
  readonly sessionPath: string;
  readonly isolation: Isolation;
  readonly lifespan: Lifespan;
  readonly consolidator: Module | undefined;
}

const DEFAULT_NODE: NodeConfig = Object.freeze({
  sessionPath: '',
  isolation: 'isolated',
  lifespan: 'persistent',
  consolidator: undefined,
});

const configs = new WeakMap<object, NodeConfig>();
const trees = new WeakMap<object, Map<string, object>>();

export const nodeConfig = (session: object): NodeConfig => configs.get(session) ?? DEFAULT_NODE;

export function setNodeConfig(session: object, patch: Partial<NodeConfig>): void {
  configs.set(session, Object.freeze({ ...nodeConfig(session), ...patch }));
}

/** The registered children (path -> Session) of a withMemory root; empty for any other session. */
export const treeChildren = (root: object): ReadonlyMap<string, object> => trees.get(root) ?? new Map();

export function setTreeChildren(root: object, children: Map<string, object>): void {
  trees.set(root, children);
}

/** The configured sessions below `module` (public properties, into Modules and Sessions' `.module`), by path. */
function collectTree(module: object): Map<string, object> {
  const found = new Map<string, object>();
  const seen = new Set<object>([module]);
  const visit = (owner: object) => {
    for (const [key, value] of Object.entries(owner)) {
      if (key.startsWith('_') || !(value instanceof Module) || seen.has(value)) continue;
      seen.add(value);
      const path = configs.get(value)?.sessionPath;
      if (path && path !== 'root') found.set(path, value);
      visit(value);
    }
  };
  visit(module);
  return found;
}

/** Carries a session's tree role to its fork (children of a deep copy are found again by path). */
export function copyTreeRole(from: object, to: object, module: object): void {
  const config = configs.get(from);
  if (config) configs.set(to, config);
  if (trees.has(from)) trees.set(to, collectTree(module));
}

/** What one session call publishes for the length of its module invocation. */
export interface SessionCall {
  readonly root: object;
  readonly stack: readonly object[];
  readonly currentHistory: History;
  readonly outerHistory: History;
  readonly nodeMemory: string;
}

/** The innermost session call in progress in this async scope (a slot of core's call frame). */
export const sessionCall = new FrameSlot<SessionCall>('dspy-ts.session.call');

export const currentSessionCall = (): SessionCall | undefined => sessionCall.get();

/**
 * A turn record as prompt text: Python's `json.dumps` of the record dspy-session's safe
 * serialization makes (non-ASCII kept). History shows its messages, any other object its `String()`;
 * NaN and Infinity stay as Python writes them, since this text is read by a model, not a parser.
 */
const recordJson = (record: unknown): string =>
  pyJsonDumps(record, {
    ensureAscii: false,
    default: (value) => (value instanceof History ? { messages: value.messages } : String(value)),
  });

/** The episode transcript (also `getChildL1Ledger`): three lines per turn, '' for no turns. */
export function transcript(turns: readonly Turn[]): string {
  const lines: string[] = [];
  for (const turn of turns) {
    lines.push(
      `- turn: ${turn.index}`,
      `  inputs: ${recordJson(turn.inputs)}`,
      `  outputs: ${recordJson(turn.outputs)}`,
    );
  }
  return lines.join('\n');
}

const MEMORY_KEYS = ['updated_memory', 'memory', 'l2_memory', 'output'] as const;

function memoryText(result: unknown): string {
  if (result !== null && typeof result === 'object') {
    const get = (key: string): unknown => {
      const getter = (result as { get?: unknown }).get;
      if (typeof getter === 'function') return (getter as (k: string) => unknown).call(result, key);
      return (result as Record<string, unknown>)[key];
    };
    for (const key of MEMORY_KEYS) {
      const value = get(key);
      if (value !== undefined && value !== null) return String(value);
    }
    const keys =
      typeof (result as { keys?: unknown }).keys === 'function'
        ? [...(result as { keys(): Iterable<string> }).keys()]
        : Object.keys(result);
    if (keys.length > 0) return String(get(keys[0]!));
  }
  return String(result);
}

/**
 * Macro-turn finalization: episodic sessions consolidate their turns into
 * `l2Memory` and clear them; stateless sessions clear them; persistent ones are left alone.
 */
export async function finalizeNodes(nodes: readonly (readonly [object, SessionState])[]): Promise<void> {
  for (const [session, state] of nodes) {
    const { lifespan, consolidator, sessionPath } = nodeConfig(session);
    if (lifespan === 'persistent') continue;
    if (lifespan === 'episodic' && consolidator && state.turns.length > 0) {
      try {
        const result = await consolidator.call({
          past_memory: state.l2Memory,
          episode_transcript: transcript(state.turns),
        } as never);
        state.l2Memory = memoryText(result);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        settings.logger.warn(
          `consolidator error on session '${sessionPath}' (${consolidator.constructor.name}): ${message}`,
        );
      }
    }
    state.reset();
  }
}
