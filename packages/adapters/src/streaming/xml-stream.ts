import { ChunkParser, CR, FieldText, LF } from './field-text.js';

/** How an output field streams: decoded element text, or the raw inner XML of a nested value. */
export type XmlFieldMode = 'text' | 'raw';

/** A construct that starts with `<`, as far as the text shows it. */
type Markup =
  | { kind: 'incomplete' }
  | { kind: 'literal' }
  | { kind: 'open'; name: string; key: string | undefined; end: number; selfClosing: boolean }
  | { kind: 'close'; end: number }
  | { kind: 'skip'; bodyStart: number; terminator: string }
  | { kind: 'cdata'; bodyStart: number };

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME_START = /[\p{L}_:]/u;
const ENTITY = /^&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/;
const KEY_ATTRIBUTE = /\skey\s*=\s*(["'])(.*?)\1/s;
// Longest entity we wait for (`&#x10FFFF;`); longer `&...` runs are text, as for the parser they are errors.
const MAX_ENTITY = 10;
// An unclosed tag longer than this is taken as text rather than held back indefinitely.
const MAX_TAG = 4096;

/** Classifies the markup at `text[start] === '<'`. */
function readMarkup(text: string, start: number): Markup {
  const next = text[start + 1];
  if (next === undefined) return { kind: 'incomplete' };
  if (next === '!' || next === '?') {
    const head = text.slice(start, start + 9);
    for (const [prefix, terminator] of [
      ['<!--', '-->'],
      ['<![CDATA[', ']]>'],
      ['<?', '?>'],
    ] as const) {
      if (head.startsWith(prefix)) {
        return prefix === '<![CDATA['
          ? { kind: 'cdata', bodyStart: start + prefix.length }
          : { kind: 'skip', bodyStart: start + prefix.length, terminator };
      }
      if (prefix.startsWith(head)) return { kind: 'incomplete' };
    }
    return { kind: 'skip', bodyStart: start + 2, terminator: '>' }; // <!DOCTYPE ...>
  }
  const closing = next === '/';
  const nameStart = start + (closing ? 2 : 1);
  const first = text[nameStart];
  if (first === undefined) return { kind: 'incomplete' };
  if (!NAME_START.test(first)) return { kind: 'literal' };
  let quote = '';
  for (let i = nameStart; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '>') {
      if (closing) return { kind: 'close', end: i + 1 };
      const body = text.slice(nameStart, i);
      const name = /^[^\s/>]+/.exec(body)![0];
      return {
        kind: 'open',
        name,
        key: name === 'entry' ? KEY_ATTRIBUTE.exec(body)?.[2] : undefined,
        end: i + 1,
        selfClosing: body.endsWith('/'),
      };
    }
  }
  return text.length - start > MAX_TAG ? { kind: 'literal' } : { kind: 'incomplete' };
}

/**
 * XMLAdapter's top-level elements as they stream. The first element of each output field streams:
 * its text with entities decoded, CDATA kept, comments dropped and line ends normalized as the XML
 * parser does, then stripped. Markup of child elements inside a text field streams as written;
 * nested fields (lists, dicts, models) stream their raw inner XML, trimmed. Text outside the
 * field elements is ignored.
 */
export class XmlStreamParser extends ChunkParser {
  readonly #fields: ReadonlyMap<string, XmlFieldMode>;
  readonly #opened = new Set<string>();
  /** Element depth: 0 outside the top-level elements. */
  #depth = 0;
  #mode: XmlFieldMode = 'text';
  /** A text field that has shown a child element streams the rest as written. */
  #childSeen = false;
  #value: FieldText;
  /** Inside a comment / PI / CDATA: its terminator, and whether its body is field text. */
  #skipUntil = '';
  #skipWrites = false;

  constructor(fields: ReadonlyMap<string, XmlFieldMode>) {
    super();
    this.#fields = fields;
    this.#value = new FieldText(this.out, undefined);
  }

  protected consume(text: string, ended: boolean): number {
    let i = 0;
    while (i < text.length) {
      if (this.#skipUntil) {
        i = this.#skip(text, i, ended);
        if (this.#skipUntil) return i;
        continue;
      }
      const char = text[i]!;
      if (char === '<') {
        const markup = readMarkup(text, i);
        if (markup.kind === 'incomplete' && !ended) return i;
        i = this.#markup(text, i, markup);
        continue;
      }
      if (this.#depth === 0) {
        const tag = text.indexOf('<', i);
        i = tag < 0 ? text.length : tag;
        continue;
      }
      if (this.#mode === 'raw' || this.#childSeen) {
        const tag = text.indexOf('<', i);
        const end = tag < 0 ? text.length : tag;
        this.#value.write(text.slice(i, end));
        i = end;
        continue;
      }
      if (char === '&') {
        const entity = ENTITY.exec(text.slice(i, i + MAX_ENTITY + 2));
        if (!entity && !ended && text.length - i <= MAX_ENTITY && !/[;<\s]/.test(text.slice(i + 1))) return i;
        this.#value.write(entity ? decodeEntity(entity[1]!) : '&');
        i += entity ? entity[0].length : 1;
        continue;
      }
      if (char === '\r') {
        if (i + 1 === text.length && !ended) return i;
        this.#value.write('\n');
        i += text.charCodeAt(i + 1) === LF ? 2 : 1;
        continue;
      }
      let end = i + 1;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code === 0x3c || code === 0x26 || code === CR) break; // < & \r
        end++;
      }
      this.#value.write(text.slice(i, end));
      i = end;
    }
    return i;
  }

  protected finish(): void {
    this.#value.dropPending();
  }

  /** Handles the markup at `start`; returns the index after it. */
  #markup(text: string, start: number, markup: Markup): number {
    const raw = this.#depth > 0 && (this.#mode === 'raw' || this.#childSeen);
    switch (markup.kind) {
      case 'incomplete':
      case 'literal':
        // Not markup (the strict parse will reject it): the `<` is text.
        if (this.#depth > 0) this.#value.write('<');
        return start + 1;
      case 'skip':
      case 'cdata': {
        this.#skipUntil = markup.kind === 'cdata' ? ']]>' : markup.terminator;
        this.#skipWrites = this.#depth > 0 && (markup.kind === 'cdata' || raw);
        if (raw) this.#value.write(text.slice(start, markup.bodyStart));
        return markup.bodyStart;
      }
      case 'close':
        if (this.#depth === 0) return markup.end; // a stray end tag between fields
        this.#depth -= 1;
        if (this.#depth === 0) {
          this.#value.dropPending();
          this.#value = new FieldText(this.out, undefined);
        } else this.#writeMarkup(text.slice(start, markup.end));
        return markup.end;
      case 'open':
        if (this.#depth === 0) {
          this.#openField(markup.key ?? markup.name);
          if (!markup.selfClosing) this.#depth = 1;
          return markup.end;
        }
        this.#writeMarkup(text.slice(start, markup.end));
        if (!markup.selfClosing) this.#depth += 1;
        return markup.end;
    }
  }

  /** Child markup inside a field: nested fields and text fields stream it as written. */
  #writeMarkup(markup: string): void {
    if (this.#mode === 'text') this.#childSeen = true;
    this.#value.write(markup);
  }

  #openField(key: string): void {
    const mode = this.#fields.get(key);
    const streams = mode !== undefined && !this.#opened.has(key);
    if (streams) this.#opened.add(key);
    this.#mode = mode ?? 'text';
    this.#childSeen = false;
    this.#value = new FieldText(this.out, streams ? key : undefined);
  }

  /** Inside a comment, PI or CDATA section: writes its body when it is field text. */
  #skip(text: string, start: number, ended: boolean): number {
    const terminator = this.#skipUntil;
    const found = text.indexOf(terminator, start);
    const raw = this.#mode === 'raw' || this.#childSeen;
    const write = (body: string) => {
      if (!this.#skipWrites) return;
      this.#value.write(raw ? body : body.replace(/\r\n?/g, '\n'));
    };
    if (found < 0) {
      // Keep what may be a partial terminator, or a \r that may start \r\n, for the next chunk.
      const keep = ended ? 0 : Math.min(text.length - start, terminator.length);
      write(text.slice(start, text.length - keep));
      if (ended) this.#skipUntil = '';
      return text.length - keep;
    }
    write(text.slice(start, found));
    if (raw && this.#skipWrites) this.#value.write(terminator);
    this.#skipUntil = '';
    return found + terminator.length;
  }
}

function decodeEntity(body: string): string {
  if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
  if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
  return ENTITIES[body] ?? `&${body};`;
}
