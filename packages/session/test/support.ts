import {
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterProtocol,
  type AdapterStreamEvent,
  type ChatMessage,
  context,
  type Demo,
  History,
  type Logger,
  Predict,
  Prediction,
  type Signature,
  type SignatureInput,
} from '@dspy-ts/core';
import { currentFrame } from '@dspy-ts/core/internal';

/** A logger that records every warning, for asserting exact texts. */
export function captureLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return { warnings, infos, warn: (m) => warnings.push(m), info: (m) => infos.push(m) };
}

/** Runs `fn` with a capturing logger and returns what it logged with the result. */
export function withWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const logger = captureLogger();
  const result = context({ logger }, fn);
  return { result, warnings: logger.warnings };
}

/**
 * The inputs a fake predictor receives: the call's, completed by the call frame's supplier (a
 * session's history), exactly as `Predict.preprocess` completes them.
 */
export const suppliedInputs = (
  predictor: object,
  inputs: Record<string, unknown>,
): Record<string, unknown> => ({ ...(currentFrame().supplyInputs?.(predictor, inputs) ?? inputs) });

/** Replaces a predictor's forward with an instance-level fake (typed loosely for tests). */
export function setForward(
  predictor: object,
  fn: (inputs: Record<string, unknown>) => Promise<unknown>,
): void {
  // `this`, not `predictor`: a session's deep copy carries the fake along.
  (predictor as { forward: unknown }).forward = function (this: object, inputs: Record<string, unknown>) {
    return fn(suppliedInputs(this, inputs));
  };
}

/** What a fake predictor saw on each call. */
export type Calls = Record<string, unknown>[];

/**
 * A Predict whose `forward` is an instance-level fake returning canned outputs in order (a test
 * double standing in for a real predictor). It records the inputs it received.
 */
export function fakePredict(
  sig: SignatureInput,
  answers: readonly Record<string, unknown>[] = [],
): { predict: Predict; calls: Calls } {
  const predict = new Predict(sig);
  const calls: Calls = [];
  let next = 0;
  predict.forward = async function (this: object, inputs: Record<string, unknown>) {
    calls.push(suppliedInputs(this, inputs));
    const answer = answers[next++] ?? answers.at(-1) ?? {};
    return new Prediction(answer) as never;
  };
  return { predict, calls };
}

/** Answers that echo the question: `{ answer: 'A:<question>' }`. */
export function echoPredict(sig: SignatureInput = 'question -> answer'): { predict: Predict; calls: Calls } {
  const predict = new Predict(sig);
  const calls: Calls = [];
  predict.forward = async function (this: object, inputs: Record<string, unknown>) {
    calls.push(suppliedInputs(this, inputs));
    return new Prediction({ answer: `A:${String(inputs.question)}` }) as never;
  };
  return { predict, calls };
}

/** The messages of the History a call received under `field`. */
export const messagesOf = (inputs: Record<string, unknown> | undefined, field = 'history') =>
  (inputs?.[field] as History | undefined)?.messages;

/** A controllable promise, to interleave concurrent calls deterministically without sleeps. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A tiny adapter for logic tests that do not depend on ChatAdapter's text: one `name: json` line
 * per field, history messages rendered as user/assistant pairs.
 */
export class LineAdapter implements AdapterProtocol {
  readonly name = 'LineAdapter';

  format(
    signature: Signature,
    demos: readonly Demo[],
    inputs: Readonly<Record<string, unknown>>,
  ): ChatMessage[] {
    const line = (values: Readonly<Record<string, unknown>>, names: string[]) =>
      names
        .filter((name) => values[name] !== undefined)
        .map((name) => `${name}: ${JSON.stringify(values[name])}`)
        .join('\n');
    const historyName = Object.values(signature.inputFields).find((f) => f.isHistory)?.name;
    const inputNames = Object.keys(signature.inputFields).filter((n) => n !== historyName);
    const outputNames = Object.keys(signature.outputFields);
    const messages: ChatMessage[] = [{ role: 'system', content: signature.instructions }];
    for (const demo of demos) {
      const values =
        'toDict' in demo && typeof demo.toDict === 'function'
          ? demo.toDict()
          : (demo as Record<string, unknown>);
      messages.push({ role: 'user', content: line(values, inputNames) });
      messages.push({ role: 'assistant', content: line(values, outputNames) });
    }
    const history = historyName ? History.from(inputs[historyName]) : new History();
    for (const message of history.messages) {
      messages.push({ role: 'user', content: line(message, inputNames) });
      messages.push({ role: 'assistant', content: line(message, outputNames) });
    }
    messages.push({ role: 'user', content: line(inputs, inputNames) });
    return messages;
  }

  parse(signature: Signature, completion: string): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const text of completion.split('\n')) {
      const match = /^(\w+): (.*)$/.exec(text);
      if (!match || !(match[1]! in signature.outputFields)) continue;
      values[match[1]!] = JSON.parse(match[2]!);
    }
    if (Object.keys(signature.outputFields).some((name) => !(name in values))) {
      throw new AdapterParseError({ adapterName: this.name, completion, signature, parsedResult: values });
    }
    return values;
  }

  async call(options: AdapterCallOptions): Promise<Record<string, unknown>[]> {
    const messages = this.format(options.signature, options.demos, options.inputs);
    const response = await options.lm.request({ messages, completionFormat: this });
    return response.outputs.map((output) => this.parse(options.signature, output));
  }

  formatCompletion(values: Readonly<Record<string, unknown>>): string {
    return Object.entries(values)
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join('\n');
  }
}

/** LineAdapter with streaming: each output line's value is emitted once the line is complete. */
export class StreamingLineAdapter extends LineAdapter {
  async *stream(options: AdapterCallOptions): AsyncIterable<AdapterStreamEvent> {
    const messages = this.format(options.signature, options.demos, options.inputs);
    const chunks = options.lm.stream!({ messages, signal: options.signal, completionFormat: this });
    let text = '';
    for await (const chunk of chunks) text += chunk.text;
    for (const line of text.split('\n')) {
      const match = /^(\w+): (.*)$/.exec(line);
      if (match) yield { type: 'delta', field: match[1]!, text: match[2]! };
    }
    yield { type: 'done', outputs: this.parse(options.signature, text) };
  }
}
