/**
 * How deeply a value given to or read from a model may nest. No field type needs more, and the
 * code that walks values (validation, JSON and repr formatting, deep copies) may recurse once per
 * level: a deeper input is an InputError and a deeper reply unparseable, instead of a stack overflow.
 */
export const MAX_NESTING = 500;

/** Whether arrays and plain objects in `value` nest deeper than `limit`; iterative, so any depth is safe. */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
