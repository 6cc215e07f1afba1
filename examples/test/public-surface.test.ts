// The runtime names each package's main entry exports. Plumbing the sibling packages share lives in
// the `/internal` subpaths; a name added to a main entry must be added here on purpose.

import { readFileSync } from 'node:fs';
import * as adapters from '@dspy-ts/adapters';
import * as adaptersInternal from '@dspy-ts/adapters/internal';
import * as core from '@dspy-ts/core';
import * as coreInternal from '@dspy-ts/core/internal';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const namesOf = (module: object): string[] => Object.keys(module).sort();

/** Every name an entry file exports, types included (entries hold explicit named exports only). */
const declaredExports = (path: string): string[] => {
  const url = new URL(`../../packages/${path}`, import.meta.url);
  const source = ts.createSourceFile(path, readFileSync(url, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) =>
    ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)
      ? statement.exportClause.elements.map((element) => element.name.text)
      : [],
  );
};

const CORE = [
  'AdapterParseError',
  'ChainOfThought',
  'Completions',
  'ConfigurationError',
  'ContextWindowExceededError',
  'DEFAULT_TIMEOUT_MS',
  'DSPY_TS_VERSION',
  'DSPY_VERSION',
  'DspyError',
  'DummyLM',
  'Example',
  'History',
  'InputError',
  'InputField',
  'LM',
  'LMAbortError',
  'LMAuthError',
  'LMBillingError',
  'LMCache',
  'LMConfigurationError',
  'LMError',
  'LMInvalidRequestError',
  'LMRateLimitError',
  'LMServerError',
  'LMTimeoutError',
  'LMUnexpectedError',
  'LMUnsupportedModelError',
  'MetricError',
  'Module',
  'OutputField',
  'PARAMETER',
  'PROVIDERS',
  'Predict',
  'Prediction',
  'ReAct',
  'Signature',
  'SignatureError',
  'Tool',
  'ToolCalls',
  'activeCallId',
  'configure',
  'context',
  'ensureSignature',
  'formatHistory',
  'loadProgram',
  'saveProgram',
  'settings',
  'signature',
  'streamify',
  'trackUsage',
];

const ADAPTERS = [
  'Adapter',
  'AdapterParseError',
  'ChatAdapter',
  'ConfigurationError',
  'InputError',
  'JSONAdapter',
  'LMError',
  'TemplateAdapter',
  'XMLAdapter',
];

describe('the public surface', () => {
  it('of @dspy-ts/core is exactly the names users program against', () => {
    expect(namesOf(core)).toEqual(CORE);
  });

  it('of @dspy-ts/adapters is the adapter classes and the errors users catch', () => {
    expect(namesOf(adapters)).toEqual(ADAPTERS);
  });

  it('keeps core plumbing such as stream sinks and usage recording in @dspy-ts/core/internal', () => {
    for (const name of [
      'withStreamSink',
      'recordLmUsage',
      'requestLm',
      'registerDefaultAdapter',
      'cleandoc',
    ]) {
      expect(namesOf(coreInternal)).toContain(name);
    }
  });

  it('keeps adapter plumbing such as buildRequest and formatValue in @dspy-ts/adapters/internal', () => {
    for (const name of ['buildRequest', 'formatValue', 'parseValue', 'typeInfoOf']) {
      expect(namesOf(adaptersInternal)).toContain(name);
    }
  });

  it('never exports a name, value or type, from both a main entry and its internal subpath', () => {
    for (const pkg of ['core', 'adapters']) {
      const internal = new Set(declaredExports(`${pkg}/src/internal.ts`));
      expect(internal.size).toBeGreaterThan(5);
      expect(declaredExports(`${pkg}/src/index.ts`).filter((name) => internal.has(name))).toEqual([]);
    }
  });

  it('exports the session errors from @dspy-ts/session, not from core', () => {
    expect(namesOf(core)).not.toContain('SessionStateError');
    expect(namesOf(core)).not.toContain('VersionConflictError');
  });
});
