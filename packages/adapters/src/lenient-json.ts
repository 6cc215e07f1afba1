import { exceedsDepth, MAX_NESTING } from '@dspy-ts/core/internal';
import { repairJson } from './json-repair.js';
import { pyStrip } from './python-text.js';

/** json_repair's "found nothing" answer (Python returns `""`). */
export const NOTHING: unique symbol = Symbol('nothing');

/** Drops a Markdown code fence: the first line, and the last line when it starts with ```. */
export function stripFences(text: string): string {
  const stripped = pyStrip(text);
  if (!stripped.startsWith('```')) return stripped;
  const lines = stripped.split('\n').slice(1);
  if (lines.length > 0 && lines[lines.length - 1]!.trimStart().startsWith('```')) lines.pop();
  return pyStrip(lines.join('\n'));
}

// What json_repair treats as the start of JSON data; bare prose gives "nothing" (the reader would quote it).
const JSON_START = /^(?:[{["'\d-]|(?:true|false|null|None|True|False|NaN|Infinity)\b)/;

/**
 * DSPy's lenient JSON loading (json_repair): strict JSON first, then fences, single quotes,
 * trailing commas and unclosed brackets repaired by `repairJson` (which differs from json_repair
 * on some malformed input). Returns NOTHING when the text holds no JSON data, or data nested
 * deeper than MAX_NESTING levels. Linear in the length of the text.
 */
export function lenientJsonLoads(text: string): unknown {
  const stripped = pyStrip(text);
  if (stripped === '') return NOTHING;
  try {
    const value: unknown = JSON.parse(stripped);
    return exceedsDepth(value, MAX_NESTING) ? NOTHING : value;
  } catch {
    // fall through to the repairs
  }
  const body = stripFences(stripped);
  if (body === '' || !JSON_START.test(body)) return NOTHING;
  const repaired = repairJson(body, MAX_NESTING);
  return repaired ? repaired.value : NOTHING;
}

/** The first balanced `{...}` (braces counted, quoting ignored, as DSPy's recursive regex does). */
export function firstBalancedObject(text: string): string | undefined {
  // One pass pairing braces: the leftmost `{` that gets closed starts the regex's match. Linear,
  // so a huge completion full of unclosed braces cannot stall the parser.
  const open: number[] = [];
  let best: [number, number] | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 123) open.push(i);
    else if (ch === 125 && open.length > 0) {
      const start = open.pop()!;
      if (!best || start < best[0]) best = [start, i];
    }
  }
  return best ? text.slice(best[0], best[1] + 1) : undefined;
}
