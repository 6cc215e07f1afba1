import {
  AdapterParseError,
  ConfigurationError,
  context,
  DummyLM,
  LMError,
  LMRateLimitError,
  type Signature,
  signature,
} from '@dspy-ts/core';
import { describe, expect, it, vi } from 'vitest';
import { ChatAdapter, JSONAdapter, TemplateAdapter, XMLAdapter } from '../src/index.js';
import { StubLM } from './helpers/stub-lm.js';

const QA = signature('question -> answer') as Signature;
const INT = signature('question -> answer: int') as Signature;
const base = { config: {}, demos: [], inputs: { question: 'q' } };

describe('adapter.call', () => {
  it('maps config to the request and passes the signal', async () => {
    const lm = new StubLM(['[[ ## answer ## ]]\nA']);
    const controller = new AbortController();
    await new ChatAdapter().call({
      ...base,
      lm,
      signature: QA,
      config: { temperature: 0.5, n: 1, max_tokens: 10, top_p: 0.9, tools: [{}], seed: undefined },
      signal: controller.signal,
    });
    const request = lm.requests[0]!;
    expect(request).toMatchObject({
      temperature: 0.5,
      n: 1,
      maxTokens: 10,
      extra: { top_p: 0.9 },
      signal: controller.signal,
    });
    expect(request.extra).not.toHaveProperty('tools');
    expect(request.responseFormat).toBeUndefined();
  });

  it('returns one parsed object per choice', async () => {
    const lm = new StubLM([['[[ ## answer ## ]]\n1', '[[ ## answer ## ]]\n2']]);
    expect(await new ChatAdapter().call({ ...base, lm, signature: INT })).toEqual([
      { answer: 1 },
      { answer: 2 },
    ]);
  });

  it('falls back to JSONAdapter once on a parse failure, with the same messages in JSON format', async () => {
    const lm = new StubLM(['[[ ## answer ## ]]\nforty-two', '{"answer": 42}'], { responseFormat: 'none' });
    expect(await new ChatAdapter().call({ ...base, lm, signature: INT })).toEqual([{ answer: 42 }]);
    expect(lm.requests).toHaveLength(2);
    expect(lm.requests[1]!.messages).toEqual(new JSONAdapter().format(INT, [], base.inputs));
  });

  it('costs three calls in the worst case with structured outputs and the caller sees the JSON error', async () => {
    const lm = new StubLM(['nope', 'still nope', 'no json here'], { responseFormat: 'json_schema' });
    const warn = vi.fn();
    const error = await context({ logger: { info: () => {}, warn } }, () =>
      new ChatAdapter().call({ ...base, lm, signature: INT }).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(AdapterParseError);
    expect((error as AdapterParseError).adapterName).toBe('JSONAdapter');
    expect(lm.requests.map((r) => (r.responseFormat as { type?: string } | undefined)?.type)).toEqual([
      undefined,
      'json_schema',
      'json_object',
    ]);
    expect(warn).toHaveBeenCalledWith('Failed to use structured output format, falling back to JSON mode.');
  });

  it('never retries an LMError', async () => {
    const lm = new StubLM([new LMRateLimitError('slow down', { model: 'stub' })]);
    await expect(new ChatAdapter().call({ ...base, lm, signature: QA })).rejects.toBeInstanceOf(LMError);
    expect(lm.requests).toHaveLength(1);
    const structured = new StubLM([new LMRateLimitError('rejected', { model: 'stub' })]);
    await expect(new JSONAdapter().call({ ...base, lm: structured, signature: QA })).rejects.toBeInstanceOf(
      LMError,
    );
    expect(structured.requests).toHaveLength(1);
  });

  it('does not fall back when useJsonAdapterFallback is false', async () => {
    const lm = new StubLM(['garbage']);
    await expect(
      new ChatAdapter({ useJsonAdapterFallback: false }).call({ ...base, lm, signature: QA }),
    ).rejects.toThrow(AdapterParseError);
    expect(lm.requests).toHaveLength(1);
  });

  it('XMLAdapter falls back to JSON too; TemplateAdapter never does', async () => {
    const lm = new StubLM(['<answer>a & b</answer>', '{"answer": "a & b"}'], {
      responseFormat: 'json_object',
    });
    expect(await new XMLAdapter().call({ ...base, lm, signature: QA })).toEqual([{ answer: 'a & b' }]);
    const template = new TemplateAdapter({ messages: [{ role: 'user', content: '{question}' }] });
    const once = new StubLM(['no object']);
    await expect(template.call({ ...base, lm: once, signature: QA })).rejects.toThrow(
      'No JSON object found in LM response.',
    );
    expect(once.requests).toHaveLength(1);
  });

  it('treats an empty completion as a parse error', async () => {
    const lm = new StubLM(['']);
    const error = await new ChatAdapter({ useJsonAdapterFallback: false })
      .call({ ...base, lm, signature: QA })
      .catch((e: unknown) => e as AdapterParseError);
    expect(error).toBeInstanceOf(AdapterParseError);
    expect((error as AdapterParseError).message).toMatch(
      /^The LM returned an empty or null response\.\n\nAdapter ChatAdapter/,
    );
  });

  it('chooses response_format from the LM capabilities', async () => {
    const formats = async (capabilities: ConstructorParameters<typeof StubLM>[1], sig = QA) => {
      const lm = new StubLM(['{"answer": "x"}'], capabilities);
      await new JSONAdapter().call({ ...base, lm, signature: sig });
      return lm.requests[0]!.responseFormat as { type: string } | undefined;
    };
    expect(await formats({ responseFormat: 'none' })).toBeUndefined();
    expect(await formats({ responseFormat: 'json_object' })).toEqual({ type: 'json_object' });
    expect((await formats({ responseFormat: 'json_schema' }))?.type).toBe('json_schema');
    expect((await formats(undefined))?.type).toBe('json_schema');
    const dict = signature('question -> answer: dict[str, int]') as Signature;
    const lm = new StubLM(['{"answer": {"a": 1}}']);
    await new JSONAdapter().call({ ...base, lm, signature: dict });
    expect(lm.requests[0]!.responseFormat).toEqual({ type: 'json_object' });
  });

  it('applies declared output defaults and reports missing Optional outputs as null', async () => {
    const { OutputField, InputField } = await import('@dspy-ts/core');
    const { z } = await import('zod');
    const sig = signature({
      inputs: { question: InputField() },
      outputs: {
        answer: OutputField(),
        level: OutputField(z.int(), { default: 3 }),
        note: OutputField(z.string().nullable()),
      },
    }) as unknown as Signature;
    const lm = new StubLM(['[[ ## answer ## ]]\nA']);
    expect(await new ChatAdapter().call({ ...base, lm, signature: sig })).toEqual([
      { answer: 'A', level: 3, note: null },
    ]);
  });

  it('rejects non-numeric temperature with a ConfigurationError', async () => {
    const lm = new StubLM(['x']);
    await expect(
      new ChatAdapter().call({ ...base, lm, signature: QA, config: { temperature: 'hot' } }),
    ).rejects.toThrow(ConfigurationError);
  });
});

describe('DummyLM answers in the active adapter format', () => {
  for (const adapter of [
    new ChatAdapter(),
    new JSONAdapter(),
    new XMLAdapter(),
    new TemplateAdapter({ messages: [{ role: 'user', content: '{question}' }] }),
  ]) {
    it(`round-trips through ${adapter.name}`, async () => {
      const lm = new DummyLM([{ reasoning: 'because', answer: 42 }]);
      const sig = signature('question -> reasoning, answer: int') as Signature;
      expect(await adapter.call({ ...base, lm, signature: sig })).toEqual([
        { reasoning: 'because', answer: 42 },
      ]);
      expect(lm.requests).toHaveLength(1);
    });
  }

  it('a missing field makes Chat fall back to JSON, which consumes the next answer', async () => {
    const lm = new DummyLM([{ other: 'x' }, { answer: 'second' }]);
    expect(await new ChatAdapter().call({ ...base, lm, signature: QA })).toEqual([{ answer: 'second' }]);
    expect(lm.requests).toHaveLength(2);
  });
});
