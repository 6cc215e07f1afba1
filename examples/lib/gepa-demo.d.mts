// Types for gepa-demo.mjs.
import type { Example, LanguageModel, Prediction } from '@dspy-ts/core';
import type { EvaluationResult, GepaDetailedResults } from '@dspy-ts/optimizers';

export const SIGN_OFF: string;
export interface GepaDemoResult {
  before: EvaluationResult;
  after: EvaluationResult;
  instructions: Record<string, string>;
  details: GepaDetailedResults;
}
export function leadReview(
  example: Example,
  prediction: Prediction,
  trace?: unknown,
  predName?: string,
  predTrace?: unknown,
): { score: number; feedback: string };
export function runGepaDemo(options: {
  reflectionLm: LanguageModel;
  trainset: Example[];
  devset: Example[];
  offline: boolean;
  say: (text?: string) => void;
  log: (text: string) => void;
  indent: string;
}): Promise<GepaDemoResult>;
