import { ChunkParser, CR, FieldText, isLineBreak, isPySpace, LF } from './field-text.js';

const OPEN = '[[ ## ';
const CLOSE = ' ## ]]';
// `\w` as Python's Unicode word class (the same class as ChatAdapter's header regex).
const WORD = /^[\p{L}\p{N}\p{Mn}\p{Pc}]$/u;

export type HeaderMatch =
  | { kind: 'no' }
  | { kind: 'maybe' }
  | { kind: 'header'; name: string; length: number };

const NO: HeaderMatch = { kind: 'no' };
const MAYBE: HeaderMatch = { kind: 'maybe' };

/**
 * Whether a stripped line that starts with `text` is a `[[ ## name ## ]]` header, may still become
 * one as more text arrives, or cannot be one.
 */
export function matchHeader(text: string): HeaderMatch {
  return scanHeader(text, OPEN.length).match;
}

/**
 * `matchHeader`, with the name's word characters already checked up to `wordsFrom` (where the
 * last scan stopped): a streaming line that grows one chunk at a time is then scanned once, not
 * once per chunk (`[[ ## ` and 25 KB of word characters took 77 s in 16-character chunks).
 */
function scanHeader(text: string, wordsFrom: number): { match: HeaderMatch; wordEnd: number } {
  for (let i = 0; i < OPEN.length; i++) {
    if (i >= text.length) return { match: MAYBE, wordEnd: OPEN.length };
    if (text[i] !== OPEN[i]) return { match: NO, wordEnd: OPEN.length };
  }
  let end = Math.max(wordsFrom, OPEN.length);
  while (end < text.length) {
    const code = text.charCodeAt(end);
    // A high surrogate at the end may pair with a word character in the next chunk.
    if (code >= 0xd800 && code <= 0xdbff && end + 1 === text.length) return { match: MAYBE, wordEnd: end };
    const char = String.fromCodePoint(text.codePointAt(end)!);
    if (!WORD.test(char)) break;
    end += char.length;
  }
  if (end === text.length) return { match: MAYBE, wordEnd: end };
  if (end === OPEN.length) return { match: NO, wordEnd: end };
  for (let i = 0; i < CLOSE.length; i++) {
    if (end + i >= text.length) return { match: MAYBE, wordEnd: end };
    if (text[end + i] !== CLOSE[i]) return { match: NO, wordEnd: end };
  }
  return {
    match: { kind: 'header', name: text.slice(OPEN.length, end), length: end + CLOSE.length },
    wordEnd: end,
  };
}

/**
 * ChatAdapter's `[[ ## field ## ]]` sections as they stream. Mirrors `chatSections`: a line whose
 * stripped text starts with a header opens a section (the first section of each output field
 * streams, as parse keeps the first), lines join with `\n`, the header line's rest and the whole
 * section are stripped. A line start is held only while it could still be a header.
 */
export class ChatStreamParser extends ChunkParser {
  readonly #outputs: ReadonlySet<string>;
  readonly #opened = new Set<string>();
  #section: FieldText;
  #headerLine = false;
  #atLineStart = true;
  /** Leading whitespace of the held line start. */
  #lead = '';
  /** The held line start after its leading whitespace (a possible header prefix). */
  #head = '';
  /** How far `#head`'s name has been checked for word characters. */
  #wordEnd = 0;

  constructor(outputFields: Iterable<string>) {
    super();
    this.#outputs = new Set(outputFields);
    this.#section = new FieldText(this.out, undefined);
  }

  protected consume(text: string, ended: boolean): number {
    let i = 0;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (isLineBreak(code)) {
        if (code === CR && i + 1 === text.length && !ended) return i; // maybe the first half of \r\n
        i += code === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        this.#lineBreak();
        continue;
      }
      if (!this.#atLineStart) {
        let end = i + 1;
        while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
        this.#section.write(text.slice(i, end));
        i = end;
        continue;
      }
      i += 1;
      if (this.#head === '' && isPySpace(code)) {
        this.#lead += text[i - 1];
        continue;
      }
      this.#head += text[i - 1];
      const { match, wordEnd } = scanHeader(this.#head, this.#wordEnd);
      this.#wordEnd = wordEnd;
      if (match.kind === 'maybe') continue;
      if (match.kind === 'no') this.#commitLine();
      else this.#openSection(match.name, this.#head.slice(match.length));
    }
    return i;
  }

  protected finish(): void {
    // A line start still held is an unfinished header: ordinary text, as in `chatSections`.
    if (this.#atLineStart) this.#commitLine();
    this.#section.dropPending();
  }

  #lineBreak(): void {
    if (this.#atLineStart) this.#commitLine();
    // The header line's rest is stripped on its own, so its trailing whitespace never shows.
    if (this.#headerLine) this.#section.dropPending();
    this.#headerLine = false;
    this.#section.write('\n');
    this.#atLineStart = true;
  }

  #commitLine(): void {
    this.#section.write(this.#lead + this.#head);
    this.#lead = '';
    this.#head = '';
    this.#wordEnd = 0;
    this.#atLineStart = false;
  }

  #openSection(name: string, rest: string): void {
    const streams = this.#outputs.has(name) && !this.#opened.has(name);
    if (streams) this.#opened.add(name);
    this.#section = new FieldText(this.out, streams ? name : undefined);
    this.#headerLine = true;
    this.#atLineStart = false;
    this.#lead = '';
    this.#head = '';
    this.#wordEnd = 0;
    this.#section.write(rest);
  }
}
