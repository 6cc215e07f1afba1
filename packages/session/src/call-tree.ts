import { FrameSlot } from '@dspy-ts/core/internal';
import { currentSessionCall, finalizeNodes, nodeConfig, treeChildren } from './memory-context.js';
import { SessionState } from './state.js';

/**
 * Which SessionState a session call acts on. Every session has a default state; `useState` binds
 * another one for an async scope; a child of a withMemory root whose state is bound uses that root
 * state's node state at its path. The session -> state association lives here, beside the call
 * tree it depends on, rather than in a private field of Session: a child resolves its state through
 * its root's binding, and the Session class stays a facade with nothing to reach into. Internal to
 * the package (not exported from its index); the state itself changes only through its own methods.
 */

/** States bound with `useState` in the current async scope, per session. */
const bindings = new FrameSlot<ReadonlyMap<object, SessionState>>('dspy-ts.session.bindings');
const defaults = new WeakMap<object, SessionState>();

/** Gives a session its default state: the Session constructor and `fork` only. */
export function setDefaultState(session: object, state: SessionState): void {
  defaults.set(session, state);
}

/** The state a session uses when nothing is bound (created with the session). */
export function defaultStateOf(session: object): SessionState {
  const state = defaults.get(session);
  if (!state) throw new Error('internal: a session without a default state');
  return state;
}

/** Runs `fn` with `state` bound to `session` in its async scope. */
export function withBoundState<T>(session: object, state: SessionState, fn: () => T): T {
  const next = new Map(bindings.get() ?? []);
  next.set(session, state);
  return bindings.run(next, fn);
}

/** `rootState.nodeStates[path]`, created on demand with the session's default seed and memory. */
function nodeStateIn(session: object, rootState: SessionState, path: string): SessionState {
  return rootState.nodeState(path, () => {
    const seed = defaultStateOf(session);
    return new SessionState({ initialHistory: seed.initialHistory, l2Memory: seed.l2Memory });
  });
}

/**
 * The state calls act on: one bound to this session with `useState`; else, for a child of a bound
 * withMemory root in the current call, the root state's node state; else the default state.
 */
export function activeStateOf(session: object): SessionState {
  const bound = bindings.get();
  const own = bound?.get(session);
  if (own) return own;
  const root = currentSessionCall()?.root;
  const rootState = root === undefined || root === session ? undefined : bound?.get(root);
  const path = nodeConfig(session).sessionPath;
  if (rootState && path !== '' && path !== 'root') return nodeStateIn(session, rootState, path);
  return defaultStateOf(session);
}

/**
 * Ends a macro turn after a root call: the root and every registered child session are finalized
 * by their lifespan (episodic ones consolidate, stateless ones clear).
 */
export function finalizeTree(root: object, rootState: SessionState): Promise<void> | undefined {
  const children = treeChildren(root);
  // A plain persistent session (no withMemory tree) has nothing to finalize: no promise per call.
  if (children.size === 0 && nodeConfig(root).lifespan === 'persistent') return undefined;
  const bound = bindings.get()?.get(root);
  const nodes: [object, SessionState][] = [[root, rootState]];
  for (const [path, child] of children) {
    if (!defaults.has(child)) continue;
    nodes.push([child, bound ? nodeStateIn(child, bound, path) : defaultStateOf(child)]);
  }
  return finalizeNodes(nodes);
}
