// Types for model.mjs.
import type { LM } from '@dspy-ts/core';
import type { OpenAIServer } from '@dspy-ts/core/testing';

export function modelName(name: string): string;
export interface ConnectedModel {
  lm: LM;
  offline: boolean;
  /** The local server, for the offline model only. */
  server?: OpenAIServer;
  description: string;
  close(): Promise<void>;
}
export function connectModel(env?: Record<string, string | undefined>): Promise<ConnectedModel>;
