// `@dspy-ts/adapters/internal`: the formatting and parsing plumbing the sibling packages
// (@dspy-ts/session, optimizers) build on. Not public API: user code imports from
// `@dspy-ts/adapters`; names here may change or disappear between minor versions.
export { buildRequest } from './build-request.js';
export { chatSections } from './chat-adapter.js';
export { formatValue, pyJson, pyText, toJsonData } from './format-value.js';
export { structuredOutputSchema, structuredResponseFormat, toJsonSchema } from './json-schema.js';
export { parseValue, ValueParseError } from './parse-value.js';
export { pyStrip } from './python-text.js';
export { type TypeInfo, typeInfoOf } from './type-info.js';
