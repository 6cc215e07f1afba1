import {
  ConfigurationError,
  Example,
  type LanguageModel,
  type LMRequest,
  type TraceEntry,
} from '@dspy-ts/core';
import { Random } from './rng.js';

type CopyableLm = LanguageModel & { copy(overrides: Record<string, unknown>): LanguageModel };

const isCopyable = (lm: LanguageModel): lm is CopyableLm =>
  typeof (lm as Partial<CopyableLm>).copy === 'function';

/**
 * The LM for a retry round (DSPy: `lm.copy(rollout_id=round, temperature=1.0)`): the new rollout id
 * changes the cache key, so a retry is a fresh sample instead of a cache hit, and the copy keeps
 * its own history (LM and DummyLM copies do). A user LM without `copy` is wrapped so its requests
 * carry the same defaults; its own history then records the retries too.
 */
export function lmForRound(lm: LanguageModel, round: number): LanguageModel {
  if (isCopyable(lm)) return lm.copy({ rollout_id: round, temperature: 1.0 });
  const wrapped: LanguageModel = {
    model: lm.model,
    // Call values win over LM defaults, as in DSPy's `{**lm.kwargs, **call_kwargs}`.
    request: (req: LMRequest) =>
      lm.request({ ...req, temperature: req.temperature ?? 1.0, extra: { rollout_id: round, ...req.extra } }),
    defaults: { ...lm.defaults, temperature: 1.0 },
  };
  if (lm.capabilities) wrapped.capabilities = lm.capabilities;
  if (lm.dumpState) wrapped.dumpState = () => lm.dumpState!();
  return wrapped;
}

/** The output values of a trace entry's prediction (first completion; hidden `dspy_` keys left out). */
const outputValues = (prediction: TraceEntry['prediction']): Record<string, unknown> =>
  prediction instanceof Example ? Object.fromEntries(prediction.items()) : prediction.toDict();

/**
 * Turns a successful run's trace into one demo per predictor name: each entry
 * becomes `Example({ augmented: true, ...inputs, ...outputs })`; entries of predictors not in
 * `names` are skipped; a predictor called more than once keeps one demo, chosen by a generator
 * seeded from the demos' content (so the choice is reproducible).
 */
export function demosFromTrace(
  trace: readonly TraceEntry[],
  names: ReadonlyMap<object, string>,
  seed: number,
): Map<string, Example> {
  const byName = new Map<string, Example[]>();
  for (const { predictor, inputs, prediction } of trace) {
    const name = names.get(predictor);
    if (name === undefined) continue;
    const outputs = outputValues(prediction);
    const clash = Object.keys(inputs).filter((key) => Object.hasOwn(outputs, key));
    if (clash.length > 0) {
      throw new ConfigurationError(
        `Cannot build a demo for predictor '${name}': ${clash.map((k) => `'${k}'`).join(', ')} is both an input and an output of its call. Rename the input or the output field.`,
      );
    }
    const demos = byName.get(name) ?? [];
    demos.push(new Example({ augmented: true, ...inputs, ...outputs }));
    byName.set(name, demos);
  }
  const kept = new Map<string, Example>();
  for (const [name, demos] of byName) {
    if (demos.length === 1) {
      kept.set(name, demos[0]!);
      continue;
    }
    const rng = Random.fromContent([seed, demos.map((demo) => demo.toDict())]);
    kept.set(name, rng.random() < 0.5 ? rng.choice(demos.slice(0, -1)) : demos[demos.length - 1]!);
  }
  return kept;
}
