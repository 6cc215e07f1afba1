// Types for chat-prompt.mjs (the tests are TypeScript; the demo runs these files in plain Node).
export interface PromptField {
  name: string;
  type: string;
}
export interface PromptPair {
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}
export interface ChatPrompt {
  system: string;
  inputFields: PromptField[];
  outputFields: PromptField[];
  historyField: string | undefined;
  demos: PromptPair[];
  conversation: PromptPair[];
  inputs: Record<string, string>;
}
export function sections(message: string): Record<string, string>;
export function literalOptions(type: string): string[] | undefined;
export function parseChatRequest(messages: unknown): ChatPrompt;
