/**
 * The Hugging Face Hub cache layout, as `huggingface_hub` writes it, so that
 * one copy of a model serves Cloze, Python and transformers.js:
 * ```
 * <hub>/models--<owner>--<name>/
 *   blobs/<etag>                        the files' bytes, named by the Hub's ETag
 *   snapshots/<commit>/<path in repo>   relative symlinks to ../../blobs/<etag>
 *   refs/<revision>                     the commit a branch or tag pointed at
 * ```
 * Where symbolic links cannot be made (Windows without developer mode) a
 * snapshot file is a hard link to the blob, else a copy, as `huggingface_hub`
 * copies there.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** A 40-hex git commit id. */
export const COMMIT = /^[0-9a-f]{40}$/;

/** `owner/name` → `models--owner--name`. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

/** The repository's folder in the Hub cache. */
export function repoFolder(hubDir: string, repo: string): string {
  return path.join(hubDir, repoFolderName(repo));
}

/** Where the blob with this ETag lives. */
export function blobPath(hubDir: string, repo: string, etag: string): string {
  return path.join(repoFolder(hubDir, repo), 'blobs', etag);
}

/** Where a file of a commit appears in the cache. */
export function snapshotPath(hubDir: string, repo: string, commit: string, file: string): string {
  return path.join(repoFolder(hubDir, repo), 'snapshots', commit, ...file.split('/'));
}

/** The lock Cloze takes while fetching a blob (beside `huggingface_hub`'s own, in `.locks`). */
export function blobLockPath(hubDir: string, repo: string, etag: string): string {
  return path.join(hubDir, '.locks', repoFolderName(repo), `${etag}.cloze.lock`);
}

/** Where Cloze keeps the bytes of a blob until they check out. */
export function blobPartPath(hubDir: string, repo: string, etag: string): string {
  return `${blobPath(hubDir, repo, etag)}.cloze.incomplete`;
}

/**
 * The commit `revision` stands for: itself when it is a commit id, else what
 * `refs/<revision>` says. Undefined when the cache does not know.
 */
export async function resolveRevision(hubDir: string, repo: string, revision: string): Promise<string | undefined> {
  if (COMMIT.test(revision)) return revision;
  try {
    const commit = (await fsp.readFile(path.join(repoFolder(hubDir, repo), 'refs', ...revision.split('/')), 'utf8')).trim();
    return COMMIT.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Records that `revision` (a branch or tag) points at `commit`. Nothing to do for a commit id. */
export async function writeRef(hubDir: string, repo: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const file = path.join(repoFolder(hubDir, repo), 'refs', ...revision.split('/'));
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, commit);
  await fsp.rename(temp, file);
}

/** The size of the file behind `file` (links followed), or undefined when there is none. */
export async function linkedFileSize(file: string): Promise<number | undefined> {
  try {
    const stat = await fsp.stat(file);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** How a file was made to appear at another path. */
export type LinkKind = 'symlink' | 'hardlink' | 'copy';

/**
 * Makes `linkPath` show the file at `target`: a relative symbolic link, else
 * a hard link, else a copy. Replaces whatever was at `linkPath`.
 */
export async function linkFile(target: string, linkPath: string): Promise<LinkKind> {
  await fsp.mkdir(path.dirname(linkPath), { recursive: true });
  const temp = `${linkPath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const place = async (make: () => Promise<void>): Promise<boolean> => {
    try {
      await make();
      await fsp.rename(temp, linkPath);
      return true;
    } catch {
      await fsp.rm(temp, { force: true }).catch(() => undefined);
      return false;
    }
  };
  if (await place(() => fsp.symlink(path.relative(path.dirname(linkPath), target), temp, 'file'))) return 'symlink';
  const real = await fsp.realpath(target);
  if (await place(() => fsp.link(real, temp))) return 'hardlink';
  await fsp.copyFile(real, temp);
  await fsp.rename(temp, linkPath);
  return 'copy';
}

/** The file a snapshot entry stands for: the blob it links to, or itself when it is a hard link or a copy. */
export function snapshotTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Removes a file, then its folders up to (not including) `stopAt` while they
 * are empty.
 */
export async function removeAndPrune(file: string, stopAt: string): Promise<void> {
  await fsp.rm(file, { force: true, recursive: true });
  let current = path.dirname(file);
  const stop = path.resolve(stopAt);
  while (path.resolve(current).startsWith(stop + path.sep)) {
    try {
      await fsp.rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}

/**
 * Drops `refs/*` files that name a commit with no snapshot left, so that
 * `huggingface_hub`'s cache scan does not report the repository as corrupted,
 * then the repository folder itself when nothing is left in it.
 */
export async function tidyRepo(hubDir: string, repo: string): Promise<void> {
  const root = repoFolder(hubDir, repo);
  const refsDir = path.join(root, 'refs');
  const refs = await fsp.readdir(refsDir, { recursive: true, withFileTypes: true }).catch(() => [] as fs.Dirent[]);
  for (const ref of refs) {
    if (!ref.isFile()) continue;
    const file = path.join(ref.parentPath, ref.name);
    const commit = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
    if (!fs.existsSync(path.join(root, 'snapshots', commit))) await removeAndPrune(file, root);
  }
  for (const sub of ['snapshots', 'blobs', 'refs']) await fsp.rmdir(path.join(root, sub)).catch(() => undefined);
  await fsp.rmdir(root).catch(() => undefined);
}
