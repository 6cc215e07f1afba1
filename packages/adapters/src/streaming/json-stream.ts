import { ChunkParser, FieldText, isPySpace } from './field-text.js';

type State =
  | 'seek'
  | 'beforeKey'
  | 'key'
  | 'bareKey'
  | 'colon'
  | 'value'
  | 'string'
  | 'raw'
  | 'afterValue'
  | 'done';

const ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const HEX4 = /^[0-9a-fA-F]{4}$/;
const BARE_KEY = /[\p{L}\p{N}_$]/u;

/** How an output field streams: a string field's JSON string verbatim, anything else trimmed. */
export type JsonFieldMode = 'verbatim' | 'trimmed';

/**
 * JSONAdapter's object as it streams: the top-level value of each output field, a JSON string
 * decoded as it grows (escapes included, quotes never), any other value as its raw JSON text.
 * Text before the first `{` (a Markdown fence, prose) and after the object is ignored; nested
 * objects and arrays stream as raw text of their field. Single-quoted strings and bare keys are
 * read too (the lenient parse accepts them). A repeated key streams its first value only.
 */
export class JsonStreamParser extends ChunkParser {
  readonly #fields: ReadonlyMap<string, JsonFieldMode>;
  readonly #opened = new Set<string>();
  #state: State = 'seek';
  #quote = '"';
  #key = '';
  /** The output field the current value streams to (undefined: not streamed). */
  #target: string | undefined;
  #value: FieldText;
  /** Raw values: bracket depth and the quote of a string inside them ('' outside strings). */
  #depth = 0;
  #rawQuote = '';
  #rawEscape = false;

  constructor(fields: ReadonlyMap<string, JsonFieldMode>) {
    super();
    this.#fields = fields;
    this.#value = new FieldText(this.out, undefined);
  }

  protected consume(text: string, ended: boolean): number {
    let i = 0;
    while (i < text.length) {
      const char = text[i]!;
      switch (this.#state) {
        case 'seek': {
          const open = text.indexOf('{', i);
          if (open < 0) return text.length;
          this.#state = 'beforeKey';
          i = open + 1;
          break;
        }
        case 'beforeKey':
          i += 1;
          if (char === '"' || char === "'") {
            this.#quote = char;
            this.#key = '';
            this.#state = 'key';
          } else if (char === '}') this.#state = 'done';
          else if (BARE_KEY.test(char)) {
            this.#key = char;
            this.#state = 'bareKey';
          } else if (char !== ',' && !isPySpace(char.charCodeAt(0))) this.#state = 'done';
          break;
        case 'key': {
          const { next, closed } = this.#readString(text, i, ended, (part) => {
            this.#key += part;
          });
          if (closed) this.#state = 'colon';
          else if (next < text.length) return next;
          i = next;
          break;
        }
        case 'bareKey':
          if (char === ':') this.#openValue();
          else if (isPySpace(char.charCodeAt(0))) this.#state = 'colon';
          else this.#key += char;
          i += 1;
          break;
        case 'colon':
          i += 1;
          if (char === ':') this.#openValue();
          else if (!isPySpace(char.charCodeAt(0))) this.#state = 'done';
          break;
        case 'value':
          if (isPySpace(char.charCodeAt(0))) {
            i += 1;
          } else if (char === '"' || char === "'") {
            this.#quote = char;
            this.#value = new FieldText(this.out, this.#target, this.#fields.get(this.#key) !== 'verbatim');
            this.#state = 'string';
            i += 1;
          } else if (char === ',' || char === '}') {
            this.#state = 'afterValue';
          } else {
            this.#value = new FieldText(this.out, this.#target);
            this.#depth = 0;
            this.#rawQuote = '';
            this.#rawEscape = false;
            this.#state = 'raw';
          }
          break;
        case 'string': {
          const { next, closed } = this.#readString(text, i, ended, (part) => this.#value.write(part));
          if (closed) {
            this.#value.dropPending();
            this.#state = 'afterValue';
          } else if (next < text.length) return next;
          i = next;
          break;
        }
        case 'raw':
          i = this.#readRaw(text, i);
          break;
        case 'afterValue':
          i += 1;
          if (char === ',') this.#state = 'beforeKey';
          else if (char === '}') this.#state = 'done';
          else if (!isPySpace(char.charCodeAt(0))) this.#state = 'done';
          break;
        case 'done':
          return text.length;
      }
    }
    return i;
  }

  protected finish(): void {
    this.#value.dropPending();
  }

  #openValue(): void {
    const streams = this.#fields.has(this.#key) && !this.#opened.has(this.#key);
    if (streams) this.#opened.add(this.#key);
    this.#target = streams ? this.#key : undefined;
    this.#state = 'value';
  }

  /**
   * Decodes string content from `start` up to the closing quote. `next` stops before an escape
   * split across chunks (the caller keeps the rest for the next chunk).
   */
  #readString(
    text: string,
    start: number,
    ended: boolean,
    write: (part: string) => void,
  ): { next: number; closed: boolean } {
    let i = start;
    while (i < text.length) {
      const quote = text.indexOf(this.#quote, i);
      const slash = text.indexOf('\\', i);
      const stop = slash >= 0 && (quote < 0 || slash < quote) ? slash : quote;
      if (stop < 0) {
        write(text.slice(i));
        return { next: text.length, closed: false };
      }
      write(text.slice(i, stop));
      if (stop === quote) return { next: stop + 1, closed: true };
      const kind = text[stop + 1];
      if (kind === undefined) return { next: ended ? text.length : stop, closed: false };
      if (kind === 'u') {
        const hex = text.slice(stop + 2, stop + 6);
        if (hex.length < 4 && !ended) return { next: stop, closed: false };
        const valid = HEX4.test(hex);
        write(valid ? String.fromCharCode(Number.parseInt(hex, 16)) : 'u');
        i = stop + (valid ? 6 : 2);
        continue;
      }
      write(ESCAPES[kind] ?? kind);
      i = stop + 2;
    }
    return { next: i, closed: false };
  }

  /** A non-string value up to the `,` or `}` that ends it at depth 0. Returns the next index. */
  #readRaw(text: string, start: number): number {
    for (let i = start; i < text.length; i++) {
      const char = text[i]!;
      if (this.#rawQuote) {
        if (this.#rawEscape) this.#rawEscape = false;
        else if (char === '\\') this.#rawEscape = true;
        else if (char === this.#rawQuote) this.#rawQuote = '';
      } else if (char === '"' || char === "'") this.#rawQuote = char;
      else if (char === '[' || char === '{') this.#depth += 1;
      else if (char === ']' || char === '}') {
        if (this.#depth === 0) {
          this.#value.write(text.slice(start, i));
          this.#value.dropPending();
          this.#state = char === '}' ? 'done' : 'afterValue';
          return i + 1;
        }
        this.#depth -= 1;
      } else if (char === ',' && this.#depth === 0) {
        this.#value.write(text.slice(start, i));
        this.#value.dropPending();
        this.#state = 'beforeKey';
        return i + 1;
      }
    }
    this.#value.write(text.slice(start));
    return text.length;
  }
}
