// Types for agent-demo.mjs.
import type { Example, LanguageModel } from '@dspy-ts/core';
import type { EvaluationResult } from '@dspy-ts/optimizers';
import type { Session } from '@dspy-ts/session';
import type { SupportAgent } from './agent.mjs';

export interface AgentDemoResult {
  train: Session<SupportAgent>[];
  heldOut: Session<SupportAgent>[];
  trainset: Example[];
  devset: Example[];
  before: EvaluationResult;
  after: EvaluationResult;
  demos: number;
  resumed: Session<SupportAgent>;
  sessionPath: string;
  programPath: string;
}
export function runAgentDemo(options: {
  lm: LanguageModel;
  outDir: string;
  print?: ((line: string) => void) | undefined;
}): Promise<AgentDemoResult>;
