import { isPySpace } from '../python-text.js';

/**
 * Shared pieces of the incremental parsers: the parser contract, Python's whitespace and line
 * breaks by char code, a trimmed field writer and a chunk buffer that never splits a character.
 *
 * The parsers are hand-written state machines rather than a streaming JSON/XML library: the
 * libraries (saxes, @streamparser/json) emit a text or string token only once it is complete,
 * and a chat UI needs the partial string as the LM writes it.
 */

/** New text of one output field. */
export interface FieldDelta {
  field: string;
  text: string;
}

/** Turns a completion, chunk by chunk, into field deltas: content only, never markers. */
export interface FieldStreamParser {
  /** Consumes the next chunk; returns the deltas it makes certain (at most one per field run). */
  push(chunk: string): FieldDelta[];
  /** The completion is complete: returns the text held back to rule out a split marker. */
  end(): FieldDelta[];
}

export { isPySpace };

/** A Python `str.splitlines()` boundary (`\r\n` is one boundary: see the callers). */
export function isLineBreak(code: number): boolean {
  return (
    code === 0x0a ||
    code === 0x0d ||
    code === 0x0b ||
    code === 0x0c ||
    code === 0x1c ||
    code === 0x1d ||
    code === 0x1e ||
    code === 0x85 ||
    code === 0x2028 ||
    code === 0x2029
  );
}

export const CR = 0x0d;
export const LF = 0x0a;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Collects deltas, merging consecutive text of the same field. */
export class DeltaBuffer {
  #deltas: FieldDelta[] = [];

  add(field: string, text: string): void {
    if (text === '') return;
    const last = this.#deltas[this.#deltas.length - 1];
    if (last?.field === field) last.text += text;
    else this.#deltas.push({ field, text });
  }

  take(): FieldDelta[] {
    const deltas = this.#deltas;
    this.#deltas = [];
    return deltas;
  }
}

/**
 * One field's text as it streams. With `trim`, leading whitespace is dropped and trailing
 * whitespace is held until more content follows (Python `strip()` of the whole value). Without a
 * field (a section nobody streams) the text is dropped.
 */
export class FieldText {
  readonly field: string | undefined;
  readonly #out: DeltaBuffer;
  readonly #trim: boolean;
  #started = false;
  #pending = '';

  constructor(out: DeltaBuffer, field: string | undefined, trim = true) {
    this.#out = out;
    this.field = field;
    this.#trim = trim;
  }

  write(text: string): void {
    if (this.field === undefined || text === '') return;
    if (!this.#trim) {
      this.#out.add(this.field, text);
      return;
    }
    let start = 0;
    if (!this.#started) {
      while (start < text.length && isPySpace(text.charCodeAt(start))) start++;
      if (start === text.length) return;
    }
    let end = text.length;
    while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
    if (end === start) {
      this.#pending += text;
      return;
    }
    this.#out.add(this.field, this.#pending + text.slice(start, end));
    this.#pending = text.slice(end);
    this.#started = true;
  }

  /** Forgets whitespace held since the last content (it turned out to be trailing). */
  dropPending(): void {
    this.#pending = '';
  }
}

/**
 * Buffers what a parser could not decide yet. `consume` returns how many chars it used; the rest
 * is offered again with the next chunk. A trailing high surrogate waits for its pair, so a delta
 * never ends in half a character.
 */
export abstract class ChunkParser implements FieldStreamParser {
  protected readonly out = new DeltaBuffer();
  #rest = '';

  push(chunk: string): FieldDelta[] {
    const text = this.#rest + chunk;
    const cut = text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1)) ? 1 : 0;
    const used = this.consume(cut ? text.slice(0, -1) : text, false);
    this.#rest = text.slice(used);
    return this.out.take();
  }

  end(): FieldDelta[] {
    this.consume(this.#rest, true);
    this.#rest = '';
    this.finish();
    return this.out.take();
  }

  /** Parses `text` (the held rest plus the new chunk); returns the number of chars consumed. */
  protected abstract consume(text: string, ended: boolean): number;
  /** The completion ended: flush whatever was held as possible marker text. */
  protected abstract finish(): void;
}
