// The public surface of @dspy-ts/adapters. Anything not exported here is free to change.
export { AdapterParseError, ConfigurationError, InputError, LMError } from '@dspy-ts/core';
export { BaseAdapter, buildRequest } from './base-adapter.js';
export { ChatAdapter, type ChatAdapterOptions, chatSections } from './chat-adapter.js';
export { DspyAdapter, type UserContentOptions } from './dspy-adapter.js';
export { formatValue, pyJson, pyText, toJsonData } from './format-value.js';
export { JSONAdapter, type JSONAdapterOptions } from './json-adapter.js';
export { structuredOutputSchema, structuredResponseFormat, toJsonSchema } from './json-schema.js';
export { parseValue, ValueParseError } from './parse-value.js';
export { pyStrip } from './python-text.js';
export {
  TemplateAdapter,
  type TemplateAdapterOptions,
  type TemplateHelper,
  type TemplateMessage,
  type TemplateParseMode,
  type TemplateParser,
} from './template-adapter.js';
export { type TypeInfo, typeInfoOf } from './type-info.js';
export { XMLAdapter } from './xml-adapter.js';
