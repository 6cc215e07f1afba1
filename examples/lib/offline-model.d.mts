// Types for offline-model.mjs.
import type { LM, LMOptions } from '@dspy-ts/core';
import type { ChatRequestBody, OpenAIServer, OpenAIServerOptions } from '@dspy-ts/core/testing';

export const OFFLINE_MODEL: string;
export function stems(text: string): Set<string>;
export function offlineCompletion(body: ChatRequestBody | undefined): string;
export interface OfflineModel {
  server: OpenAIServer;
  lm: LM;
  close(): Promise<void>;
}
export function startOfflineModel(options?: {
  server?: OpenAIServerOptions | undefined;
  lm?: LMOptions | undefined;
}): Promise<OfflineModel>;
