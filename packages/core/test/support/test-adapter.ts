import {
  type AdapterCallOptions,
  AdapterParseError,
  type AdapterProtocol,
  type AdapterStreamEvent,
  type ChatMessage,
  type Demo,
  type Signature,
} from '../../src/index.js';
import { requestLm } from '../../src/internal.js';

/**
 * A tiny adapter for core tests (the real ones live in @dspy-ts/adapters): one `name: value` line
 * per field, outputs parsed back as JSON when possible.
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
    const messages: ChatMessage[] = [{ role: 'system', content: signature.instructions }];
    for (const demo of demos) {
      const values =
        'toDict' in demo && typeof demo.toDict === 'function'
          ? demo.toDict()
          : (demo as Record<string, unknown>);
      messages.push({ role: 'user', content: line(values, Object.keys(signature.inputFields)) });
      messages.push({ role: 'assistant', content: line(values, Object.keys(signature.outputFields)) });
    }
    messages.push({ role: 'user', content: line(inputs, Object.keys(signature.inputFields)) });
    return messages;
  }

  parse(signature: Signature, completion: string): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const line of completion.split('\n')) {
      const match = /^(\w+): (.*)$/.exec(line);
      if (!match || !(match[1]! in signature.outputFields)) continue;
      try {
        values[match[1]!] = JSON.parse(match[2]!);
      } catch {
        values[match[1]!] = match[2];
      }
    }
    const missing = Object.keys(signature.outputFields).filter((name) => !(name in values));
    if (missing.length > 0) {
      throw new AdapterParseError({ adapterName: this.name, completion, signature, parsedResult: values });
    }
    return values;
  }

  async call(options: AdapterCallOptions): Promise<Record<string, unknown>[]> {
    const messages = this.format(options.signature, options.demos, options.inputs);
    const response = await requestLm(options.lm, {
      messages,
      temperature: options.config.temperature as number | undefined,
      n: options.config.n as number | undefined,
      signal: options.signal,
      completionFormat: this,
    });
    return response.outputs.map((output) => this.parse(options.signature, output));
  }

  formatCompletion(values: Readonly<Record<string, unknown>>): string {
    return Object.entries(values)
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join('\n');
  }
}

/** LineAdapter with streaming: emits each output line's value once the line is complete. */
export class StreamingLineAdapter extends LineAdapter {
  async *stream(options: AdapterCallOptions): AsyncIterable<AdapterStreamEvent> {
    const messages = this.format(options.signature, options.demos, options.inputs);
    const chunks = options.lm.stream!({ messages, signal: options.signal, completionFormat: this });
    let text = '';
    let emitted = 0;
    for await (const chunk of chunks) {
      text += chunk.text;
      const lines = text.split('\n');
      for (const line of lines.slice(emitted, -1)) {
        const match = /^(\w+): (.*)$/.exec(line);
        if (match) yield { type: 'delta', field: match[1]!, text: match[2]! };
      }
      emitted = lines.length - 1;
    }
    const last = /^(\w+): (.*)$/.exec(text.split('\n').at(-1) ?? '');
    if (last) yield { type: 'delta', field: last[1]!, text: last[2]! };
    yield { type: 'done', outputs: this.parse(options.signature, text) };
  }
}
