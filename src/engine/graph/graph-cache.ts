/**
 * The cache of rewritten models: `<cacheDir>/<sha256 of the model>.head-at-mask.onnx`
 * and its `.data` file, the index of model hashes (so that a later load does
 * not hash a 500 MB model again), and the check that a cached file is a
 * finished rewrite of this model by this version of the rewrite.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { FileReader, scanFields } from './onnx-wire';
import { sha256OfFile } from '../../node-utils';

/** Marks a rewritten file; bump the number when the rewrite changes, so that old cache files are redone. */
export const REWRITE_TAG = 'head-at-mask/3';
// The rewrite's `metadata_props`, which tell a finished, current rewrite from anything else.
/** Holds {@link REWRITE_TAG}. */
export const TAG_KEY = 'cloze.rewrite';
/** The sha256 of the model that was rewritten. */
export const SOURCE_KEY = 'cloze.source_sha256';
/** What became of the attention blocks, for the log. */
export const ATTENTION_KEY = 'cloze.attention';
/** The data file's length: a shorter one was cut off. */
export const DATA_BYTES_KEY = 'cloze.data_bytes';
/** `<sha256><CACHE_SUFFIX>` is a rewritten model. */
export const CACHE_SUFFIX = '.head-at-mask.onnx';
/** `<model><DATA_SUFFIX>` holds its external data. */
export const DATA_SUFFIX = '.data';
const HASH_INDEX = 'head-at-mask.hashes.json';

/**
 * Where rewritten models go when the caller names no folder: the model's own
 * folder when we may write there, else `os.tmpdir()/cloze`. The editor and
 * the command line always name one (the extension's global storage, and
 * `graphs/` under the CLI's model cache), so this serves tests, benches and
 * other callers of the engine. Not the same as `defaultCacheDir` in
 * src/models/model-store.ts: that is the per-user folder for downloaded
 * models (`CLOZE_CACHE_DIR`, XDG, `~/Library/Caches`, `%LOCALAPPDATA%`),
 * which the engine does not know about.
 */
export function defaultGraphCacheDir(modelDir: string): string {
  try {
    fs.accessSync(modelDir, fs.constants.W_OK);
    return modelDir;
  } catch {
    return path.join(os.tmpdir(), 'cloze');
  }
}

interface HashIndex {
  [file: string]: { size: number; mtimeMs: number; sha256: string };
}

/**
 * The file's sha256, from the index when its size and mtime are unchanged.
 * Removes the rewrites that nothing indexed needs any more: of this file's
 * older contents, and of models that were deleted.
 */
export function cachedSha256(file: string, cacheDir: string): string {
  const stat = fs.statSync(file);
  const indexFile = path.join(cacheDir, HASH_INDEX);
  let index: HashIndex = {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) index = parsed as HashIndex;
  } catch {
    // Missing or unreadable: start a new one.
  }
  const known = index[file];
  if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && /^[0-9a-f]{64}$/.test(known.sha256)) {
    return known.sha256;
  }
  const sha256 = sha256OfFile(file);
  const dropped = new Set<string>();
  if (known) dropped.add(known.sha256);
  for (const [other, entry] of Object.entries(index)) {
    if (other !== file && !fs.existsSync(other)) {
      dropped.add(entry.sha256);
      delete index[other];
    }
  }
  index[file] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
  const needed = new Set(Object.values(index).map((e) => e.sha256));
  for (const old of dropped) {
    if (!needed.has(old) && /^[0-9a-f]{64}$/.test(old)) removeRewrite(path.join(cacheDir, `${old}${CACHE_SUFFIX}`));
  }
  const temp = `${indexFile}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(index, null, 2)}\n`);
  fs.renameSync(temp, indexFile);
  return sha256;
}

/**
 * Deletes a rewritten model and its data file, as far as it can: another
 * process may have them open (Windows refuses to delete a mapped file), and
 * a leftover only costs disk space.
 */
export function removeRewrite(file: string): void {
  for (const f of [file, `${file}${DATA_SUFFIX}`]) {
    try {
      fs.rmSync(f, { force: true });
    } catch {
      // Left for a later clean-up.
    }
  }
}

/** The metadata of `file` when it is a finished rewrite, by this version of the rewrite, of the model with this hash. */
export function rewriteProps(file: string, sha256: string): Map<string, string> | undefined {
  if (!fs.existsSync(file)) return undefined;
  let reader: FileReader | undefined;
  try {
    reader = new FileReader(file);
    const props = new Map<string, string>();
    for (const f of scanFields(reader, 0, reader.size)) {
      if (f.field !== 14 || f.wire !== 2) continue;
      const entry = onnx.StringStringEntryProto.decode(reader.bytes(f.valueStart, f.end));
      props.set(entry.key, entry.value);
    }
    if (props.get(TAG_KEY) !== REWRITE_TAG || props.get(SOURCE_KEY) !== sha256) return undefined;
    return fs.statSync(`${file}${DATA_SUFFIX}`).size === Number(props.get(DATA_BYTES_KEY)) ? props : undefined;
  } catch {
    return undefined;
  } finally {
    reader?.close();
  }
}
