import type { Usage } from './types.js';

/** Token usage summed per model name, e.g. `{ 'openai/gpt-4o-mini': { prompt_tokens: 120, ... } }`. */
export type UsageByModel = Record<string, Usage>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Adds `usage` into `total` key by key, recursing into nested objects (DSPy's usage tracker rule). */
export function addUsage(total: Record<string, unknown>, usage: Readonly<Record<string, unknown>>): void {
  // for-in over a JSON-parsed object (own keys only): no entries array per level, every call.
  for (const key in usage) {
    const value = usage[key];
    const current = total[key];
    if (typeof value === 'number') {
      total[key] = (typeof current === 'number' ? current : 0) + value;
    } else if (isRecord(value)) {
      const nested = isRecord(current) ? current : {};
      addUsage(nested, value);
      total[key] = nested;
    }
  }
}

/** Keeps the usage fields that are numbers or nested objects of numbers (drops nulls). */
export function cleanUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const clean: Record<string, unknown> = {};
  addUsage(clean, usage);
  return clean as Usage;
}
