/**
 * Small helpers over Node's own modules, shared by the engine and the model
 * code. No `vscode` here: this file runs in the CLI and in the engine's worker.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

/**
 * The SHA-256 of a file's contents, lower-case hex. Reads it in 4 MiB chunks,
 * so a 500 MB model costs one buffer, not its size in memory. Synchronous:
 * call it where blocking is acceptable (a worker thread, the CLI).
 * @throws {Error} when the file cannot be opened or read (`ENOENT`, `EISDIR`...).
 */
export function sha256OfFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
