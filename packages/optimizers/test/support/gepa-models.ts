import type { ChatMessage, LanguageModel, LMRequest, LMResponse } from '@dspy-ts/core';

/** The order of task (`t`) and reflection (`R`) requests across both models. */
export class CallLog {
  sequence = '';
}

/**
 * The fixtures' task model: answers with the last word of its first input field, uppercased and/or
 * reversed when the system message contains the rule's keyword; a ChainOfThought also gets a
 * one-line reasoning. With the `REFUSE` rule it answers 'river' without the output format. No cache: every request is recorded, as in the Python recording model.
 */
export class RuleTaskLM implements LanguageModel {
  readonly model = 'rule-task';
  // As the Python recording model: JSON mode, no response schema (one JSON fallback request).
  readonly capabilities = { responseFormat: 'json_object' as const };
  readonly calls: ChatMessage[][] = [];

  constructor(
    readonly rules: readonly string[],
    readonly log = new CallLog(),
  ) {}

  async request(request: LMRequest): Promise<LMResponse> {
    this.calls.push(request.messages.map((m) => ({ ...m })));
    this.log.sequence += 't';
    const system = request.messages[0]?.content ?? '';
    const last = request.messages[request.messages.length - 1]?.content ?? '';
    const value = /\[\[ ## \w+ ## \]\]\n([\s\S]*?)(?:\n\n|$)/.exec(last)?.[1] ?? '';
    const word = value.match(/[A-Za-z]+/g)?.at(-1) ?? '';
    if (this.rules.includes('REFUSE') && word === 'river' && !system.includes('UPPERCASE')) {
      return { outputs: ['I refuse to answer that.'] };
    }
    const outputs = /Your output fields are:\n([\s\S]*?)\nAll interactions/.exec(system)?.[1] ?? '';
    const names = [...outputs.matchAll(/^\d+\. `(\w+)`/gm)].map((m) => m[1]!);
    const parts = names.map((name) =>
      name === 'reasoning'
        ? `[[ ## reasoning ## ]]\nThe last word is ${word}.`
        : `[[ ## ${name} ## ]]\n${transform(word, system, this.rules)}`,
    );
    return { outputs: [`${parts.join('\n\n')}\n\n[[ ## completed ## ]]`] };
  }
}

export function transform(word: string, system: string, rules: readonly string[]): string {
  let out = word;
  if (rules.includes('UPPERCASE') && system.includes('UPPERCASE')) out = out.toUpperCase();
  if (rules.includes('REVERSED') && system.includes('REVERSED')) out = [...out].reverse().join('');
  return out;
}

/** The fixtures' reflection model: scripted proposals in order, fenced unless prefixed `RAW:`. */
export class ScriptedReflectionLM implements LanguageModel {
  readonly model = 'scripted-reflection';
  readonly prompts: string[] = [];
  #proposals: string[];

  constructor(
    proposals: readonly string[],
    readonly log = new CallLog(),
  ) {
    this.#proposals = [...proposals];
  }

  async request(request: LMRequest): Promise<LMResponse> {
    this.log.sequence += 'R';
    this.prompts.push(request.messages[request.messages.length - 1]?.content ?? '');
    const text = this.#proposals.shift() ?? 'NO MORE PROPOSALS';
    return { outputs: [text.startsWith('RAW:') ? text.slice(4) : `\`\`\`\n${text}\n\`\`\``] };
  }
}
