/**
 * Hashing and sizing files on disk, for verifying downloads. Asynchronous,
 * and able to hash a prefix (a part file being resumed), because downloads
 * run on the extension host's main thread; `sha256OfFile` in
 * src/node-utils.ts is the synchronous whole-file hash for the worker and the CLI.
 */
import type { Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

/**
 * Feeds the first `length` bytes of `file` (all of it by default) to `hash`.
 * @returns the bytes read.
 */
export async function hashFile(file: string, hash: Hash, length?: number): Promise<number> {
  if (length === 0) return 0;
  let bytes = 0;
  const stream = fs.createReadStream(file, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

/** The size of a regular file, or undefined when there is none. */
export async function fileSize(file: string): Promise<number | undefined> {
  try {
    const stat = await fsp.stat(file);
    return stat.isFile() ? stat.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

