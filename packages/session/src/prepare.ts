import {
  ConfigurationError,
  History,
  InputField,
  type Module,
  type Signature,
  settings,
} from '@dspy-ts/core';
import { findHistoryField } from './history-like.js';
import { injectionOf, prepareInjection } from './inject.js';

/** A predictor as the session sees it: something with a replaceable signature. */
type SignatureHolder = { signature: Signature };

const hasSignature = (value: object): value is SignatureHolder =>
  typeof (value as Partial<SignatureHolder>).signature?.append === 'function';

type Plan =
  | { kind: 'prepared'; predictor: object; name: string; field: string }
  | { kind: 'adopt'; predictor: SignatureHolder; name: string; field: string; exact: boolean }
  | { kind: 'append'; predictor: SignatureHolder; name: string };

export interface Preparation {
  /** The session's history field after alignment with a root predictor's own field. */
  historyField: string;
  /** Field names to add to `excludeFields` (an adopted root field). */
  extraExcludes: string[];
}

/**
 * Gives every named predictor a History input field and registers it to receive the session's
 * history (`inject.ts`); the predictor objects get no new methods. Everything that can fail is checked before anything changes or any warning
 * is given, so a rejected module is left as it was.
 */
export function prepareModule(
  module: Module,
  options: { historyField: string; strictHistoryAnnotation: boolean },
): Preparation {
  const requested = options.historyField;
  const plans: Plan[] = [];
  for (const [name, predictor] of module.namedPredictors()) {
    const prepared = injectionOf(predictor)?.field;
    if (prepared !== undefined) {
      plans.push({ kind: 'prepared', predictor, name, field: prepared });
      continue;
    }
    if (!hasSignature(predictor)) continue;
    const existing = findHistoryField(predictor.signature, options.strictHistoryAnnotation);
    if (existing) {
      plans.push({ kind: 'adopt', predictor, name, field: existing.name, exact: existing.isHistory });
      continue;
    }
    const clash = predictor.signature.fields[requested];
    if (clash) {
      const what = clash.io === 'output' ? 'an output field' : `an input of type ${clash.typeName}`;
      throw new ConfigurationError(
        `Predictor '${name}' already has ${what} named '${requested}', so the session cannot add its ` +
          `History field there. Choose another name with the historyField option (e.g. historyField: 'chat_history').`,
      );
    }
    plans.push({ kind: 'append', predictor, name });
  }

  let historyField = requested;
  const extraExcludes: string[] = [];
  for (const plan of plans) {
    const isRoot = plan.predictor === module;
    if (plan.kind === 'append') {
      plan.predictor.signature = plan.predictor.signature.append(
        requested,
        InputField(History.schema, { desc: 'Conversation history' }),
      );
      prepareInjection(plan.predictor, { field: requested, exact: true }, plan.predictor.signature);
      continue;
    }
    if (plan.kind === 'adopt') {
      if (plan.field !== requested) {
        settings.logger.warn(
          `Predictor already has history-like field '${plan.field}'. Session requested '${requested}'. Using '${plan.field}'.`,
        );
      }
      // An equal signature of the session's own, so copies of this predictor are known as prepared
      // and another predictor sharing the user's signature object is not.
      plan.predictor.signature = plan.predictor.signature.withInstructions(
        plan.predictor.signature.instructions,
      );
      prepareInjection(plan.predictor, { field: plan.field, exact: plan.exact }, plan.predictor.signature);
    }
    // A root predictor's own field name becomes the session's (a prepared copy aligns silently).
    if (isRoot && plan.field !== requested) {
      historyField = plan.field;
      extraExcludes.push(plan.field);
    }
  }
  return { historyField, extraExcludes };
}

/** The options with a root predictor's own history field adopted (the requested name stays excluded). */
export function alignOptions<O extends { historyField: string; excludeFields: ReadonlySet<string> }>(
  options: O,
  prepared: Preparation,
): O {
  const { historyField, extraExcludes } = prepared;
  if (historyField === options.historyField && extraExcludes.every((f) => options.excludeFields.has(f))) {
    return options;
  }
  return Object.freeze({
    ...options,
    historyField,
    excludeFields: new Set([...options.excludeFields, ...extraExcludes]),
  });
}

/** The module a session wraps, per `copyMode`. */
export function copyModule<M extends Module>(module: M, mode: 'deep' | 'shallow' | 'none'): M {
  if (mode === 'none') return module;
  if (mode === 'deep') return module.deepCopy();
  // Shallow: a new top-level object whose properties (predictors included) are shared.
  const copy = Object.create(Object.getPrototypeOf(module)) as M;
  for (const key of Reflect.ownKeys(module)) {
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(module, key)!);
  }
  return copy;
}
