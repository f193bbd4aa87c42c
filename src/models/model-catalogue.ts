/**
 * The model catalogue (`models/catalogue.json`): types, validation, and
 * finding it from source, from the bundle and from the installed extension.
 * Field meanings are documented in `models/README.md`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ModelError } from '../engine';

/** A file to fetch for a catalogue model. */
export interface CatalogueFile {
  /** Path inside the Hub repository, e.g. `onnx/model_quantized.onnx`. */
  path: string;
  /** Local file name in the model folder, e.g. `model.onnx`. */
  name: string;
  /** Exact size in bytes, when published. Verified. */
  size?: number;
  /** SHA-256 (64 lower-case hex digits), for LFS files when published. Verified. */
  sha256?: string;
  /** The rounded size shown on the Hub's file listing, in bytes. Display only. */
  approxSize?: number;
}

/** One model of the catalogue. */
export interface CatalogueEntry {
  id: string;
  displayName: string;
  /** Hub repository, `owner/name`. */
  repo: string;
  /** A 40-hex commit sha, or a branch name where no commit could be pinned. */
  revision: string;
  files: CatalogueFile[];
  /** SPDX licence identifier of the weights. */
  licence: string;
  /** The mask token as written in text: `[MASK]` or `<mask>`. */
  maskToken: string;
  precision: 'int8' | 'fp32';
  description: string;
}

/** The whole catalogue file. */
export interface Catalogue {
  version: 1;
  /** Id of the model used when none is named. */
  default: string;
  models: CatalogueEntry[];
}

/** Local names a catalogue file may take; the engine loads these. */
export const LOCAL_FILE_NAMES: readonly string[] = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json', 'vocab.txt'];

const ID_PATTERN = /^[a-z0-9][a-z0-9.-]*$/;
const REPO_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

function fail(file: string, message: string): never {
  throw new ModelError('invalid-config', `Invalid model catalogue ${file}: ${message}`, file);
}

function requireString(file: string, where: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(file, `expected \`${where}\` to be a non-empty string, got \`${JSON.stringify(value)}\``);
  return value;
}

/**
 * Checks that `data` is a well-formed catalogue and returns it typed.
 * @param data - Parsed JSON.
 * @param file - The file it came from, for messages.
 * @throws ModelError (`invalid-config`) naming the first offending field and value.
 */
export function validateCatalogue(data: unknown, file = 'catalogue.json'): Catalogue {
  if (typeof data !== 'object' || data === null) fail(file, 'expected a JSON object');
  const root = data as Record<string, unknown>;
  if (root.version !== 1) fail(file, `expected \`version\` 1, got \`${JSON.stringify(root.version)}\``);
  if (!Array.isArray(root.models) || root.models.length === 0) fail(file, 'expected `models` to be a non-empty array');
  const ids = new Set<string>();
  for (const [index, raw] of (root.models as unknown[]).entries()) {
    const at = `models[${index}]`;
    if (typeof raw !== 'object' || raw === null) fail(file, `expected \`${at}\` to be an object`);
    const entry = raw as Record<string, unknown>;
    const id = requireString(file, `${at}.id`, entry.id);
    if (!ID_PATTERN.test(id)) fail(file, `expected \`${at}.id\` to use a-z, 0-9, '.' and '-', got \`${id}\``);
    if (ids.has(id)) fail(file, `duplicate id \`${id}\``);
    ids.add(id);
    for (const key of ['displayName', 'licence', 'maskToken', 'description', 'revision']) requireString(file, `${at}.${key}`, entry[key]);
    const repo = requireString(file, `${at}.repo`, entry.repo);
    if (!REPO_PATTERN.test(repo)) fail(file, `expected \`${at}.repo\` to be owner/name, got \`${repo}\``);
    if (entry.precision !== 'int8' && entry.precision !== 'fp32') fail(file, `expected \`${at}.precision\` to be "int8" or "fp32", got \`${JSON.stringify(entry.precision)}\``);
    if (!Array.isArray(entry.files) || entry.files.length === 0) fail(file, `expected \`${at}.files\` to be a non-empty array`);
    const names = new Set<string>();
    for (const [fileIndex, rawFile] of (entry.files as unknown[]).entries()) {
      const fat = `${at}.files[${fileIndex}]`;
      if (typeof rawFile !== 'object' || rawFile === null) fail(file, `expected \`${fat}\` to be an object`);
      const f = rawFile as Record<string, unknown>;
      requireString(file, `${fat}.path`, f.path);
      const name = requireString(file, `${fat}.name`, f.name);
      if (!LOCAL_FILE_NAMES.includes(name)) fail(file, `expected \`${fat}.name\` to be one of ${LOCAL_FILE_NAMES.join(', ')}, got \`${name}\``);
      if (names.has(name)) fail(file, `duplicate local name \`${name}\` in \`${at}.files\``);
      names.add(name);
      for (const key of ['size', 'approxSize']) {
        const value = f[key];
        if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 0)) fail(file, `expected \`${fat}.${key}\` to be a non-negative integer, got \`${JSON.stringify(value)}\``);
      }
      if (f.sha256 !== undefined && (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))) {
        fail(file, `expected \`${fat}.sha256\` to be 64 lower-case hex digits, got \`${JSON.stringify(f.sha256)}\``);
      }
    }
    if (!names.has('model.onnx')) fail(file, `\`${at}.files\` has no file named model.onnx`);
    if (!names.has('tokenizer.json') && !names.has('vocab.txt')) fail(file, `\`${at}.files\` has neither tokenizer.json nor vocab.txt`);
  }
  const defaultId = requireString(file, 'default', root.default);
  if (!ids.has(defaultId)) fail(file, `\`default\` names \`${defaultId}\`, which is not in \`models\``);
  return data as Catalogue;
}

/**
 * Finds the package root (the folder with Cloze's `package.json`) by walking up
 * from `startDir`. Works from `src/engine` (tests, tsx), from `dist` (the
 * bundle) and from an installed extension.
 * @throws Error when no such folder exists above `startDir`.
 */
export function findPackageRoot(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (pkg.name === 'cloze' && fs.existsSync(path.join(dir, 'models', 'catalogue.json'))) return dir;
    } catch {
      // Not here; look higher.
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find Cloze's package root (package.json and models/catalogue.json) above \`${startDir}\``);
    dir = parent;
  }
}

/** The catalogue's path under a package root. */
export function cataloguePath(packageRoot: string): string {
  return path.join(packageRoot, 'models', 'catalogue.json');
}

/**
 * Reads and validates `<packageRoot>/models/catalogue.json`.
 * @param packageRoot - The extension's folder (`context.extensionPath`) or the
 * CLI's package root ({@link findPackageRoot}).
 * @throws ModelError (`missing-file` when it cannot be read, `invalid-config` when malformed).
 */
export async function loadCatalogue(packageRoot: string): Promise<Catalogue> {
  const file = cataloguePath(packageRoot);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (cause) {
    throw new ModelError('missing-file', `Cannot read the model catalogue ${file}: ${(cause as Error).message}`, file, { cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ModelError('invalid-config', `The model catalogue ${file} is not valid JSON: ${(cause as Error).message}`, file, { cause });
  }
  return validateCatalogue(data, file);
}

/** The entry with this id, or undefined. */
export function findCatalogueEntry(catalogue: Catalogue, id: string): CatalogueEntry | undefined {
  return catalogue.models.find((m) => m.id === id);
}
