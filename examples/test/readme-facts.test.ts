import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TIMEOUT_MS, PROVIDERS } from '@dspy-ts/core';
import { describe, expect, it } from 'vitest';
import { root } from './readme-blocks.ts';

// Facts the README states about the code, checked against the code.
const readme = await readFile(join(root, 'README.md'), 'utf8');

describe('the README', () => {
  it('states the default timeout the LM uses', () => {
    expect(readme).toContain(`defaults to ${DEFAULT_TIMEOUT_MS.toLocaleString('en-US')} ms`);
  });

  it('has a provider table row for every provider the LM routes, with its endpoint and key variable', () => {
    const section = readme.slice(readme.indexOf('### Providers'));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    for (const [name, provider] of Object.entries(PROVIDERS)) {
      const row = rows.find((line) => line.split('|')[1]?.includes(`\`${name}\``));
      expect(row, name).toBeDefined();
      if (provider.baseURL) expect(row).toContain(provider.baseURL);
      for (const variable of [...provider.keyEnv, ...provider.baseURLEnv]) expect(row).toContain(variable);
    }
  });
});
