/**
 * What a user may name as a model (a catalogue id, a Hub repository
 * `owner/name[@revision]`, or a folder on disk), and what it resolves to.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { MODEL_FILE_CANDIDATES, ModelError } from '../engine';
import { type Catalogue, type CatalogueEntry, findCatalogueEntry } from './model-catalogue';

/** The Hub used when neither the caller nor `HF_ENDPOINT` names another. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** ONNX files looked for in a Hub repository, in order of preference. */
export const HUB_ONNX_CANDIDATES: readonly string[] = ['onnx/model_quantized.onnx', 'onnx/model.onnx', 'model.onnx'];


/** A model named by a user, parsed. */
export type ModelSpec =
  | { kind: 'catalogue'; id: string }
  | { kind: 'hub'; repo: string; revision: string; explicitRevision: boolean }
  | { kind: 'local'; dir: string };

const HUB_SPEC = /^([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*)(?:@([A-Za-z0-9._/-]+))?$/;

/**
 * Reads a model spec: a catalogue id, a Hub repository `owner/name[@revision]`
 * (revision defaults to `main`), or a folder path (absolute, `./`, `../`, `~/`,
 * or any existing folder).
 * @throws TypeError for anything else.
 */
export function parseModelSpec(spec: string, catalogue?: Catalogue): ModelSpec {
  const text = spec.trim();
  if (text === '') throw new TypeError('Expected a model: a catalogue id, owner/name[@revision] or a folder, got an empty string');
  if (catalogue !== undefined && findCatalogueEntry(catalogue, text)) return { kind: 'catalogue', id: text };
  const expanded = text === '~' || text.startsWith('~/') || text.startsWith('~\\') ? path.join(os.homedir(), text.slice(1)) : text;
  const looksLikePath =
    path.isAbsolute(expanded) || /^\.{1,2}([/\\]|$)/.test(expanded) || expanded.includes('\\') || expanded !== text;
  if (looksLikePath || isDirectorySync(expanded)) return { kind: 'local', dir: path.resolve(expanded) };
  const match = HUB_SPEC.exec(text);
  if (match && !(match[2] ?? '').split('/').includes('..')) {
    return { kind: 'hub', repo: match[1], revision: match[2] ?? 'main', explicitRevision: match[2] !== undefined };
  }
  const ids = catalogue === undefined ? '' : ` (${catalogue.models.map((m) => m.id).join(', ')})`;
  throw new TypeError(`Expected a catalogue id${ids}, a Hub repository owner/name[@revision] or a model folder, got \`${spec}\``);
}

function isDirectorySync(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** One file of a resolved model. */
export interface ModelFileInfo {
  /** Local name in the model folder. */
  name: string;
  /** Path in the Hub repository (or, for a local folder, relative to it). */
  path: string;
  /** Download URL; undefined for local folders. */
  url?: string;
  /** Exact size in bytes, when known (catalogue or Hub). */
  size?: number;
  /** SHA-256 when known (catalogue, or an LFS file's Hub ETag). */
  sha256?: string;
  /** Rounded display size from the catalogue. */
  approxSize?: number;
  /** The Hub's ETag (the blob's name in the Hub cache), when known. */
  etag?: string;
}

/** What a model spec points at. */
export interface ResolvedModel {
  kind: ModelSpec['kind'];
  /** The catalogue id, `owner/name@revision`, or the folder path. */
  id: string;
  /**
   * The folder the engine loads: for catalogue and Hub models, a folder in
   * Cloze's cache whose files link to the Hub cache (it may not exist yet);
   * else the folder itself.
   */
  dir: string;
  /** True when every file is on disk (linked from the Hub cache, or a usable local folder). */
  cached: boolean;
  /**
   * Where the files are: `hub-cache` (the shared Hugging Face cache), `legacy`
   * (a folder of an earlier Cloze that could not be moved), `local` (a folder
   * the user named). Undefined while not cached.
   */
  location?: 'hub-cache' | 'legacy' | 'local';
  repo?: string;
  revision?: string;
  /** The commit the revision resolved to, when known. */
  commit?: string;
  files: ModelFileInfo[];
  /** Absolute path of the ONNX file (which may not exist yet). */
  modelFile: string;
  /** False when the folder has only `vocab.txt`: the tokenizer is then built from it. */
  hasTokenizerJson: boolean;
  /** The mask token, when the catalogue says. */
  maskToken?: string;
  /** The catalogue entry, for catalogue models. */
  entry?: CatalogueEntry;
}

/** A path segment safe on every file system: `/` and `\\` become `--`, other odd characters `_`. */
export function sanitizeSegment(text: string): string {
  return text.replace(/[/\\]/g, '--').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The variant folder name for an ONNX path: `onnx/model_quantized.onnx` → `onnx--model_quantized`. */
export function variantName(onnxPath: string): string {
  return sanitizeSegment(onnxPath.replace(/\.onnx$/i, ''));
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Describes a model folder on disk: which ONNX file it has (the first of
 * `MODEL_FILE_CANDIDATES`, as the engine loads it) and whether it has `tokenizer.json` or only
 * `vocab.txt`.
 * @throws ModelError (`missing-file`) when the folder, an ONNX file, or both tokenizer files are missing.
 */
export async function resolveLocal(dir: string): Promise<ResolvedModel> {
  const folder = path.resolve(dir);
  if (!isDirectorySync(folder)) throw new ModelError('missing-file', `Model folder \`${folder}\` does not exist`, folder);
  let onnx: string | undefined;
  for (const candidate of MODEL_FILE_CANDIDATES) {
    if (await exists(path.join(folder, candidate))) {
      onnx = candidate;
      break;
    }
  }
  if (onnx === undefined) {
    throw new ModelError('missing-file', `No ONNX model in \`${folder}\`: expected ${MODEL_FILE_CANDIDATES.join(' or ')}`, folder);
  }
  const files: ModelFileInfo[] = [{ name: 'model.onnx', path: onnx }];
  const hasTokenizerJson = await exists(path.join(folder, 'tokenizer.json'));
  for (const name of ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'config.json']) {
    if (await exists(path.join(folder, name))) files.push({ name, path: name });
  }
  if (!hasTokenizerJson && !files.some((f) => f.name === 'vocab.txt')) {
    throw new ModelError('missing-file', `No tokenizer in \`${folder}\`: expected tokenizer.json or vocab.txt`, folder);
  }
  for (const file of files) file.size = (await fsp.stat(path.join(folder, file.path))).size;
  return {
    kind: 'local',
    id: folder,
    dir: folder,
    cached: true,
    files,
    modelFile: path.join(folder, onnx),
    location: 'local',
    hasTokenizerJson,
  };
}
