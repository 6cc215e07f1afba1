// `@dspy-ts/core/internal`: the plumbing the sibling packages (@dspy-ts/adapters, session,
// optimizers) build on. Not public API: user code imports from `@dspy-ts/core`; names here may
// change or disappear between minor versions.
export { isAdapter } from './adapter/types.js';
export { type CallFrame, currentFrame, FrameSlot, type InputSupplier, withFrame } from './call-context.js';
export { hasCallbacks, isObserving, withCallbacks } from './callbacks/dispatch.js';
export { requestLm, streamLm } from './lm/request.js';
export { isLanguageModel } from './lm/types.js';
export { isTrackingUsage, recordLmUsage } from './lm/usage-tracker.js';
export type { PreparedCall } from './predict/predict.js';
export { currentStreamSink, type StreamSink, withStreamSink } from './predict/stream-sink.js';
export { toPlain } from './primitives/example.js';
export { isParameter } from './primitives/module.js';
export { dependencyVersions, dspyTsVersions, programFileText } from './primitives/program-file.js';
export { isPyInt, pyFloatRepr, pyNumber } from './python/float-repr.js';
export type { FloatTypes } from './python/float-types.js';
export { type JsonDumpsOptions, pyJsonDumps } from './python/json-dumps.js';
export { orjsonDumps } from './python/orjson-dumps.js';
export { PyFloat } from './python/py-float.js';
export { isPlainObject, pyRepr, pyStr, pyStringRepr, type ReprOptions } from './python/repr.js';
export { registerDefaultAdapter, resolveAdapter } from './settings.js';
export { markFloatFields, markFloats } from './signature/float-values.js';
export { inferPrefix } from './signature/infer-prefix.js';
export { acceptsNull, zodTypeName } from './signature/python-types.js';
export { cleandoc } from './signature/signature.js';
export { atomicWriteFile } from './utils/atomic-write.js';
export { exceedsDepth, MAX_NESTING } from './utils/nesting.js';
