import { ConfigurationError, type Demo, type Module, type Parameter, type Signature } from '@dspy-ts/core';

/** What optimizers read and write on a predictor (Predict implements it). */
export interface DemoPredictor extends Parameter {
  demos: Demo[];
  signature: Signature;
}

const isDemoPredictor = (value: Parameter): value is DemoPredictor =>
  Array.isArray((value as Partial<DemoPredictor>).demos) &&
  typeof (value as Partial<DemoPredictor>).signature?.equals === 'function';

/** The module's named predictors (DSPy names), checked to hold demos and a signature. */
export function demoHolders(module: Pick<Module, 'namedPredictors'>): [string, DemoPredictor][] {
  return module.namedPredictors().map(([name, predictor]) => {
    if (!isDemoPredictor(predictor)) {
      throw new ConfigurationError(
        `Predictor '${name}' has no \`demos\` array or \`signature\`; optimizers can only set demos on Predict-like parameters.`,
      );
    }
    return [name, predictor];
  });
}
