// The runtime names each package's main entry exports. Plumbing the sibling packages share lives in
// the `/internal` subpaths; a name added to a main entry must be added here on purpose.
import * as adapters from '@dspy-ts/adapters';
import * as adaptersInternal from '@dspy-ts/adapters/internal';
import * as core from '@dspy-ts/core';
import * as coreInternal from '@dspy-ts/core/internal';
import { describe, expect, it } from 'vitest';

const namesOf = (module: object): string[] => Object.keys(module).sort();

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

  it('never exports a name from both a main entry and its internal subpath', () => {
    expect(namesOf(core).filter((name) => name in coreInternal)).toEqual([]);
    expect(namesOf(adapters).filter((name) => name in adaptersInternal)).toEqual([]);
  });

  it('exports the session errors from @dspy-ts/session, not from core', () => {
    expect(namesOf(core)).not.toContain('SessionStateError');
    expect(namesOf(core)).not.toContain('VersionConflictError');
  });
});
