/**
 * Where a model comes from: the catalogue, the Hugging Face Hub, or a folder
 * on disk. Downloads what is missing into a cache, verified, and says what is
 * there.
 *
 * Cache layout: `<cacheDir>/<owner>--<name>/<revision>/<variant>/` holding the
 * files under their local names (`model.onnx`, `tokenizer.json`,
 * `tokenizer_config.json`, `config.json`), then `manifest.json`, written last:
 * only a folder with a manifest counts as complete. `<variant>` is the ONNX
 * file's path in the repository without `.onnx`, `/` written as `--` (e.g.
 * `onnx--model_quantized`), because one repository and revision can hold
 * several models (int8 and fp32) that each need their own `model.onnx`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError } from './download-error';
import { MODEL_FILE_CANDIDATES, ModelError } from '../engine';
import { type DownloadOptions, type DownloadProgress, downloadFile } from './file-transfer';
import { fetchFileMetadata, type FileMetadata, type NetworkOptions } from './hub-http';
import { type Catalogue, type CatalogueEntry, findCatalogueEntry, loadCatalogue } from './model-catalogue';
import { type Logger, silentLogger } from '../engine';

/** The Hub used when neither the caller nor `HF_ENDPOINT` names another. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** ONNX files looked for in a Hub repository, in order of preference. */
export const HUB_ONNX_CANDIDATES: readonly string[] = ['onnx/model_quantized.onnx', 'onnx/model.onnx', 'model.onnx'];


const MANIFEST = 'manifest.json';

/**
 * The cache folder the command line uses: `CLOZE_CACHE_DIR` if set; else
 * `%LOCALAPPDATA%\cloze\Cache` on Windows, `~/Library/Caches/cloze` on macOS,
 * and `$XDG_CACHE_HOME/cloze` or `~/.cache/cloze` elsewhere. (The extension uses
 * its global storage folder instead.)
 */
export function defaultCacheDir(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.CLOZE_CACHE_DIR) return env.CLOZE_CACHE_DIR;
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'cloze', 'Cache');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'cloze');
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says to ignore a relative value.
  return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.cache'), 'cloze');
}

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
}

/** What a model spec points at. */
export interface ResolvedModel {
  kind: ModelSpec['kind'];
  /** The catalogue id, `owner/name@revision`, or the folder path. */
  id: string;
  /** The model folder: in the cache for catalogue and Hub models (it may not exist yet), else the folder itself. */
  dir: string;
  /** True when every file is on disk (a cache folder with its manifest, or a usable local folder). */
  cached: boolean;
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

/** What `manifest.json` in a complete cache folder holds. */
export interface ModelManifest {
  version: 1;
  /** The catalogue id, or `owner/name@revision`. */
  id: string;
  repo: string;
  revision: string;
  commit?: string;
  endpoint: string;
  /** Path in the repository of the file saved as `model.onnx`. */
  onnxPath: string;
  files: Array<{ name: string; path: string; size: number; sha256: string; etag?: string }>;
  /** ISO 8601. */
  downloadedAt: string;
}

/** Progress of {@link ModelStore.ensure}: one file's download, and where it stands among the others. */
export interface ModelProgress extends DownloadProgress {
  /** Local name of the file being fetched. */
  file: string;
  /** 0-based. */
  fileIndex: number;
  fileCount: number;
}

/** A model folder found in the cache. */
export interface CachedModel {
  id: string;
  dir: string;
  repo: string;
  revision: string;
  commit?: string;
  /** Bytes on disk, partial files included. */
  sizeOnDisk: number;
  /** False for a folder without a manifest: an interrupted download. */
  complete: boolean;
}

/** What {@link ModelStore.list} reports. */
export interface ModelListing {
  /** Every catalogue model, cached or not. */
  catalogue: Array<{ entry: CatalogueEntry; dir: string; cached: boolean; sizeOnDisk: number }>;
  /** Cache folders that are not a catalogue model (other Hub models, interrupted downloads). */
  others: CachedModel[];
}

/** Options for {@link ModelStore}. */
export interface ModelStoreOptions extends NetworkOptions {
  /** Where downloaded models live. The CLI uses {@link defaultCacheDir}. */
  cacheDir: string;
  /** Folder holding `models/catalogue.json` (the extension's path, or the CLI's package root). */
  packageRoot?: string;
  /** The catalogue itself, instead of `packageRoot`. */
  catalogue?: Catalogue;
  /**
   * The Hub's base URL.
   * @default process.env.HF_ENDPOINT ?? 'https://huggingface.co'
   */
  endpoint?: string;
  /** Passed to {@link downloadFile}; for tests that simulate a full disk. */
  createWriteStream?: DownloadOptions['createWriteStream'];
}

/** Options for {@link ModelStore.ensure} and {@link ModelStore.resolve}. */
export interface EnsureOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ModelProgress) => void;
}

function sanitizeSegment(text: string): string {
  return text.replace(/[/\\]/g, '--').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The variant folder name for an ONNX path: `onnx/model_quantized.onnx` → `onnx--model_quantized`. */
export function variantName(onnxPath: string): string {
  return sanitizeSegment(onnxPath.replace(/\.onnx$/i, ''));
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

async function sizeOnDisk(dir: string): Promise<number> {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOnDisk(full);
    else if (entry.isFile()) total += (await fsp.stat(full)).size;
  }
  return total;
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Reads a folder's manifest if it is complete: listed files all present with their sizes. */
export async function readCompleteManifest(dir: string): Promise<ModelManifest | undefined> {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await fsp.readFile(path.join(dir, MANIFEST), 'utf8')) as ModelManifest;
  } catch {
    return undefined;
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.files)) return undefined;
  for (const file of manifest.files) {
    try {
      if ((await fsp.stat(path.join(dir, file.name))).size !== file.size) return undefined;
    } catch {
      return undefined;
    }
  }
  return manifest;
}

/**
 * The models Cloze can use, and the cache they are downloaded into.
 *
 * ```ts
 * const store = new ModelStore({ cacheDir: defaultCacheDir(), packageRoot, token: process.env.HF_TOKEN, proxy: 'env' });
 * const model = await store.ensure('bert-base-uncased', { onProgress });
 * // model.dir holds model.onnx, tokenizer.json, tokenizer_config.json, config.json
 * ```
 */
export class ModelStore {
  /** The cache folder. */
  readonly cacheDir: string;
  /** The Hub's base URL, without a trailing slash. */
  readonly endpoint: string;
  private readonly logger: Logger;
  private catalogueData: Promise<Catalogue> | undefined;
  private readonly inflight = new Map<string, Promise<ResolvedModel>>();

  /** @throws TypeError when neither `packageRoot` nor `catalogue` is given, or `cacheDir` is empty. */
  constructor(private readonly options: ModelStoreOptions) {
    if (typeof options.cacheDir !== 'string' || options.cacheDir === '') {
      throw new TypeError(`Expected \`cacheDir\` to be a folder path, got \`${String(options.cacheDir)}\``);
    }
    if (options.catalogue === undefined && options.packageRoot === undefined) {
      throw new TypeError('Expected `packageRoot` (the folder with models/catalogue.json) or `catalogue`');
    }
    this.cacheDir = path.resolve(options.cacheDir);
    this.endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.logger = options.logger ?? silentLogger;
    if (options.catalogue !== undefined) this.catalogueData = Promise.resolve(options.catalogue);
  }

  /**
   * The model catalogue.
   * @throws ModelError when `models/catalogue.json` cannot be read or is malformed.
   */
  catalogue(): Promise<Catalogue> {
    if (this.catalogueData === undefined) {
      const loading = loadCatalogue(this.options.packageRoot as string);
      // A failed read is retried on the next call rather than cached.
      loading.catch(() => {
        if (this.catalogueData === loading) this.catalogueData = undefined;
      });
      this.catalogueData = loading;
    }
    return this.catalogueData;
  }

  /** The download URL of `file` in `repo` at `revision`. */
  fileUrl(repo: string, revision: string, file: string): string {
    const encodedPath = file.split('/').map(encodeURIComponent).join('/');
    return `${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
  }

  /** The cache folder of a model: `<cacheDir>/<owner>--<name>/<revision>/<variant>`. */
  cacheFolder(repo: string, revision: string, onnxPath: string): string {
    return path.join(this.cacheDir, sanitizeSegment(repo), sanitizeSegment(revision), variantName(onnxPath));
  }

  private network(signal?: AbortSignal): NetworkOptions & { signal?: AbortSignal } {
    const { token, proxy, env, agents, ca, timeoutMs, userAgent } = this.options;
    return { token, proxy, env, agents, ca, timeoutMs, userAgent, logger: this.logger, signal };
  }

  /**
   * Says what `spec` points at and whether it is on disk, without downloading.
   * For a Hub repository that is not cached this asks the Hub (HEAD requests):
   * the first of `onnx/model_quantized.onnx`, `onnx/model.onnx`, `model.onnx`
   * that exists, plus `tokenizer.json` (else `vocab.txt`), `tokenizer_config.json`
   * and `config.json` where they exist.
   * @throws TypeError for a spec that is none of the three kinds.
   * @throws ModelError (`missing-file`) for a local folder without an ONNX file or tokenizer.
   * @throws DownloadError when the Hub cannot be asked or has no such model.
   */
  async resolve(spec: string, options: Pick<EnsureOptions, 'signal'> = {}): Promise<ResolvedModel> {
    const catalogue = await this.catalogue();
    const parsed = parseModelSpec(spec, catalogue);
    switch (parsed.kind) {
      case 'catalogue':
        return this.resolveCatalogue(findCatalogueEntry(catalogue, parsed.id) as CatalogueEntry);
      case 'local':
        return resolveLocal(parsed.dir);
      case 'hub':
        return this.resolveHub(parsed.repo, parsed.revision, options.signal);
    }
  }

  private async resolveCatalogue(entry: CatalogueEntry): Promise<ResolvedModel> {
    const onnx = entry.files.find((f) => f.name === 'model.onnx') as CatalogueEntry['files'][number];
    const dir = this.cacheFolder(entry.repo, entry.revision, onnx.path);
    const manifest = await readCompleteManifest(dir);
    return {
      kind: 'catalogue',
      id: entry.id,
      dir,
      cached: manifest !== undefined && entry.files.every((f) => manifest.files.some((m) => m.name === f.name)),
      repo: entry.repo,
      revision: entry.revision,
      commit: manifest?.commit,
      files: entry.files.map((f) => ({ ...f, url: this.fileUrl(entry.repo, entry.revision, f.path) })),
      modelFile: path.join(dir, 'model.onnx'),
      hasTokenizerJson: entry.files.some((f) => f.name === 'tokenizer.json'),
      maskToken: entry.maskToken,
      entry,
    };
  }

  private async resolveHub(repo: string, revision: string, signal?: AbortSignal): Promise<ResolvedModel> {
    const id = `${repo}@${revision}`;
    // A cached copy answers without the network, so a model once downloaded works offline.
    for (const candidate of HUB_ONNX_CANDIDATES) {
      const dir = this.cacheFolder(repo, revision, candidate);
      const manifest = await readCompleteManifest(dir);
      if (manifest !== undefined) {
        return {
          kind: 'hub',
          id,
          dir,
          cached: true,
          repo,
          revision,
          commit: manifest.commit,
          files: manifest.files.map((f) => ({ name: f.name, path: f.path, size: f.size, sha256: f.sha256, url: this.fileUrl(repo, revision, f.path) })),
          modelFile: path.join(dir, 'model.onnx'),
          hasTokenizerJson: manifest.files.some((f) => f.name === 'tokenizer.json'),
        };
      }
    }

    const network = this.network(signal);
    const head = (file: string): Promise<FileMetadata | undefined> => fetchFileMetadata(this.fileUrl(repo, revision, file), network);
    let onnxPath: string | undefined;
    let onnxMeta: FileMetadata | undefined;
    for (const candidate of HUB_ONNX_CANDIDATES) {
      onnxMeta = await head(candidate);
      if (onnxMeta !== undefined) {
        onnxPath = candidate;
        break;
      }
    }
    if (onnxPath === undefined || onnxMeta === undefined) {
      const where = `${this.endpoint}/${repo}/tree/${revision}`;
      throw new DownloadError(
        'http',
        `${repo}@${revision} has no ONNX model: looked for ${HUB_ONNX_CANDIDATES.join(', ')}. Pick a repository with an ONNX export (for example one from Xenova/ or onnx-community/), or a catalogue id.`,
        where,
        { status: 404 },
      );
    }
    const [tokenizer, tokenizerConfig, config] = await Promise.all([head('tokenizer.json'), head('tokenizer_config.json'), head('config.json')]);
    const vocab = tokenizer === undefined ? await head('vocab.txt') : undefined;
    if (tokenizer === undefined && vocab === undefined) {
      throw new DownloadError('http', `${repo}@${revision} has neither tokenizer.json nor vocab.txt, so its text cannot be tokenized.`, `${this.endpoint}/${repo}`, { status: 404 });
    }
    const files: ModelFileInfo[] = [];
    const add = (name: string, repoPath: string, meta: FileMetadata | undefined): void => {
      if (meta === undefined) return;
      files.push({ name, path: repoPath, url: this.fileUrl(repo, revision, repoPath), size: meta.size, sha256: meta.sha256 });
    };
    add('model.onnx', onnxPath, onnxMeta);
    add('tokenizer.json', 'tokenizer.json', tokenizer);
    add('vocab.txt', 'vocab.txt', vocab);
    add('tokenizer_config.json', 'tokenizer_config.json', tokenizerConfig);
    add('config.json', 'config.json', config);
    const dir = this.cacheFolder(repo, revision, onnxPath);
    return {
      kind: 'hub',
      id,
      dir,
      cached: false,
      repo,
      revision,
      commit: onnxMeta.commit,
      files,
      modelFile: path.join(dir, 'model.onnx'),
      hasTokenizerJson: tokenizer !== undefined,
    };
  }

  /**
   * Makes sure every file of `spec` is on disk and verified, downloading what
   * is missing (resuming partial files), and returns the model with `cached`
   * true. Concurrent calls for the same model share one download, in this
   * process and across processes.
   * @throws TypeError, ModelError, DownloadError as {@link ModelStore.resolve} and {@link downloadFile} do.
   */
  async ensure(spec: string, options: EnsureOptions = {}): Promise<ResolvedModel> {
    const resolved = await this.resolve(spec, options);
    if (resolved.cached) return resolved;
    const running = this.inflight.get(resolved.dir);
    if (running !== undefined) return running;
    const work = this.fetchAll(resolved, options).finally(() => this.inflight.delete(resolved.dir));
    this.inflight.set(resolved.dir, work);
    return work;
  }

  private async fetchAll(model: ResolvedModel, options: EnsureOptions): Promise<ResolvedModel> {
    const repo = model.repo as string;
    const revision = model.revision as string;
    this.logger.info(`Fetching ${model.id} into ${model.dir}`);
    const saved: ModelManifest['files'] = [];
    let commit = model.commit;
    for (const [fileIndex, file] of model.files.entries()) {
      const result = await downloadFile({
        ...this.network(options.signal),
        url: file.url as string,
        dest: path.join(model.dir, file.name),
        expectedSha256: file.sha256,
        expectedSize: file.size,
        reuseExisting: true,
        createWriteStream: this.options.createWriteStream,
        onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, file: file.name, fileIndex, fileCount: model.files.length })),
      });
      commit ??= result.commit;
      saved.push({ name: file.name, path: file.path, size: result.size, sha256: result.sha256, ...(result.etag === undefined ? {} : { etag: result.etag }) });
    }
    const manifest: ModelManifest = {
      version: 1,
      id: model.kind === 'catalogue' ? model.id : `${repo}@${revision}`,
      repo,
      revision,
      ...(commit === undefined ? {} : { commit }),
      endpoint: this.endpoint,
      onnxPath: model.files.find((f) => f.name === 'model.onnx')?.path ?? 'model.onnx',
      files: saved,
      downloadedAt: new Date().toISOString(),
    };
    // Written last and renamed into place: its presence means "complete".
    const temp = path.join(model.dir, `${MANIFEST}.${process.pid}.tmp`);
    try {
      await fsp.writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
      await fsp.rename(temp, path.join(model.dir, MANIFEST));
    } catch (cause) {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      throw new DownloadError('disk', `Cannot write ${path.join(model.dir, MANIFEST)}: ${(cause as Error).message}. Set CLOZE_CACHE_DIR to a writable folder.`, model.dir, { cause });
    }
    this.logger.info(`${model.id} is ready in ${model.dir}`);
    return { ...model, cached: true, commit, files: model.files.map((f, i) => ({ ...f, size: saved[i].size, sha256: saved[i].sha256 })) };
  }

  /** Every catalogue model with whether it is cached, and any other model folders in the cache. */
  async list(): Promise<ModelListing> {
    const catalogue = await this.catalogue();
    const known = new Set<string>();
    const entries: ModelListing['catalogue'] = [];
    for (const entry of catalogue.models) {
      const resolved = await this.resolveCatalogue(entry);
      known.add(resolved.dir);
      entries.push({ entry, dir: resolved.dir, cached: resolved.cached, sizeOnDisk: await sizeOnDisk(resolved.dir) });
    }
    const others: CachedModel[] = [];
    for (const repoDir of await subdirectories(this.cacheDir)) {
      for (const revisionDir of await subdirectories(path.join(this.cacheDir, repoDir))) {
        for (const variant of await subdirectories(path.join(this.cacheDir, repoDir, revisionDir))) {
          const dir = path.join(this.cacheDir, repoDir, revisionDir, variant);
          if (known.has(dir)) continue;
          const manifest = await readCompleteManifest(dir);
          const repo = manifest?.repo ?? repoDir.replace('--', '/');
          const revision = manifest?.revision ?? revisionDir;
          others.push({
            id: manifest?.id ?? `${repo}@${revision}`,
            dir,
            repo,
            revision,
            ...(manifest?.commit === undefined ? {} : { commit: manifest.commit }),
            sizeOnDisk: await sizeOnDisk(dir),
            complete: manifest !== undefined,
          });
        }
      }
    }
    return { catalogue: entries, others };
  }

  /**
   * Deletes cached models: the one `spec` names (a catalogue id; `owner/name`
   * for every revision, `owner/name@revision` for one), or the whole cache when
   * `spec` is undefined. Local folders are never deleted.
   * @returns the folders deleted.
   * @throws TypeError for a local folder spec; Error while a download into the folder is running.
   */
  async remove(spec?: string): Promise<string[]> {
    let targets: string[];
    if (spec === undefined) {
      targets = (await subdirectories(this.cacheDir)).filter((name) => name.includes('--')).map((name) => path.join(this.cacheDir, name));
    } else {
      const catalogue = await this.catalogue();
      const parsed = parseModelSpec(spec, catalogue);
      if (parsed.kind === 'local') throw new TypeError(`Refusing to delete \`${parsed.dir}\`: only models in the cache (${this.cacheDir}) can be removed`);
      if (parsed.kind === 'catalogue') {
        targets = [(await this.resolveCatalogue(findCatalogueEntry(catalogue, parsed.id) as CatalogueEntry)).dir];
      } else {
        const repoDir = path.join(this.cacheDir, sanitizeSegment(parsed.repo));
        targets = [parsed.explicitRevision ? path.join(repoDir, sanitizeSegment(parsed.revision)) : repoDir];
      }
    }
    const removed: string[] = [];
    for (const dir of targets) {
      if (!(await exists(dir))) continue;
      if (await hasFreshLock(dir)) throw new Error(`A download into ${dir} is running; wait for it to finish or cancel it, then remove the model.`);
      await fsp.rm(dir, { recursive: true, force: true });
      removed.push(dir);
      await pruneEmptyParents(path.dirname(dir), this.cacheDir);
    }
    return removed;
  }
}

async function hasFreshLock(dir: string): Promise<boolean> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && (await hasFreshLock(full))) return true;
    if (entry.isFile() && entry.name.endsWith('.lock')) {
      const age = Date.now() - (await fsp.stat(full)).mtimeMs;
      if (age < 120_000) return true;
    }
  }
  return false;
}

async function pruneEmptyParents(dir: string, stopAt: string): Promise<void> {
  let current = dir;
  while (path.resolve(current).startsWith(path.resolve(stopAt)) && path.resolve(current) !== path.resolve(stopAt)) {
    try {
      await fsp.rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
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
    hasTokenizerJson,
  };
}
