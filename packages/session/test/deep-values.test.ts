import { AdapterParseError, context, DummyLM, Predict } from '@dspy-ts/core';
import { sessionify } from '@dspy-ts/session';
import { describe, expect, it } from 'vitest';
import { deepCopyValue } from '../src/turn.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: [value] };
  return value;
};

describe('deeply nested values', () => {
  it('rejects a 3,000-deep reply for a dict output with AdapterParseError, not RangeError', async () => {
    const reply = `[[ ## answer ## ]]\n${'{"a": '.repeat(3000)}1${'}'.repeat(3000)}`;
    const session = sessionify(new Predict('question -> answer: dict[str, Any]'));
    const lm = new DummyLM(() => reply);
    await context({ lm }, async () => {
      await expect(session.call({ question: 'q' })).rejects.toBeInstanceOf(AdapterParseError);
    });
    expect(session.turns).toHaveLength(0);
  });

  it('deep-copies values of any depth without recursion', () => {
    // Walked in a loop: vitest's own deep equality would recurse past the stack.
    let original = nested(20_000) as { a: [unknown] } | number;
    let copy = deepCopyValue(original);
    let depth = 0;
    let distinct = 0;
    while (typeof original === 'object' && typeof copy === 'object') {
      if (copy !== original) distinct++;
      [original, copy, depth] = [original.a[0] as typeof original, copy.a[0] as typeof copy, depth + 1];
    }
    expect([depth, distinct, copy]).toEqual([20_000, 20_000, 1]);
  });

  it('deep-copies shared and cyclic references once', () => {
    const shared = { x: 1 };
    const cyclic: Record<string, unknown> = {
      left: shared,
      right: shared,
      map: new Map([[shared, new Set([shared])]]),
    };
    cyclic.self = cyclic;
    const copy = deepCopyValue(cyclic);
    expect(copy).not.toBe(cyclic);
    expect(copy.self).toBe(copy);
    expect(copy.left).toBe(copy.right);
    expect(copy.left).not.toBe(shared);
    const [key, set] = [...(copy.map as Map<object, Set<object>>).entries()][0]!;
    expect(key).toBe(copy.left);
    expect([...set][0]).toBe(copy.left);
  });
});
