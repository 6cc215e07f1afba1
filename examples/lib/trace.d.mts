// Types for trace.mjs.
export interface DemoTracing {
  /** The last `dspy.session.turn` span and everything under it, as an indented tree. */
  lastTurn(): string;
  close(): Promise<void>;
}
export function startTracing(): DemoTracing;
