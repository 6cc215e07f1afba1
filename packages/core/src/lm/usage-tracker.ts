import { AsyncLocalStorage } from 'node:async_hooks';
import type { Usage } from './types.js';
import { addUsage } from './usage.js';

/** Token usage summed per model name, e.g. `{ 'openai/gpt-4o-mini': { prompt_tokens: 120, ... } }`. */
export type UsageByModel = Record<string, Usage>;

const trackers = new AsyncLocalStorage<UsageByModel>();

/** Runs `fn` with a fresh usage tracker; returns its result and the usage every LM reported inside. */
export async function trackUsage<T>(fn: () => Promise<T>): Promise<{ result: T; usage: UsageByModel }> {
  const usage: UsageByModel = {};
  const result = await trackers.run(usage, fn);
  return { result, usage };
}

/** True inside a `trackUsage` scope (a nested module call adds to the outer tracker). */
export const isTrackingUsage = (): boolean => trackers.getStore() !== undefined;

/** Called by LMs for every response that was not a cache hit. */
export function recordLmUsage(model: string, usage: Usage | undefined): void {
  const tracker = trackers.getStore();
  if (!tracker || !usage) return;
  tracker[model] ??= {};
  addUsage(tracker[model] as Record<string, unknown>, usage);
}
