import { describe, expect, it } from 'vitest';
import {
  AdapterParseError,
  DspyError,
  LMError,
  LMRateLimitError,
  SignatureError,
  signature,
} from '../src/index.js';

describe('errors', () => {
  it('share one base class and keep stable names', () => {
    const err = new SignatureError('bad');
    expect(err).toBeInstanceOf(DspyError);
    expect(err.name).toBe('SignatureError');
    expect(new LMRateLimitError('slow down', { model: 'openai/x', status: 429 })).toBeInstanceOf(LMError);
  });

  it('prefix LM errors with the model, as DSPy does', () => {
    const err = new LMRateLimitError('Rate limited', {
      model: 'openai/gpt-4o-mini',
      status: 429,
      retryAfterMs: 1000,
    });
    expect(err.message).toBe('[openai/gpt-4o-mini] Rate limited');
    expect(err.retryAfterMs).toBe(1000);
  });

  it('lay out AdapterParseError like DSPy and carry the raw completion and missing fields', () => {
    const sig = signature('question -> answer, confidence');
    const err = new AdapterParseError({
      adapterName: 'ChatAdapter',
      completion: '[[ ## answer ## ]]\nParis',
      signature: sig,
      parsedResult: { answer: 'Paris' },
    });
    expect(err.message).toBe(
      'Adapter ChatAdapter failed to parse the LM response. \n\n' +
        'LM Response: [[ ## answer ## ]]\nParis \n\n' +
        'Expected to find output fields in the LM response: [answer, confidence] \n\n' +
        'Actual output fields parsed from the LM response: [answer] \n\n',
    );
    expect(err.missingFields).toEqual(['confidence']);
    expect(err.completion).toBe('[[ ## answer ## ]]\nParis');
  });
});
