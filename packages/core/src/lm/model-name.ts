import { LMConfigurationError } from '../errors.js';

/** `provider/name` split as DSPy does: the provider is the text before the first `/` (default `openai`). */
export function splitModel(model: string): { provider: string; name: string } {
  const slash = model.indexOf('/');
  return slash === -1
    ? { provider: 'openai', name: model }
    : { provider: model.slice(0, slash), name: model.slice(slash + 1) };
}

const REASONING_MODEL = /^(?:o[1345](?:-(?:mini|nano|pro))?(?:-\d{4}-\d{2}-\d{2})?|gpt-5(?!-chat)(?:-.*)?)$/;

const reasoningByModel = new Map<string, boolean>();

/** OpenAI reasoning models (o1/o3/o4/o5, gpt-5 but not gpt-5-chat), matched on the part after the last `/`. */
export const isReasoningModel = (model: string): boolean => {
  // Asked on every request: memoized (a process uses a handful of model names).
  let known = reasoningByModel.get(model);
  if (known === undefined) {
    known = REASONING_MODEL.test((model.split('/').pop() ?? '').toLowerCase());
    if (reasoningByModel.size < 1000) reasoningByModel.set(model, known);
  }
  return known;
};

/** DSPy's construction check for reasoning models. */
export function checkReasoningModel(
  model: string,
  temperature: number | undefined,
  maxTokens: number | undefined,
): void {
  if (!isReasoningModel(model)) return;
  const badTemperature = temperature !== undefined && temperature !== 1;
  const badMaxTokens = maxTokens !== undefined && maxTokens < 16000;
  if (badTemperature || badMaxTokens) {
    throw new LMConfigurationError(
      "OpenAI's reasoning models require passing temperature=1.0 or None and max_tokens >= 16000 or None to " +
        "`dspy.LM(...)`, e.g., dspy.LM('openai/gpt-5', temperature=1.0, max_tokens=16000)",
      { model, provider: splitModel(model).provider },
    );
  }
}
