/**
 * What Cloze has on disk, and removing it: its model folders, the files in
 * the Hub cache it downloaded for them, and earlier versions' folders. A
 * file another tool put in the Hub cache is never removed unless asked for
 * by name (`shared`).
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { blobLockPath, linkedFileSize, removeAndPrune, repoFolder, resolveRevision, snapshotPath, snapshotTarget, tidyRepo } from './hub-cache';
import type { CatalogueEntry } from './model-catalogue';
import { PENDING, type PendingDownload } from './model-fetch';
import { type FolderManifest, MANIFEST, modelFoldersUnder, readFolder, readLegacyFolder } from './model-folders';
import { parseModelSpec, sanitizeSegment } from './model-spec';
import type { ModelStore } from './model-store';

/** A model folder of Cloze's, or of an earlier version. */
export interface CachedModel {
  id: string;
  dir: string;
  repo: string;
  revision: string;
  commit?: string;
  /** Bytes of its files (and of partial downloads). */
  sizeOnDisk: number;
  /** Bytes of those that Cloze downloaded (the rest another tool had). */
  downloadedBytes: number;
  /** False for an interrupted download. */
  complete: boolean;
  /** `legacy` for a folder of an earlier version that holds its own copies. */
  location: 'hub-cache' | 'legacy';
}

/** What {@link ModelStore.list} reports. */
export interface ModelListing {
  /** Every catalogue model, on disk or not. */
  catalogue: Array<{
    entry: CatalogueEntry;
    dir: string;
    cached: boolean;
    /** Bytes of its files; of partial downloads while not cached. */
    sizeOnDisk: number;
    /** Bytes of those that Cloze downloaded. */
    downloadedBytes: number;
    location?: 'hub-cache' | 'legacy';
  }>;
  /** Other models Cloze has folders for (other Hub models, interrupted downloads, earlier versions'). */
  others: CachedModel[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function sizeOf(files: readonly string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += (await linkedFileSize(file)) ?? 0;
  return total;
}

/** A Cloze model folder, complete or interrupted. */
async function describeFolder(dir: string): Promise<CachedModel | undefined> {
  const manifest = await readFolder(dir);
  if (manifest !== undefined) {
    return {
      id: manifest.id,
      dir,
      repo: manifest.repo,
      revision: manifest.revision,
      commit: manifest.commit,
      sizeOnDisk: manifest.files.reduce((sum, f) => sum + f.size, 0),
      downloadedBytes: manifest.files.reduce((sum, f) => sum + (f.downloaded ? f.size : 0), 0),
      complete: true,
      location: 'hub-cache',
    };
  }
  const pending = await readJson<PendingDownload>(path.join(dir, PENDING));
  if (pending === undefined) return undefined;
  const partial = await sizeOf(pending.parts);
  return { id: pending.id, dir, repo: pending.repo, revision: pending.revision, commit: path.basename(path.dirname(dir)), sizeOnDisk: partial, downloadedBytes: partial, complete: false, location: 'hub-cache' };
}

async function describeLegacy(dir: string): Promise<CachedModel> {
  const manifest = await readLegacyFolder(dir);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const size = await sizeOf(names.map((n) => path.join(dir, n)));
  const repo = manifest?.repo ?? path.basename(path.dirname(path.dirname(dir))).replace('--', '/');
  const revision = manifest?.revision ?? path.basename(path.dirname(dir));
  return {
    id: manifest?.id ?? `${repo}@${revision}`,
    dir,
    repo,
    revision,
    ...(manifest?.commit === undefined ? {} : { commit: manifest.commit }),
    sizeOnDisk: size,
    downloadedBytes: size,
    complete: manifest !== undefined,
    location: 'legacy',
  };
}

/** An earlier version's repository folders are `owner--name`; Cloze's own subfolders (`models`, `graphs`, `hub`) are not. */
const isLegacyRepoFolder = (name: string): boolean => name.includes('--') && !name.startsWith('models--');

/** Cloze's model folders and earlier versions' folders. */
async function allFolders(store: ModelStore): Promise<{ folders: string[]; legacy: string[] }> {
  const legacy: string[] = [];
  for (const root of store.legacyCacheDirs) legacy.push(...(await modelFoldersUnder(root, isLegacyRepoFolder)));
  return { folders: await modelFoldersUnder(path.join(store.cacheDir, 'models')), legacy };
}

/** See {@link ModelStore.list}. */
export async function listModels(store: ModelStore): Promise<ModelListing> {
  const catalogue = await store.catalogue();
  const known = new Set<string>();
  const entries: ModelListing['catalogue'] = [];
  for (const entry of catalogue.models) {
    const resolved = await store.resolveCatalogue(entry);
    known.add(resolved.dir);
    const described = resolved.location === 'legacy' ? await describeLegacy(resolved.dir) : await describeFolder(resolved.dir);
    entries.push({
      entry,
      dir: resolved.dir,
      cached: resolved.cached,
      sizeOnDisk: described?.sizeOnDisk ?? 0,
      downloadedBytes: described?.downloadedBytes ?? 0,
      ...(resolved.location === undefined || resolved.location === 'local' ? {} : { location: resolved.location }),
    });
  }
  const others: CachedModel[] = [];
  const { folders, legacy } = await allFolders(store);
  for (const dir of folders) {
    if (known.has(dir)) continue;
    const described = await describeFolder(dir);
    if (described !== undefined) others.push(described);
  }
  for (const dir of legacy) if (!known.has(dir)) others.push(await describeLegacy(dir));
  return { catalogue: entries, others };
}

/** True while a download that holds one of the repository's locks is running. */
async function downloadRunning(store: ModelStore, repo: string): Promise<boolean> {
  const locks = path.dirname(blobLockPath(store.hubCacheDir, repo, 'x'));
  for (const name of await fsp.readdir(locks).catch(() => [] as string[])) {
    const stat = await fsp.stat(path.join(locks, name)).catch(() => undefined);
    if (stat !== undefined && Date.now() - stat.mtimeMs < 120_000) return true;
  }
  return false;
}

/** The folders `spec` names. */
async function targetsOf(store: ModelStore, spec: string | undefined): Promise<string[]> {
  const { folders, legacy } = await allFolders(store);
  if (spec === undefined) return [...folders, ...legacy];
  const catalogue = await store.catalogue();
  const parsed = parseModelSpec(spec, catalogue);
  if (parsed.kind === 'local') throw new TypeError(`Refusing to delete \`${parsed.dir}\`: only models in the cache (${store.cacheDir}) can be removed`);
  if (parsed.kind === 'catalogue') {
    const entry = catalogue.models.find((m) => m.id === parsed.id) as CatalogueEntry;
    const dir = (await store.resolveCatalogue(entry)).dir;
    return [...folders, ...legacy].filter((d) => d === dir);
  }
  const repoDir = sanitizeSegment(parsed.repo);
  const commit = parsed.explicitRevision ? await resolveRevision(store.hubCacheDir, parsed.repo, parsed.revision) : undefined;
  const matches = (dir: string, root: string, revisions: Array<string | undefined>): boolean => {
    const relative = path.relative(root, dir).split(path.sep);
    return relative[0] === repoDir && (!parsed.explicitRevision || revisions.some((r) => r !== undefined && relative[1] === sanitizeSegment(r)));
  };
  return [
    ...folders.filter((d) => matches(d, path.join(store.cacheDir, 'models'), [commit, parsed.revision])),
    ...legacy.filter((d) => store.legacyCacheDirs.some((root) => matches(d, root, [parsed.revision]))),
  ];
}

/** See {@link ModelStore.remove}. */
export async function removeModels(store: ModelStore, spec: string | undefined, options: { shared?: boolean }): Promise<string[]> {
  const targets = await targetsOf(store, spec);
  const { folders } = await allFolders(store);
  const removed: string[] = [];
  for (const dir of targets) {
    if (!fs.existsSync(dir)) continue;
    const manifest = await readJson<FolderManifest>(path.join(dir, MANIFEST));
    const pending = await readJson<PendingDownload>(path.join(dir, PENDING));
    const repo = manifest?.repo ?? pending?.repo;
    if (repo !== undefined && (await downloadRunning(store, repo))) {
      throw new Error(`A download of ${repo} is running; wait for it to finish or cancel it, then remove the model.`);
    }
    if (manifest?.version === 2) await releaseFiles(manifest, folders.filter((f) => f !== dir && !removed.includes(f)), options.shared === true);
    for (const part of pending?.parts ?? []) await fsp.rm(part, { force: true });
    const root = [store.cacheDir, ...store.legacyCacheDirs].find((r) => dir.startsWith(r + path.sep)) ?? store.cacheDir;
    await removeAndPrune(dir, root);
    removed.push(dir);
  }
  return removed;
}

/**
 * Removes from the Hub cache the files of a model folder that Cloze
 * downloaded (all of them with `shared`), except those another of Cloze's
 * folders still uses: that folder then counts as having downloaded them.
 */
async function releaseFiles(manifest: FolderManifest, remaining: string[], shared: boolean): Promise<void> {
  const others: Array<{ dir: string; manifest: FolderManifest }> = [];
  for (const other of remaining) {
    const otherManifest = await readJson<FolderManifest>(path.join(other, MANIFEST));
    if (otherManifest?.version === 2 && otherManifest.hubCache === manifest.hubCache && otherManifest.repo === manifest.repo) others.push({ dir: other, manifest: otherManifest });
  }
  const hub = manifest.hubCache;
  for (const file of manifest.files) {
    if (!file.downloaded && !shared) continue;
    const users = others.filter((o) => o.manifest.files.some((f) => f.etag === file.etag));
    if (users.length > 0) {
      if (file.downloaded) {
        for (const user of users) {
          user.manifest.files = user.manifest.files.map((f) => (f.etag === file.etag ? { ...f, downloaded: true } : f));
          await fsp.writeFile(path.join(user.dir, MANIFEST), `${JSON.stringify(user.manifest, null, 2)}\n`);
        }
      }
      continue;
    }
    const snapshot = snapshotPath(hub, manifest.repo, manifest.commit, file.path);
    const target = snapshotTarget(snapshot);
    const root = repoFolder(hub, manifest.repo);
    await removeAndPrune(snapshot, root);
    if (target !== snapshot && target.startsWith(path.join(root, 'blobs') + path.sep)) await removeAndPrune(target, root);
  }
  await tidyRepo(hub, manifest.repo);
}
