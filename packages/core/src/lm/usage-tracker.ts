import { currentFrame, withFrame } from '../call-context.js';
import type { Usage } from './types.js';
import { addUsage, type UsageByModel } from './usage.js';

export type { UsageByModel } from './usage.js';

/** Runs `fn` with a fresh usage tracker; returns its result and the usage every LM reported inside. */
export async function trackUsage<T>(fn: () => Promise<T>): Promise<{ result: T; usage: UsageByModel }> {
  const usage: UsageByModel = {};
  const result = await withFrame({ usage }, fn);
  return { result, usage };
}

/** True inside a `trackUsage` scope (a nested module call adds to the outer tracker). */
export const isTrackingUsage = (): boolean => currentFrame().usage !== undefined;

/** Called by LMs for every response that was not a cache hit. */
export function recordLmUsage(model: string, usage: Usage | undefined): void {
  const tracker = currentFrame().usage;
  if (!tracker || !usage) return;
  tracker[model] ??= {};
  addUsage(tracker[model] as Record<string, unknown>, usage);
}
