// Lists and extracts the entries of a zip file (a VSIX) from its central
// directory, so the packaging script can check what went in without an unzip tool.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  /** Offset of the entry's local header in the file. */
  offset: number;
  /** 0 (stored) or 8 (deflated). */
  method: number;
}

/** The entries of the zip file at `file`. Throws on a file that is not a zip (or is ZIP64). */
export function zipEntries(file: string): ZipEntry[] {
  const buf = fs.readFileSync(file);
  // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
  let end = -1;
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 0xffff); at--) {
    if (buf.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new TypeError(`Expected ${file} to be a zip file: no end of central directory`);
  const count = buf.readUInt16LE(end + 10);
  const offset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new RangeError(`${file} is a ZIP64 archive; not supported`);
  const entries: ZipEntry[] = [];
  for (let at = offset, i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new TypeError(`${file}: bad central directory entry ${i}`);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    entries.push({
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      offset: buf.readUInt32LE(at + 42),
      method: buf.readUInt16LE(at + 10),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Extracts every entry of the zip file at `file` under `dir`. */
export function extractZip(file: string, dir: string): void {
  const buf = fs.readFileSync(file);
  const root = path.resolve(dir);
  for (const entry of zipEntries(file)) {
    if (entry.name.endsWith('/')) continue;
    const target = path.resolve(root, entry.name);
    if (!target.startsWith(root + path.sep)) throw new RangeError(`${file}: entry outside the folder: ${entry.name}`);
    // The local header repeats the name and has its own extra field length.
    const start = entry.offset + 30 + buf.readUInt16LE(entry.offset + 26) + buf.readUInt16LE(entry.offset + 28);
    const raw = buf.subarray(start, start + entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = zlib.inflateRawSync(raw);
    else throw new RangeError(`${file}: ${entry.name} uses compression method ${entry.method}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
  }
}
