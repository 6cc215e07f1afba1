import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ChatMessage, History, OutputField, type Signature, signature } from '@dspy-ts/core';

/** One golden case produced by Python DSPy 3.3.1 (see fixtures/dspy/README.md). */
export interface FixtureField {
  name: string;
  io: 'input' | 'output';
  type: string;
  dspy_type_name: string;
  desc: string;
  prefix: string;
  type_undefined_in_string_sig?: boolean;
}
export interface FixtureSignature {
  name: string;
  instructions: string;
  fields: FixtureField[];
}
export interface Fixture {
  file: string;
  name: string;
  adapter: 'ChatAdapter' | 'JSONAdapter';
  signature: FixtureSignature;
  chain_of_thought?: { original_signature: FixtureSignature };
  demos: Record<string, unknown>[];
  inputs: Record<string, unknown>;
  messages: ChatMessage[];
}

const dir = fileURLToPath(new URL('../fixtures/dspy/', import.meta.url));

/** Decodes the fixtures' value encoding: `{"__type__": "History", "messages": [...]}` is a History. */
export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record.__type__ === 'History') return new History(record.messages as Record<string, unknown>[]);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decode(v)]));
}

export function loadFixtures(): Fixture[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && !file.startsWith('_'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(dir + file, 'utf8')) as Omit<Fixture, 'file'>) }));
}

const sideText = (fields: FixtureField[]) =>
  fields.map((f) => (f.type_undefined_in_string_sig ? f.name : `${f.name}: ${f.type}`)).join(', ');

/** Rebuilds the fixture's signature through the public API (ChainOfThought's prepend for *__cot_*). */
export function buildSignature(fixture: Fixture): Signature {
  // `*__cot_*` cases are ChainOfThought: rebuild the original signature and prepend `reasoning`.
  const cot = fixture.file.includes('__cot_');
  const source = fixture.chain_of_thought?.original_signature ?? {
    ...fixture.signature,
    fields: fixture.signature.fields.filter((f) => !(cot && f.name === 'reasoning')),
  };
  const inputs = source.fields.filter((f) => f.io === 'input');
  const outputs = source.fields.filter((f) => f.io === 'output');
  const base = signature(`${sideText(inputs)} -> ${sideText(outputs)}`) as Signature;
  return cot ? (base.prepend('reasoning', OutputField({ desc: '${reasoning}' })) as Signature) : base;
}
