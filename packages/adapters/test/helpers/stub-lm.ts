import type { LanguageModel, LMRequest, LMResponse } from '@dspy-ts/core';

/** A scripted LanguageModel: each request takes the next reply (text, texts per choice, or an error). */
export class StubLM implements LanguageModel {
  readonly model = 'stub';
  readonly requests: LMRequest[] = [];
  capabilities?: NonNullable<LanguageModel['capabilities']>;
  #replies: (string | string[] | Error)[];

  constructor(
    replies: (string | string[] | Error)[],
    capabilities?: NonNullable<LanguageModel['capabilities']>,
  ) {
    this.#replies = [...replies];
    if (capabilities) this.capabilities = capabilities;
  }

  async request(request: LMRequest): Promise<LMResponse> {
    this.requests.push(request);
    const reply = this.#replies.shift();
    if (reply === undefined) throw new Error('StubLM: no reply left');
    if (reply instanceof Error) throw reply;
    return { outputs: Array.isArray(reply) ? reply : [reply] };
  }
}
