/**
 * Python's string primitives, reproduced exactly: the prompts are byte-exact with DSPy, and
 * `trim()` / `split('\n')` differ from `str.strip()` / `str.splitlines()` on several characters.
 */

// Python's str.isspace() set (not JavaScript's: \ufeff is not whitespace, \x1c-\x1f and \x85 are).
const PY_SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const ONLY_SPACE = new RegExp(`^[${PY_SPACE}]*$`);

/** Whether a UTF-16 code unit is in PY_SPACE (all of it is in the BMP). */
export const isPySpace = (code: number): boolean =>
  code <= 0x20
    ? (code >= 0x09 && code <= 0x0d) || code >= 0x1c
    : code >= 0x85 &&
      (code === 0x85 ||
        code === 0xa0 ||
        code === 0x1680 ||
        (code >= 0x2000 && code <= 0x200a) ||
        code === 0x2028 ||
        code === 0x2029 ||
        code === 0x202f ||
        code === 0x205f ||
        code === 0x3000);

/**
 * Python `str.strip()`. A scan from both ends instead of `^[...]+` / `[...]+$` regexes: the
 * trailing regex retries at every whitespace run of the text, and this runs on every prompt block
 * (profiled as the top self-time function of format).
 */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Python `str.isspace() or s == ''`. */
export const isBlank = (text: string): boolean => ONLY_SPACE.test(text);

// Python str.splitlines() boundaries: \r\n counts as one break.
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python splits on these separators too.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python `str.splitlines()`: no trailing empty element after a final line break. */
export function splitlines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Python `textwrap.dedent`: whitespace-only lines become empty, the common margin is removed. */
export function dedent(text: string): string {
  const lines = text.split('\n').map((line) => (/^[ \t]+$/.test(line) ? '' : line));
  let margin: string | undefined;
  for (const line of lines) {
    if (line === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (margin === undefined) margin = indent;
    else {
      let common = 0;
      while (common < margin.length && common < indent.length && margin[common] === indent[common]) common++;
      margin = margin.slice(0, common);
    }
  }
  return margin
    ? lines.map((line) => (line === '' ? line : line.slice(margin.length))).join('\n')
    : lines.join('\n');
}

/** Python `str.title()` (a letter after a non-letter starts a word), as pydantic uses for titles. */
export function pyTitle(text: string): string {
  let out = '';
  let previousCased = false;
  for (const ch of text) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (previousCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    previousCased = cased;
  }
  return out;
}

/** Pydantic's default field title: `my_field` -> `My Field`. */
export const fieldTitle = (name: string): string => pyTitle(name).replaceAll('_', ' ');
