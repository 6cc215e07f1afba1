// Types for agent.mjs.
import type { Example, History, Module, Prediction, Tool } from '@dspy-ts/core';

export const ORDERS: Record<string, { status: string; total: number }>;
export const lookupOrder: Tool;
export const requestRefund: Tool;
export const TOOLS: Tool[];
export class SupportAgent extends Module<{ request: string; history?: History | undefined }, Prediction> {}
export interface AgentTurn {
  request: string;
  tool: string | null;
}
export const TRAIN_CONVERSATIONS: AgentTurn[][];
export const HELD_OUT_CONVERSATIONS: AgentTurn[][];
export const LIVE_CONVERSATION: [string, string];
export function calledTool(value: unknown): string | null;
export function rightTool(example: Example, prediction: Prediction): boolean;
