// Types for agent-model.mjs.
import type { ChatRequestBody, ReplySpec } from '@dspy-ts/core/testing';
import type { OfflineModel } from './offline-model.mjs';

export function agentCompletion(body: ChatRequestBody | undefined): ReplySpec | undefined;
export function startOfflineAgentModel(): Promise<OfflineModel>;
