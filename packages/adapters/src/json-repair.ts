/**
 * A lenient JSON reader for almost-JSON replies, in one linear pass with an explicit stack.
 *
 * Hand-written on purpose: the `jsonrepair` library rebuilds or rescans its whole output for every
 * repair it makes, so a reply needing many repairs is quadratic (100 KB of `'[' + 'x\n'.repeat(…)`
 * blocked the event loop for 5-11 s; 4 KB already took 25 ms), and Python's json_repair has the
 * same flaw. This reader builds values directly and looks at every character a bounded number of
 * times, so any reply costs time linear in its length. It repairs what models actually get wrong
 * the way `jsonrepair` did: single or curly quotes, unescaped quotes inside strings, unquoted keys
 * and strings, missing or trailing commas, a missing colon, comments, Python's True/False/None,
 * unclosed strings and brackets (a truncated reply), stray closing brackets, and a top-level
 * list of values separated by commas or lines.
 */

/** Thrown for text the reader cannot make sense of; the caller treats it as "no JSON here". */
class Unrepairable extends Error {}

type Frame =
  | { kind: 'array'; value: unknown[] }
  | { kind: 'object'; value: Record<string, unknown>; key: string | undefined };

const CLOSING_QUOTE: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019' };
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const KEYWORDS: Record<string, unknown> = {
  true: true,
  false: false,
  null: null,
  True: true,
  False: false,
  None: null,
  undefined: null,
};
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
// JSON whitespace plus the Unicode spaces models paste (no-break, thin, ideographic...).
const SPACE = /[ \t\n\r\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]/;

const isQuote = (ch: string | undefined) => ch !== undefined && ch in CLOSING_QUOTE;
const isDelimiter = (ch: string | undefined) => ch !== undefined && ',:[]{}'.includes(ch);
const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';

function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  // JSON.parse makes `__proto__` an own key; a plain assignment would set the prototype instead.
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

class Reader {
  private i = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  /** The whole text as one value; a list of top-level values becomes an array. */
  read(): unknown {
    this.skipSpace();
    const first = this.value();
    const values = [first];
    for (;;) {
      const newline = this.skipSpace();
      const ch = this.text[this.i];
      if (ch === undefined) break;
      if (ch === ']' || ch === '}') {
        this.i++; // a redundant closing bracket
      } else if (ch === ',') {
        this.i++;
        this.skipSpace();
        if (this.i < this.text.length) values.push(this.value());
      } else if (newline) {
        values.push(this.value()); // newline-delimited values
      } else {
        throw new Unrepairable();
      }
    }
    return values.length === 1 ? first : values;
  }

  /** Skips whitespace and comments; says whether a line break was crossed. */
  private skipSpace(): boolean {
    const { text } = this;
    let newline = false;
    for (;;) {
      const ch = text[this.i];
      if (ch === undefined) return newline;
      if (SPACE.test(ch)) {
        if (ch === '\n') newline = true;
        this.i++;
      } else if (ch === '/' && text[this.i + 1] === '/') {
        const end = text.indexOf('\n', this.i);
        this.i = end === -1 ? text.length : end;
      } else if (ch === '/' && text[this.i + 1] === '*') {
        const end = text.indexOf('*/', this.i + 2);
        this.i = end === -1 ? text.length : end + 2;
      } else return newline;
    }
  }

  /** One value at the cursor; containers are filled iteratively, so depth costs no call stack. */
  private value(): unknown {
    const base = this.stack.length;
    let result = this.scalarOrOpen();
    while (this.stack.length > base) result = this.step();
    return result;
  }

  /** A scalar, or opens a container (pushed on the stack) and returns its value. */
  private scalarOrOpen(): unknown {
    const ch = this.text[this.i];
    if (ch === '[' || ch === '{') {
      if (this.stack.length >= this.maxDepth) throw new Unrepairable();
      this.i++;
      const frame: Frame =
        ch === '[' ? { kind: 'array', value: [] } : { kind: 'object', value: {}, key: undefined };
      this.stack.push(frame);
      return frame.value;
    }
    if (isQuote(ch)) return this.string();
    return this.bare(',]}\n');
  }

  /** Advances the innermost container by one item; returns the finished container when it closes. */
  private step(): unknown {
    const frame = this.stack[this.stack.length - 1]!;
    this.skipSpace();
    const ch = this.text[this.i];
    if (ch === undefined || ch === ']' || ch === '}') {
      // A truncated reply closes everything still open; either bracket closes either container.
      if (ch !== undefined) this.i++;
      if (frame.kind === 'object' && frame.key !== undefined) setOwn(frame.value, frame.key, null);
      this.stack.pop();
      return frame.value;
    }
    if (ch === '.' && this.text.startsWith('...', this.i)) {
      this.i += 3; // an ellipsis standing for omitted items
      return frame.value;
    }
    if (ch === ',') {
      this.i++; // a separator, or a repeated one
      if (frame.kind === 'object' && frame.key !== undefined) {
        setOwn(frame.value, frame.key, null);
        frame.key = undefined;
      }
      return frame.value;
    }
    if (frame.kind === 'array') {
      frame.value.push(this.scalarOrOpen());
      return frame.value;
    }
    if (frame.key === undefined) {
      frame.key = this.key();
      this.skipSpace();
      const after = this.text[this.i];
      // A key cut off by the end of a truncated reply gets null, as a missing value does.
      if (after === ':') this.i++;
      else if (after !== undefined && ',}]'.includes(after)) throw new Unrepairable();
      return frame.value;
    }
    const key = frame.key;
    frame.key = undefined;
    const item = this.scalarOrOpen();
    setOwn(frame.value, key, item);
    return frame.value;
  }

  private key(): string {
    const ch = this.text[this.i];
    if (isQuote(ch)) return this.string();
    if (ch === ':' || ch === '[' || ch === '{') throw new Unrepairable();
    const key = this.unquoted(':,{}[]\n');
    if (key === '') throw new Unrepairable();
    return key;
  }

  /**
   * A quoted string. A closing quote counts only when what follows it could follow a string
   * (the end, a delimiter, another quote or a number): otherwise it is an unescaped quote inside.
   */
  private string(): string {
    const { text } = this;
    const close = CLOSING_QUOTE[text[this.i]!]!;
    let out = '';
    let start = ++this.i;
    for (;;) {
      const ch = text[this.i];
      if (ch === undefined) return out + text.slice(start); // truncated: close it
      if (ch === '\\') {
        out += text.slice(start, this.i);
        const next = text[this.i + 1];
        const hex = next === 'u' ? text.slice(this.i + 2, this.i + 6) : '';
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.i += 6;
        } else if (next !== undefined) {
          out += ESCAPES[next] ?? next; // an unknown escape keeps its character
          this.i += 2;
        } else this.i += 1;
        start = this.i;
        continue;
      }
      if (ch === close) {
        const end = this.i;
        this.i++;
        // Each character is looked at here at most once more, so the lookahead stays linear.
        let j = this.i;
        while (j < text.length && SPACE.test(text[j]!)) j++;
        const after = text[j];
        if (after === undefined || isDelimiter(after) || isQuote(after) || isDigit(after) || after === '/') {
          return out + text.slice(start, end);
        }
        continue;
      }
      this.i++;
    }
  }

  /** A number, keyword or unquoted string, ending before any of `stops`. */
  private bare(stops: string): unknown {
    const { text } = this;
    const start = this.i;
    NUMBER.lastIndex = start;
    const number = NUMBER.exec(text);
    if (number) {
      const end = start + number[0].length;
      const next = text[end];
      const leadingZero = /^-?0\d/.test(number[0]);
      if (!leadingZero && (next === undefined || SPACE.test(next) || isDelimiter(next) || next === '/')) {
        this.i = end;
        return Number(number[0]);
      }
    }
    // A dash that starts no number is a Markdown bullet, not data.
    if (text[start] === '-' && !text.startsWith('-Infinity', start)) throw new Unrepairable();
    WORD.lastIndex = start;
    const word = WORD.exec(text);
    if (word && Object.hasOwn(KEYWORDS, word[0])) {
      const next = text[start + word[0].length];
      if (next === undefined || !/[\w$]/.test(next)) {
        this.i = start + word[0].length;
        return KEYWORDS[word[0]];
      }
    }
    const value = this.unquoted(stops);
    if (value === '') throw new Unrepairable();
    return value;
  }

  /** Text up to the first of `stops` (or a quote), without its trailing whitespace. */
  private unquoted(stops: string): string {
    const { text } = this;
    const start = this.i;
    while (this.i < text.length && !stops.includes(text[this.i]!) && !isQuote(text[this.i])) this.i++;
    let end = this.i;
    while (end > start && SPACE.test(text[end - 1]!)) end--;
    return text.slice(start, end);
  }
}

/**
 * Reads `text` as JSON, repairing it; `undefined` when it cannot, or when it nests deeper than
 * `maxDepth` containers. Linear in the length of `text`.
 */
export function repairJson(text: string, maxDepth: number): { value: unknown } | undefined {
  try {
    return { value: new Reader(text, maxDepth).read() };
  } catch (error) {
    if (error instanceof Unrepairable) return undefined;
    throw error;
  }
}
