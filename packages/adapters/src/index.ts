// The public surface of @dspy-ts/adapters. Anything not exported here is free to change.
export { AdapterParseError, ConfigurationError, InputError, LMError } from '@dspy-ts/core';
export { Adapter, type AdapterOptions, type Attempt, type Attempts } from './adapter.js';
export { ChatAdapter, type ChatAdapterOptions } from './chat-adapter.js';
export { JSONAdapter, type JSONAdapterOptions } from './json-adapter.js';
export type { UserContentOptions } from './layout.js';
export {
  TemplateAdapter,
  type TemplateAdapterOptions,
  type TemplateHelper,
  type TemplateMessage,
  type TemplateParseMode,
  type TemplateParser,
} from './template-adapter.js';
export { XMLAdapter } from './xml-adapter.js';
