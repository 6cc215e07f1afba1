import { describe, expect, it } from 'vitest';
import { type Adapter, ChatAdapter, JSONAdapter } from '../src/index.js';
import { buildSignature, decode, loadFixtures } from './helpers/fixtures.js';

const fixtures = loadFixtures();
const adapters: Record<string, () => Adapter> = {
  ChatAdapter: () => new ChatAdapter(),
  JSONAdapter: () => new JSONAdapter(),
};

describe('golden fixtures from Python DSPy 3.3.1', () => {
  it('finds every fixture', () => {
    expect(fixtures.length).toBe(20);
  });

  for (const fixture of fixtures) {
    describe(fixture.file, () => {
      const sig = buildSignature(fixture);

      it('rebuilds the signature DSPy used (names, type names, instructions)', () => {
        expect(Object.keys(sig.fields)).toEqual(fixture.signature.fields.map((f) => f.name));
        expect(Object.values(sig.fields).map((f) => f.typeName)).toEqual(
          fixture.signature.fields.map((f) => f.dspy_type_name),
        );
        expect(sig.instructions).toBe(fixture.signature.instructions);
      });

      it(`formats byte for byte like ${fixture.adapter}`, () => {
        const adapter = adapters[fixture.adapter]!();
        const messages = adapter.format(
          sig,
          decode(fixture.demos) as Record<string, unknown>[],
          decode(fixture.inputs) as Record<string, unknown>,
        );
        expect(messages.map((m) => m.role)).toEqual(fixture.messages.map((m) => m.role));
        for (const [i, message] of fixture.messages.entries())
          expect(messages[i]!.content).toBe(message.content);
      });
    });
  }
});
