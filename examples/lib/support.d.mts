// Types for support.mjs.
import type { ChainOfThought, Example, Module, Predict, Prediction, Signature } from '@dspy-ts/core';

export const QUEUES: string[];
export const Route: Signature;
export const Reply: Signature;
export class SupportAssistant extends Module<{ request: string }, Prediction> {
  classify: Predict;
  respond: ChainOfThought;
  forward(inputs: { request: string }): Promise<Prediction>;
}
export function routedToRightQueue(example: Example, prediction: Prediction): boolean;
export interface LoggedTurn {
  request: string;
  queue: string;
}
export const TRAIN_CONVERSATIONS: LoggedTurn[][];
export const HELD_OUT_CONVERSATIONS: LoggedTurn[][];
export const LIVE_CONVERSATION: [string, string];
