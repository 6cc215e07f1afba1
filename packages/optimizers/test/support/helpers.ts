import { type DummyAnswer, DummyLM, Example, type LMRequest, type Logger } from '@dspy-ts/core';
import type { Metric } from '../../src/index.js';

/** A logger that records every line. */
export function recordingLogger(): Logger & { infos: string[]; warns: string[] } {
  const infos: string[] = [];
  const warns: string[] = [];
  return { infos, warns, info: (m) => infos.push(m), warn: (m) => warns.push(m) };
}

/** `question i?` -> `answer i`, with `question` as the input. */
export const qaSet = (n: number, start = 0): Example[] =>
  Array.from({ length: n }, (_, k) =>
    new Example({ question: `q${start + k}?`, answer: `a${start + k}` }).withInputs('question'),
  );

/** The value of `[[ ## name ## ]]` in the request's current (last) user message. */
export function fieldOf(request: LMRequest, name: string): string | undefined {
  const last = request.messages[request.messages.length - 1]?.content ?? '';
  return new RegExp(`\\[\\[ ## ${name} ## \\]\\]\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(last)?.[1];
}

/** A DummyLM answering by rule from the current question (`q3?` -> `a3`, unless `answer` overrides). */
export function qaLM(
  answer: (question: string, request: LMRequest) => DummyAnswer | undefined = () => undefined,
): DummyLM {
  return new DummyLM((request) => {
    const question = fieldOf(request, 'question') ?? '';
    return answer(question, request) ?? { answer: question.replace(/^q(\d+)\?$/, 'a$1') };
  });
}

export const exactMatch: Metric = (example, prediction) => example.answer === prediction.answer;

/** The questions of a demo list (Examples or plain objects). */
export const questions = (demos: readonly unknown[]): unknown[] =>
  demos.map((demo) =>
    demo instanceof Example ? demo.get('question') : (demo as Record<string, unknown>).question,
  );
