// Types for support-demo.mjs.
import type { Example, LanguageModel, Prediction } from '@dspy-ts/core';
import type { EvaluationResult } from '@dspy-ts/optimizers';
import type { Session } from '@dspy-ts/session';
import type { GepaDemoResult } from './gepa-demo.mjs';
import type { SupportAssistant } from './support.mjs';

export interface SupportDemoResult {
  trainScores: number[][];
  trainset: Example[];
  devset: Example[];
  before: EvaluationResult;
  after: EvaluationResult;
  demos: Record<string, number>;
  sessionPath: string;
  programPath: string;
  replies: [Prediction, Prediction];
  resumed: Session<SupportAssistant>;
  gepa: GepaDemoResult;
}
export function runSupportDemo(options: {
  lm: LanguageModel;
  offline: boolean;
  outDir: string;
  print?: ((line: string) => void) | undefined;
  progress?: boolean | undefined;
}): Promise<SupportDemoResult>;
