import { Module, Predict } from '../../src/index.js';

/** A two-predictor program (draft, then polish): nested module calls for callback and span tests. */
export class TwoSteps extends Module<{ question: string }> {
  draft = new Predict('question -> draft');
  polish = new Predict('draft -> answer');

  async forward({ question }: { question: string }) {
    const { draft } = await this.draft.call({ question });
    return this.polish.call({ draft });
  }
}
