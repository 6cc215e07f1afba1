// `@dspy-ts/core/internal`: the plumbing the sibling packages (@dspy-ts/adapters, session,
// optimizers) build on. Not public API: user code imports from `@dspy-ts/core`; names here may
// change or disappear between minor versions.
export { isAdapter } from './adapter/types.js';
export { type CallFrame, currentFrame, FrameSlot, type InputSupplier, withFrame } from './call-context.js';
export { isObserving, withCallbacks } from './callbacks/dispatch.js';
export { requestLm, streamLm } from './lm/request.js';
export { isLanguageModel } from './lm/types.js';
export { isTrackingUsage, recordLmUsage } from './lm/usage-tracker.js';
export type { PreparedCall } from './predict/predict.js';
export { currentStreamSink, type StreamSink, withStreamSink } from './predict/stream-sink.js';
export { toPlain } from './primitives/example.js';
export { isParameter } from './primitives/module.js';
export { dependencyVersions, dspyTsVersions, programFileText } from './primitives/program-file.js';
export { registerDefaultAdapter, resolveAdapter } from './settings.js';
export { markFloatFields, markFloats, PyFloat } from './signature/float-values.js';
export { inferPrefix } from './signature/infer-prefix.js';
export { acceptsNull, pythonLiteralRepr, zodTypeName } from './signature/python-types.js';
export { cleandoc } from './signature/signature.js';
export { pyStringRepr } from './tool/py-repr.js';
export { atomicWriteFile } from './utils/atomic-write.js';
export { exceedsDepth, MAX_NESTING } from './utils/nesting.js';
