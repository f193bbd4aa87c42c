/**
 * Where a model comes from: the catalogue, the Hugging Face Hub, or a folder
 * on disk. Models are found in, and downloaded into, the Hub cache that
 * `huggingface_hub` and transformers.js share (see `hub-cache.ts`); Cloze
 * keeps only small folders of links to them, and its derived files, in its
 * own cache (see `model-folders.ts`).
 */
import * as path from 'node:path';
import { type Logger, silentLogger } from '../engine';
import { DownloadError } from './download-error';
import { type DownloadOptions, type DownloadProgress } from './file-transfer';
import { fetchFileMetadata, type FileMetadata, type NetworkOptions, CLI_REMEDIES, type Remedies } from './hub-http';
import { linkedFileSize, resolveRevision, snapshotPath, snapshotTarget } from './hub-cache';
import { type Catalogue, type CatalogueEntry, findCatalogueEntry, loadCatalogue } from './model-catalogue';
import { fetchModel } from './model-fetch';
import {
  type FolderManifest,
  legacyFolder,
  modelFolder,
  moveLegacyFolder,
  readFolder,
  readLegacyFolder,
  writeFolder,
} from './model-folders';
import { listModels, type ModelListing, removeModels } from './model-listing';
import { DEFAULT_ENDPOINT, HUB_ONNX_CANDIDATES, type ModelFileInfo, parseModelSpec, type ResolvedModel, resolveLocal } from './model-spec';
import type { RetryNotice, RetryOptions } from './retry';

export { defaultCacheDir } from './cache-dirs';
export type { CachedModel, ModelListing } from './model-listing';
export {
  DEFAULT_ENDPOINT,
  HUB_ONNX_CANDIDATES,
  type ModelFileInfo,
  type ModelSpec,
  parseModelSpec,
  type ResolvedModel,
  resolveLocal,
  variantName,
} from './model-spec';

/** Progress of {@link ModelStore.ensure}: one file's download, and where it stands among the others. */
export interface ModelProgress extends DownloadProgress {
  /** Local name of the file being fetched. */
  file: string;
  /** 0-based. */
  fileIndex: number;
  fileCount: number;
}

/** Options for {@link ModelStore}. */
export interface ModelStoreOptions extends NetworkOptions {
  /** Cloze's own cache: the model folders that link into the Hub cache. The CLI uses {@link cacheDirs}. */
  cacheDir: string;
  /**
   * The Hugging Face Hub cache, where models are found and downloaded to.
   * @default `<cacheDir>/hub`
   */
  hubCacheDir?: string;
  /**
   * Folders where earlier versions kept whole models
   * (`<owner>--<name>/<revision>/<variant>/`): such a model is used, and moved
   * into the Hub cache once.
   * @default [cacheDir]
   */
  legacyCacheDirs?: string[];
  /** Folder holding `models/catalogue.json` (the extension's path, or the CLI's package root). */
  packageRoot?: string;
  /** The catalogue itself, instead of `packageRoot`. */
  catalogue?: Catalogue;
  /**
   * The Hub's base URL.
   * @default process.env.HF_ENDPOINT ?? 'https://huggingface.co'
   */
  endpoint?: string;
  /**
   * No network at all: models on disk work, anything else is an `offline` error.
   * @default false
   */
  offline?: boolean;
  /** How transient download failures are retried, see {@link RetryOptions}. */
  retry?: RetryOptions;
  /** Passed to the downloader; for tests that simulate a full disk. */
  createWriteStream?: DownloadOptions['createWriteStream'];
}

/** Options for {@link ModelStore.ensure} and {@link ModelStore.resolve}. */
export interface EnsureOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ModelProgress) => void;
  /** Called before a failed transfer is tried again. */
  onRetry?: (notice: RetryNotice & { file: string }) => void;
}

/**
 * The models Cloze can use, and the caches they are found in.
 *
 * ```ts
 * const dirs = cacheDirs(); // from './cache-dirs'
 * const store = new ModelStore({ cacheDir: dirs.cloze, hubCacheDir: dirs.hub, packageRoot, token, proxy: 'env' });
 * const model = await store.ensure('bert-base-uncased', { onProgress });
 * // model.dir holds model.onnx, tokenizer.json, tokenizer_config.json, config.json
 * ```
 */
export class ModelStore {
  /** Cloze's own cache folder. */
  readonly cacheDir: string;
  /** The Hub cache models are found in and downloaded to. */
  readonly hubCacheDir: string;
  /** Folders of earlier versions that are looked in. */
  readonly legacyCacheDirs: readonly string[];
  /** The Hub's base URL, without a trailing slash. */
  readonly endpoint: string;
  /** True when nothing may be downloaded. */
  readonly offline: boolean;
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
    this.hubCacheDir = path.resolve(options.hubCacheDir ?? path.join(this.cacheDir, 'hub'));
    this.legacyCacheDirs = (options.legacyCacheDirs ?? [this.cacheDir]).map((d) => path.resolve(d));
    this.endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.offline = options.offline ?? false;
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

  /** How messages name remedies. */
  get remedies(): Remedies {
    return this.options.remedies ?? CLI_REMEDIES;
  }

  /** @internal What the downloader needs, for `model-fetch.ts`. */
  network(signal?: AbortSignal): NetworkOptions & { signal?: AbortSignal; retry?: RetryOptions; createWriteStream?: DownloadOptions['createWriteStream'] } {
    const { token, proxy, env, agents, ca, timeoutMs, userAgent, remedies, retry, createWriteStream } = this.options;
    return { token, proxy, env, agents, ca, timeoutMs, userAgent, remedies, retry, createWriteStream, logger: this.logger, signal };
  }

  /**
   * Says what `spec` points at and whether it is on disk, without downloading.
   * A model in the Hub cache (or in an earlier version's folder) is found
   * without the network. For a Hub repository that is not cached this asks
   * the Hub (HEAD requests): the first of `onnx/model_quantized.onnx`,
   * `onnx/model.onnx`, `model.onnx` that exists, plus `tokenizer.json` (else
   * `vocab.txt`), `tokenizer_config.json` and `config.json` where they exist.
   * @throws TypeError for a spec that is none of the three kinds.
   * @throws ModelError (`missing-file`) for a local folder without an ONNX file or tokenizer.
   * @throws DownloadError when the Hub cannot be asked or has no such model
   * (`offline` when offline and a Hub repository is not cached).
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

  /** @internal A catalogue model, resolved; for `model-listing.ts`. */
  async resolveCatalogue(entry: CatalogueEntry): Promise<ResolvedModel> {
    const onnxPath = (entry.files.find((f) => f.name === 'model.onnx') as CatalogueEntry['files'][number]).path;
    const found = await this.findCached(entry.id, entry.repo, entry.revision, onnxPath, entry.files);
    return {
      kind: 'catalogue',
      id: entry.id,
      dir: found?.dir ?? modelFolder(this.cacheDir, entry.repo, entry.revision, onnxPath),
      cached: found !== undefined,
      location: found?.location,
      repo: entry.repo,
      revision: entry.revision,
      commit: found?.commit,
      files: entry.files.map((f) => ({ ...f, url: this.fileUrl(entry.repo, entry.revision, f.path) })),
      modelFile: path.join(found?.dir ?? modelFolder(this.cacheDir, entry.repo, entry.revision, onnxPath), 'model.onnx'),
      hasTokenizerJson: entry.files.some((f) => f.name === 'tokenizer.json'),
      maskToken: entry.maskToken,
      entry,
    };
  }

  /**
   * A model on disk: a complete model folder, else every file in the Hub
   * cache's snapshot of the revision (a folder of links is then made), else
   * an earlier version's folder (moved into the Hub cache when it can be).
   */
  private async findCached(
    id: string,
    repo: string,
    revision: string,
    onnxPath: string,
    wanted: ReadonlyArray<{ name: string; path: string; size?: number }>,
  ): Promise<{ dir: string; commit?: string; location: 'hub-cache' | 'legacy'; manifest?: FolderManifest } | undefined> {
    const commit = await resolveRevision(this.hubCacheDir, repo, revision);
    if (commit !== undefined) {
      const dir = modelFolder(this.cacheDir, repo, commit, onnxPath);
      const folder = await readFolder(dir);
      if (folder !== undefined && folder.hubCache === this.hubCacheDir && wanted.every((w) => folder.files.some((f) => f.name === w.name))) {
        return { dir, commit, location: 'hub-cache', manifest: folder };
      }
      const sizes = await Promise.all(wanted.map((w) => linkedFileSize(snapshotPath(this.hubCacheDir, repo, commit, w.path))));
      if (sizes.every((size, i) => size !== undefined && (wanted[i].size === undefined || wanted[i].size === size))) {
        const manifest = this.folderManifest(id, repo, revision, commit, onnxPath, wanted.map((w, i) => ({
          name: w.name,
          path: w.path,
          size: sizes[i] as number,
          etag: path.basename(snapshotTarget(snapshotPath(this.hubCacheDir, repo, commit, w.path))),
          downloaded: false,
        })));
        try {
          await writeFolder(dir, manifest);
        } catch (error) {
          throw new DownloadError('disk', `Cannot write ${dir}: ${(error as Error).message}. Set ${this.remedies.cacheDir} to a folder you can write to.`, dir, { cause: error });
        }
        this.logger.info(`Found ${id} in the Hugging Face cache ${this.hubCacheDir}`);
        return { dir, commit, location: 'hub-cache', manifest };
      }
    }
    for (const root of this.legacyCacheDirs) {
      const dir = legacyFolder(root, repo, revision, onnxPath);
      const legacy = await readLegacyFolder(dir);
      if (legacy === undefined) continue;
      try {
        const files = await moveLegacyFolder(dir, legacy, this.hubCacheDir, root);
        if (files !== undefined && legacy.commit !== undefined) {
          const target = modelFolder(this.cacheDir, repo, legacy.commit, onnxPath);
          const manifest = this.folderManifest(id, repo, revision, legacy.commit, onnxPath, files);
          await writeFolder(target, manifest);
          this.logger.info(`Moved ${id} from ${dir} into the Hugging Face cache ${this.hubCacheDir}`);
          return { dir: target, commit: legacy.commit, location: 'hub-cache', manifest };
        }
      } catch (error) {
        this.logger.warn(`Could not move ${dir} into the Hugging Face cache (${(error as Error).message}); using it where it is`);
        if ((await readLegacyFolder(dir)) === undefined) continue;
      }
      return { dir, commit: legacy.commit, location: 'legacy' };
    }
    return undefined;
  }

  /** @internal A manifest for a model folder. */
  folderManifest(id: string, repo: string, revision: string, commit: string, onnxPath: string, files: FolderManifest['files']): FolderManifest {
    return { version: 2, id, repo, revision, commit, endpoint: this.endpoint, onnxPath, hubCache: this.hubCacheDir, files, createdAt: new Date().toISOString() };
  }

  private offlineError(id: string, repo: string, revision: string): DownloadError {
    const where = `${this.endpoint}/${repo}/tree/${revision}`;
    return new DownloadError(
      'offline',
      `${id} is not downloaded, and Cloze is offline (to go online: ${this.remedies.offline}). Download it where there is a network (${this.remedies.download}): it comes from ${where} and goes into the Hugging Face cache ${this.hubCacheDir}.`,
      where,
    );
  }

  private async resolveHub(repo: string, revision: string, signal?: AbortSignal): Promise<ResolvedModel> {
    const id = `${repo}@${revision}`;
    // A cached copy answers without the network, so a model once downloaded works offline.
    const names = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'config.json'];
    const commit = await resolveRevision(this.hubCacheDir, repo, revision);
    const present = commit === undefined ? [] : await Promise.all(names.map((n) => linkedFileSize(snapshotPath(this.hubCacheDir, repo, commit, n))));
    for (const candidate of HUB_ONNX_CANDIDATES) {
      const wanted = [{ name: 'model.onnx', path: candidate }, ...names.filter((_, i) => present[i] !== undefined).map((n) => ({ name: n, path: n }))];
      if (!wanted.some((w) => w.name === 'tokenizer.json' || w.name === 'vocab.txt')) wanted.push({ name: 'tokenizer.json', path: 'tokenizer.json' });
      const found = await this.findCached(id, repo, revision, candidate, wanted);
      if (found === undefined) continue;
      const manifest = found.manifest ?? (await readFolder(found.dir));
      const files: ModelFileInfo[] = (manifest?.files ?? wanted).map((f) => ({
        name: f.name,
        path: f.path,
        ...('size' in f && typeof f.size === 'number' ? { size: f.size } : {}),
        url: this.fileUrl(repo, revision, f.path),
      }));
      return {
        kind: 'hub',
        id,
        dir: found.dir,
        cached: true,
        location: found.location,
        repo,
        revision,
        commit: found.commit,
        files,
        modelFile: path.join(found.dir, 'model.onnx'),
        hasTokenizerJson: files.some((f) => f.name === 'tokenizer.json'),
      };
    }
    if (this.offline) throw this.offlineError(id, repo, revision);

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
      files.push({ name, path: repoPath, url: this.fileUrl(repo, revision, repoPath), size: meta.size, sha256: meta.sha256, etag: meta.etag });
    };
    add('model.onnx', onnxPath, onnxMeta);
    add('tokenizer.json', 'tokenizer.json', tokenizer);
    add('vocab.txt', 'vocab.txt', vocab);
    add('tokenizer_config.json', 'tokenizer_config.json', tokenizerConfig);
    add('config.json', 'config.json', config);
    const dir = modelFolder(this.cacheDir, repo, onnxMeta.commit ?? revision, onnxPath);
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
   * is missing into the Hub cache (resuming partial files, retrying transient
   * failures), and returns the model with `cached` true. Concurrent calls for
   * the same model share one download, in this process and across processes.
   * @throws TypeError, ModelError, DownloadError as {@link ModelStore.resolve}
   * and the downloader do; DownloadError `offline` when the model is not on
   * disk and the store is offline.
   */
  async ensure(spec: string, options: EnsureOptions = {}): Promise<ResolvedModel> {
    const resolved = await this.resolve(spec, options);
    if (resolved.cached) return resolved;
    if (this.offline) throw this.offlineError(resolved.id, resolved.repo as string, resolved.revision as string);
    const running = this.inflight.get(resolved.dir);
    if (running !== undefined) return running;
    const work = fetchModel(this, resolved, options).finally(() => this.inflight.delete(resolved.dir));
    this.inflight.set(resolved.dir, work);
    return work;
  }

  /** Every catalogue model with whether it is on disk, and the other models Cloze has folders for. */
  list(): Promise<ModelListing> {
    return listModels(this);
  }

  /**
   * Removes what Cloze downloaded for a model: its folder, and the files in
   * the Hub cache that Cloze downloaded and no other of its models uses.
   * Files another tool downloaded stay, unless `shared` is set.
   * @param spec - A catalogue id; `owner/name` for every revision,
   * `owner/name@revision` for one; undefined for every model.
   * @returns the model folders removed.
   * @throws TypeError for a local folder spec; Error while a download of the model is running.
   */
  remove(spec?: string, options: { shared?: boolean } = {}): Promise<string[]> {
    return removeModels(this, spec, options);
  }
}
