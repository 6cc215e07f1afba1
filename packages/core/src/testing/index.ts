// Test helpers (`@dspy-ts/core/testing`): kept out of the main entry so production bundles skip them.
export type { ChatRequestBody, Reply, ReplySpec, ReplyToolCall, ServerUsage } from './completion-body.js';
export { lastMessageText } from './completion-body.js';
export {
  type CapturedRequest,
  type Fault,
  type FaultPredicate,
  type OpenAIServer,
  type OpenAIServerOptions,
  type ReplyFn,
  startOpenAIServer,
} from './openai-server.js';
