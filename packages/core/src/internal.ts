// `@dspy-ts/core/internal`: the plumbing the sibling packages (adapters, session, optimizers)
// build on. Not part of the user-facing API: names here may change between minor versions.
export { type CallFrame, currentFrame, FrameSlot, type InputSupplier, withFrame } from './call-context.js';
export { pyStringRepr } from './tool/py-repr.js';
export { exceedsDepth, MAX_NESTING } from './utils/nesting.js';
