import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * Writes `text` to `path` through a temp file + rename: readers see the old file or the new one,
 * never half of either, and a failed write leaves the old file intact.
 */
export async function atomicWriteFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text, { encoding: 'utf8' });
}
