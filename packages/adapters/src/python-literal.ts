import { MAX_NESTING } from '@dspy-ts/core/internal';

const PREFIX = /[rRuU](?=['"])/y;
const KEYWORD = /(True|False|None)\b/y;
const NUMBER =
  /[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d[\d_]*)?|\d[\d_]*\.)/y;
const ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/y;

/** Runs a sticky regex at `pos`: no copy of the rest of the text, so reading stays linear. */
function matchAt(regex: RegExp, text: string, pos: number): RegExpExecArray | null {
  regex.lastIndex = pos;
  return regex.exec(text);
}

/**
 * A small `ast.literal_eval` for the literals LMs write in Python style:
 * `True`/`False`/`None`, quoted strings, numbers with `_`, lists, tuples (`1, 2` included),
 * sets and dicts. Tuples and sets become arrays. Anything else throws.
 */
class LiteralParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  parseTop(): unknown {
    this.skipSpace();
    const first = this.value();
    this.skipSpace();
    if (this.peek() === ',') {
      // A bare `1, 2` is a tuple, as in Python.
      const items = [first];
      while (this.peek() === ',') {
        this.pos++;
        this.skipSpace();
        if (this.pos >= this.text.length) break;
        items.push(this.value());
        this.skipSpace();
      }
      this.end();
      return items;
    }
    this.end();
    return first;
  }

  private end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail();
  }

  private fail(): never {
    throw new SyntaxError(`malformed node or string at position ${this.pos}`);
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private value(): unknown {
    this.skipSpace();
    const ch = this.peek();
    if (ch === undefined) this.fail();
    if (ch === '[' || ch === '(' || ch === '{') {
      // Python's own parser refuses deep nesting too; here it bounds the recursion.
      if (this.depth >= MAX_NESTING) throw new SyntaxError(`nested deeper than ${MAX_NESTING} levels`);
      this.depth++;
      const value = ch === '{' ? this.mapping() : ch === '[' ? this.sequence(']') : this.sequence(')', true);
      this.depth--;
      return value;
    }
    if (ch === "'" || ch === '"') return this.string();
    const word = matchAt(PREFIX, this.text, this.pos);
    if (word) {
      const raw = /[rR]/.test(word[0]);
      this.pos += 1;
      return this.string(raw);
    }
    const keyword = matchAt(KEYWORD, this.text, this.pos);
    if (keyword) {
      this.pos += keyword[0].length;
      return keyword[0] === 'True' ? true : keyword[0] === 'False' ? false : null;
    }
    return this.number();
  }

  private sequence(close: string, tuple = false): unknown[] | unknown {
    this.pos++;
    const items: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) {
        this.pos++;
        // `(x)` is just x; `(x,)` is a one-element tuple.
        return tuple && items.length === 1 && !sawComma ? items[0] : items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.peek() === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.peek() !== close) this.fail();
    }
  }

  private mapping(): unknown {
    this.pos++;
    const entries: [string, unknown][] = [];
    const setItems: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek() === '}') {
        this.pos++;
        return setItems.length > 0 ? setItems : Object.fromEntries(entries);
      }
      const key = this.value();
      this.skipSpace();
      if (this.peek() === ':' && setItems.length === 0) {
        this.pos++;
        entries.push([typeof key === 'string' ? key : String(key), this.value()]);
      } else if (entries.length === 0) setItems.push(key);
      else this.fail();
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail();
    }
  }

  /** A string literal, and the ones right after it: adjacent literals concatenate ('a' 'b' == 'ab'). */
  private string(raw = false): string {
    let out = this.oneString(raw);
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      if (this.peek() !== "'" && this.peek() !== '"') {
        this.pos = save;
        return out;
      }
      out += this.oneString(raw);
    }
  }

  private oneString(raw: boolean): string {
    const quote = this.peek()!;
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const delimiter = triple ? quote.repeat(3) : quote;
    this.pos += delimiter.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail();
      if (this.text.startsWith(delimiter, this.pos)) {
        this.pos += delimiter.length;
        break;
      }
      const ch = this.text[this.pos]!;
      if (ch === '\n' && !triple) this.fail();
      if (ch === '\\' && !raw) {
        const next = this.text[this.pos + 1];
        const simple: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          '\\': '\\',
          "'": "'",
          '"': '"',
          '0': '\0',
          a: '\x07',
          b: '\b',
          f: '\f',
          v: '\v',
          '\n': '',
        };
        if (next !== undefined && Object.hasOwn(simple, next)) {
          out += simple[next];
          this.pos += 2;
          continue;
        }
        const hex = matchAt(ESCAPE, this.text, this.pos);
        if (hex) {
          out += String.fromCodePoint(Number.parseInt(hex[1] ?? hex[2] ?? hex[3]!, 16));
          this.pos += hex[0].length;
          continue;
        }
      }
      out += ch;
      this.pos++;
    }
    return out;
  }

  private number(): number {
    const match = matchAt(NUMBER, this.text, this.pos);
    if (!match || match[0] === '' || /__|_$|^[+-]?_/.test(match[0])) this.fail();
    this.pos += match[0].length;
    const text = match[0].replaceAll('_', '');
    const sign = text.startsWith('-') ? -1 : 1;
    const body = text.replace(/^[+-]/, '');
    if (/^0[xob]/i.test(body)) return sign * Number(body.toLowerCase());
    return Number(text);
  }
}

/** Python `ast.literal_eval` for data literals; throws SyntaxError when the text is not one. */
export function literalEval(text: string): unknown {
  return new LiteralParser(text.trim()).parseTop();
}
