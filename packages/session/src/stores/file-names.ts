import { createHash } from 'node:crypto';

// Bytes kept as they are in file names. Upper-case letters are escaped too, so two ids never
// map to names that a case-insensitive file system (macOS, Windows) would treat as one.
const isSafeByte = (b: number): boolean =>
  (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d;

// Room for the `.json` extension plus the lock and temp-file suffixes within NAME_MAX (255 bytes).
const MAX_ENCODED_LENGTH = 200;
const ENCODED_NAME = /^(?:[a-z0-9_-]|%[0-9a-f]{2})+$/;
const HASHED_NAME = /^~[0-9a-f]{64}$/;

/**
 * The file name stem for a session id: every UTF-8 byte outside [a-z0-9_-] percent-encoded
 * (lower-case hex), so no id can contain a path separator, `.` or `..` once encoded. Ids whose
 * encoding would be too long for a file name become `~<sha256>` (the id is also kept in the file).
 */
export function fileStemForId(id: string): string {
  let stem = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    stem += isSafeByte(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`;
  }
  if (stem.length <= MAX_ENCODED_LENGTH) return stem;
  return `~${createHash('sha256').update(id, 'utf8').digest('hex')}`;
}

/**
 * The id a file name stem stands for: a string for an encoded stem, `null` for a hashed stem (read
 * the id from the file), undefined for a name this store did not write.
 */
export function idForFileStem(stem: string): string | null | undefined {
  if (HASHED_NAME.test(stem)) return null;
  if (!ENCODED_NAME.test(stem)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < stem.length; i++) {
    if (stem[i] === '%') {
      bytes.push(Number.parseInt(stem.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(stem.charCodeAt(i));
    }
  }
  const id = Buffer.from(bytes).toString('utf8');
  // Only canonical names count: a foreign file such as `a%41.json` or one holding bad UTF-8 is skipped.
  return fileStemForId(id) === stem ? id : undefined;
}
