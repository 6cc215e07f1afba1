import type { DummyLM, LanguageModel, LMRequest, LMResponse } from '@dspy-ts/core';

/** Wraps a DummyLM with a per-request delay and counts requests in flight at once. */
export class SlowLM implements LanguageModel {
  readonly model = 'slow';
  inFlight = 0;
  peakInFlight = 0;
  constructor(
    readonly base: DummyLM,
    readonly delayMs: (request: LMRequest) => number,
  ) {}
  get defaults() {
    return this.base.defaults;
  }
  get capabilities() {
    return this.base.capabilities;
  }
  get requests() {
    return this.base.requests;
  }
  async request(request: LMRequest): Promise<LMResponse> {
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs(request)));
      return await this.base.request(request);
    } finally {
      this.inFlight -= 1;
    }
  }
}
