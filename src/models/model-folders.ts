/**
 * Cloze's own model folders, and those of earlier versions.
 *
 * The engine loads a folder holding `model.onnx`, `tokenizer.json`,
 * `tokenizer_config.json` and `config.json` under those names, while a Hub
 * snapshot holds them under their repository paths, int8 and fp32 side by
 * side. So each model Cloze uses gets a small folder in Cloze's cache,
 * `<cache>/models/<owner>--<name>/<commit>/<variant>/`, whose files link to
 * the Hub cache, and a `manifest.json`, written last, that records which of
 * those files Cloze downloaded (and so may remove).
 *
 * Earlier versions kept whole copies in `<cache>/<owner>--<name>/<revision>/<variant>/`
 * with a version 1 manifest; {@link moveLegacyFolder} moves one into the Hub cache.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { blobPath, linkedFileSize, linkFile, removeAndPrune, repoFolder, snapshotPath, writeRef } from './hub-cache';
import { sanitizeSegment, variantName } from './model-spec';

/** The manifest file of a model folder. */
export const MANIFEST = 'manifest.json';

/** One file of a model folder. */
export interface FolderFile {
  /** Local name: `model.onnx`, `tokenizer.json`, ... */
  name: string;
  /** Path in the repository. */
  path: string;
  size: number;
  /** SHA-256, when it was computed or published. */
  sha256?: string;
  /** The Hub's ETag: the blob's name. */
  etag: string;
  /** True when Cloze downloaded these bytes; false when another tool (or an earlier model) had them. */
  downloaded: boolean;
}

/** What `manifest.json` of a model folder holds. */
export interface FolderManifest {
  version: 2;
  /** The catalogue id, or `owner/name@revision`. */
  id: string;
  repo: string;
  revision: string;
  commit: string;
  endpoint: string;
  /** Path in the repository of the file linked as `model.onnx`. */
  onnxPath: string;
  /** The Hub cache the files link into. */
  hubCache: string;
  files: FolderFile[];
  /** ISO 8601. */
  createdAt: string;
}

/** What `manifest.json` of an earlier version's model folder holds. */
export interface LegacyManifest {
  version: 1;
  id: string;
  repo: string;
  revision: string;
  commit?: string;
  endpoint: string;
  onnxPath: string;
  files: Array<{ name: string; path: string; size: number; sha256: string; etag?: string }>;
  downloadedAt: string;
}

/** The model folder of `repo` at `commit` (or a revision, before the commit is known) for one ONNX file. */
export function modelFolder(cacheDir: string, repo: string, commit: string, onnxPath: string): string {
  return path.join(cacheDir, 'models', sanitizeSegment(repo), sanitizeSegment(commit), variantName(onnxPath));
}

/** An earlier version's folder for the same model. */
export function legacyFolder(legacyRoot: string, repo: string, revision: string, onnxPath: string): string {
  return path.join(legacyRoot, sanitizeSegment(repo), sanitizeSegment(revision), variantName(onnxPath));
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Every listed file is there (links followed) with its size. */
async function filesPresent(dir: string, files: ReadonlyArray<{ name: string; size: number }>): Promise<boolean> {
  for (const file of files) {
    if ((await linkedFileSize(path.join(dir, file.name))) !== file.size) return false;
  }
  return true;
}

/** A model folder's manifest when the folder is complete: every file there, through its link, with its size. */
export async function readFolder(dir: string): Promise<FolderManifest | undefined> {
  const manifest = await readJson<FolderManifest>(path.join(dir, MANIFEST));
  if (manifest?.version !== 2 || !Array.isArray(manifest.files)) return undefined;
  return (await filesPresent(dir, manifest.files)) ? manifest : undefined;
}

/** An earlier version's manifest when its folder is complete. */
export async function readLegacyFolder(dir: string): Promise<LegacyManifest | undefined> {
  const manifest = await readJson<LegacyManifest>(path.join(dir, MANIFEST));
  if (manifest?.version !== 1 || !Array.isArray(manifest.files)) return undefined;
  return (await filesPresent(dir, manifest.files)) ? manifest : undefined;
}

/**
 * Makes the model folder `dir`: links each file to its snapshot entry in the
 * Hub cache, then writes the manifest (through a rename, so that a folder
 * with a manifest is always complete).
 */
export async function writeFolder(dir: string, manifest: FolderManifest): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  for (const file of manifest.files) {
    await linkFile(snapshotPath(manifest.hubCache, manifest.repo, manifest.commit, file.path), path.join(dir, file.name));
  }
  const temp = path.join(dir, `${MANIFEST}.${process.pid}.tmp`);
  await fsp.writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await fsp.rename(temp, path.join(dir, MANIFEST));
}

/** Folders three levels down (`<owner>--<name>/<revision>/<variant>`), the shape of both layouts. */
export async function modelFoldersUnder(root: string, filter: (repoFolder: string) => boolean = () => true): Promise<string[]> {
  const subdirectories = async (dir: string): Promise<string[]> =>
    (await fsp.readdir(dir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  const found: string[] = [];
  for (const repoDir of (await subdirectories(root)).filter((d) => filter(path.basename(d)))) {
    for (const revisionDir of await subdirectories(repoDir)) found.push(...(await subdirectories(revisionDir)));
  }
  return found;
}

/** Moves a file, copying where a rename cannot (another disk). */
async function moveFile(from: string, to: string): Promise<void> {
  await fsp.mkdir(path.dirname(to), { recursive: true });
  try {
    await fsp.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await fsp.copyFile(from, `${to}.tmp`);
    await fsp.rename(`${to}.tmp`, to);
    await fsp.rm(from, { force: true });
  }
}

/**
 * Moves an earlier version's model folder into the Hub cache (blobs named by
 * ETag, snapshot links, a ref for a branch) and removes it. Possible only
 * when its manifest knows the commit and every file's ETag; otherwise the
 * folder stays and is used where it is.
 * @returns the files as a new manifest records them, or undefined when it cannot be moved.
 */
export async function moveLegacyFolder(dir: string, manifest: LegacyManifest, hubDir: string, stopAt: string): Promise<FolderFile[] | undefined> {
  const commit = manifest.commit;
  if (commit === undefined || manifest.files.some((f) => !f.etag)) return undefined;
  const files: FolderFile[] = [];
  for (const file of manifest.files) {
    const etag = file.etag as string;
    const blob = blobPath(hubDir, manifest.repo, etag);
    const from = path.join(dir, file.name);
    if ((await linkedFileSize(blob)) === file.size) await fsp.rm(from, { force: true });
    else await moveFile(from, blob);
    await linkFile(blob, snapshotPath(hubDir, manifest.repo, commit, file.path));
    files.push({ name: file.name, path: file.path, size: file.size, sha256: file.sha256, etag, downloaded: true });
  }
  if (!fs.existsSync(path.join(repoFolder(hubDir, manifest.repo), 'refs', manifest.revision))) {
    await writeRef(hubDir, manifest.repo, manifest.revision, commit);
  }
  await removeAndPrune(dir, stopAt);
  return files;
}
