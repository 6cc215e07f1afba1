export type { AdapterCallOptions, AdapterProtocol, AdapterStreamEvent, Demo } from './adapter/types.js';
export { activeCallId } from './callbacks/dispatch.js';
export type { Callback, CallKind, LmRetry } from './callbacks/types.js';
export {
  AdapterParseError,
  ConfigurationError,
  ContextWindowExceededError,
  DspyError,
  InputError,
  LMAbortError,
  LMAuthError,
  LMBillingError,
  LMConfigurationError,
  LMError,
  type LMErrorDetails,
  LMInvalidRequestError,
  LMRateLimitError,
  LMServerError,
  LMTimeoutError,
  LMUnexpectedError,
  LMUnsupportedModelError,
  MetricError,
  SignatureError,
  type SignatureLike,
} from './errors.js';
export { LMCache, type LMCacheOptions } from './lm/cache.js';
export { type DummyAnswer, DummyLM, type DummyRule } from './lm/dummy.js';
export { formatHistory } from './lm/inspect-history.js';
export { DEFAULT_TIMEOUT_MS, LM, type LMOptions } from './lm/lm.js';
export { PROVIDERS, type Provider, type ResponseFormatSupport } from './lm/providers.js';
export type { LMStateOptions } from './lm/state.js';
export type {
  ChatMessage,
  CompletionFormat,
  LanguageModel,
  LMHistoryEntry,
  LMRequest,
  LMResponse,
  LMStreamChunk,
  LMToolCall,
  Usage,
} from './lm/types.js';
export { trackUsage, type UsageByModel } from './lm/usage-tracker.js';
export { ChainOfThought, type ChainOfThoughtOptions } from './predict/chain-of-thought.js';
export { type AnyPredict, Predict } from './predict/predict.js';
export { ReAct, type ReActInputs, type ReActOptions, type ReActPrediction } from './predict/react.js';
export { type StreamEvent, type StreamifyOptions, streamify } from './predict/streamify.js';
export type {
  InputsOf,
  OutputsOf,
  PredictCallOptions,
  PredictConfig,
  PredictInputs,
  SignatureInput,
  TypedPrediction,
} from './predict/types.js';
export { Example, type ExampleData } from './primitives/example.js';
export { History, type HistoryMessage } from './primitives/history.js';
export {
  type ForwardInput,
  type ForwardOutput,
  type LoadStateOptions,
  Module,
  PARAMETER,
  type Parameter,
  type ProgramState,
} from './primitives/module.js';
export { Completions, Prediction } from './primitives/prediction.js';
export { DSPY_TS_VERSION, DSPY_VERSION, loadProgram, saveProgram } from './primitives/program-file.js';
export {
  configure,
  context,
  type Logger,
  type Settings,
  settings,
  type TraceEntry,
} from './settings.js';
export {
  type Field,
  type FieldIO,
  type FieldOptions,
  type FieldSpec,
  InputField,
  OutputField,
} from './signature/field.js';
export type { CallInputs, ParseInputs, ParseOutputs, PyType } from './signature/infer.js';
export type { CustomTypes } from './signature/python-types.js';
export {
  ensureSignature,
  type FieldPatch,
  type FieldValues,
  Signature,
  type SignatureDefinition,
  type SignatureOptions,
  type SignatureState,
  signature,
} from './signature/signature.js';
export type { JsonSchema, ToolArgs } from './tool/arg-schema.js';
export {
  type FunctionDefinition,
  Tool,
  type ToolCallOptions,
  type ToolFunction,
  type ToolOptions,
} from './tool/tool.js';
export { type ToolCall, type ToolCallResult, ToolCalls } from './tool/tool-calls.js';
