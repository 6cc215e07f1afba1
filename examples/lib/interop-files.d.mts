// Types for interop-files.mjs.
import type { ChainOfThought, Module, Predict, Prediction } from '@dspy-ts/core';

export const SIGNATURES: { predict: string; classify: string; answer: string };
export class TopicQA extends Module<{ question: string }, Prediction> {
  classify: Predict;
  answer: ChainOfThought;
  forward(inputs: { question: string }): Promise<Prediction>;
}
export const INTEROP_FILES: string[];
export function writeInteropFiles(dir: string): Promise<void>;
