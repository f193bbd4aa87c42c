/**
 * Downloading a model into the Hub cache the way `huggingface_hub` does: ask
 * the Hub for each file's ETag and commit, fetch the bytes into
 * `blobs/<etag>` (verified, resumable, retried), link
 * `snapshots/<commit>/<path>` to them and record `refs/<revision>`; then
 * make Cloze's folder of links, noting which files Cloze downloaded.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { DownloadError } from './download-error';
import { downloadFile } from './file-transfer';
import { blobLockPath, blobPartPath, blobPath, COMMIT, linkedFileSize, linkFile, snapshotPath, writeRef } from './hub-cache';
import { cancelledError, fetchFileMetadata, type FileMetadata } from './hub-http';
import { type FolderFile, modelFolder, writeFolder } from './model-folders';
import type { ResolvedModel } from './model-spec';
import type { EnsureOptions, ModelStore } from './model-store';
import { withRetries } from './retry';

/** A note in a model folder while its files are being fetched, so that `list` can show an interrupted download. */
export const PENDING = 'pending.json';

/** What {@link PENDING} holds. */
export interface PendingDownload {
  id: string;
  repo: string;
  revision: string;
  /** Part files so far. */
  parts: string[];
}

async function fileMetadata(store: ModelStore, url: string, options: EnsureOptions): Promise<FileMetadata | undefined> {
  const network = store.network(options.signal);
  return withRetries(() => fetchFileMetadata(url, network), {
    ...network.retry,
    signal: options.signal,
    onCancelled: (reason) => cancelledError(new URL(url), reason),
  });
}

function diskError(error: unknown, where: string, store: ModelStore): DownloadError {
  if (error instanceof DownloadError) return error;
  return new DownloadError('disk', `Cannot write ${where}: ${(error as Error).message}. Set ${store.remedies.cacheDir} to a folder you can write to, then run again.`, where, { cause: error });
}

/**
 * Fetches the files of `model` that the Hub cache lacks, and returns the
 * model with `cached` true.
 * @throws DownloadError as the downloader does.
 */
export async function fetchModel(store: ModelStore, model: ResolvedModel, options: EnsureOptions): Promise<ResolvedModel> {
  const repo = model.repo as string;
  const revision = model.revision as string;
  const hub = store.hubCacheDir;
  const network = store.network(options.signal);
  const logger = network.logger;
  let commit = model.commit ?? (COMMIT.test(revision) ? revision : undefined);
  let folder: string | undefined;
  const pending: PendingDownload = { id: model.id, repo, revision, parts: [] };
  const notePending = async (): Promise<void> => {
    if (folder === undefined) return;
    await fsp.mkdir(folder, { recursive: true });
    await fsp.writeFile(path.join(folder, PENDING), `${JSON.stringify(pending)}\n`);
  };
  logger?.info(`Fetching ${model.id} into the Hugging Face cache ${hub}`);

  const saved: FolderFile[] = [];
  for (const [fileIndex, file] of model.files.entries()) {
    const url = store.fileUrl(repo, commit ?? revision, file.path);
    const meta = file.etag !== undefined && commit !== undefined ? { etag: file.etag, size: file.size, sha256: file.sha256, commit } : await fileMetadata(store, url, options);
    if (meta === undefined) {
      throw new DownloadError('http', `Not found (HTTP 404): ${file.path} is not in ${repo} at ${revision}. The catalogue may be out of date.`, url, { status: 404 });
    }
    commit ??= meta.commit;
    if (commit === undefined || meta.etag === undefined) {
      throw new DownloadError('http', `${store.endpoint} did not say which commit or version of ${file.path} it serves (no X-Repo-Commit or ETag), so it cannot be kept in the Hugging Face cache. Use the Hub or a mirror that does.`, url);
    }
    if (folder === undefined) {
      folder = modelFolder(store.cacheDir, repo, commit, model.files.find((f) => f.name === 'model.onnx')?.path ?? 'model.onnx');
      await notePending().catch((error: unknown) => {
        throw diskError(error, folder as string, store);
      });
    }
    const etag = meta.etag;
    const snapshot = snapshotPath(hub, repo, commit, file.path);
    const expectedSize = file.size ?? meta.size;
    const present = await linkedFileSize(snapshot);
    let downloaded = false;
    let size = present ?? 0;
    let sha256 = file.sha256 ?? meta.sha256;
    if (present === undefined || (expectedSize !== undefined && present !== expectedSize)) {
      const blob = blobPath(hub, repo, etag);
      pending.parts.push(blobPartPath(hub, repo, etag));
      await notePending().catch(() => undefined);
      const result = await downloadFile({
        ...network,
        url: store.fileUrl(repo, commit, file.path),
        dest: blob,
        partPath: blobPartPath(hub, repo, etag),
        lockPath: blobLockPath(hub, repo, etag),
        expectedSha256: sha256,
        expectedSize,
        reuseExisting: true,
        onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, file: file.name, fileIndex, fileCount: model.files.length })),
        onRetry: options.onRetry && ((n) => options.onRetry?.({ ...n, file: file.name })),
      });
      try {
        await linkFile(blob, snapshot);
      } catch (error) {
        throw diskError(error, snapshot, store);
      }
      downloaded = !result.reused;
      size = result.size;
      sha256 = result.sha256;
    }
    saved.push({ name: file.name, path: file.path, size, ...(sha256 === undefined ? {} : { sha256 }), etag, downloaded });
  }
  if (commit === undefined || folder === undefined) throw new TypeError(`${model.id} has no files`);
  const onnxPath = model.files.find((f) => f.name === 'model.onnx')?.path ?? 'model.onnx';
  try {
    await writeRef(hub, repo, revision, commit);
    await writeFolder(folder, store.folderManifest(model.id, repo, revision, commit, onnxPath, saved));
    await fsp.rm(path.join(folder, PENDING), { force: true });
  } catch (error) {
    throw diskError(error, folder, store);
  }
  logger?.info(`${model.id} is ready: ${folder}`);
  return {
    ...model,
    dir: folder,
    cached: true,
    location: 'hub-cache',
    commit,
    modelFile: path.join(folder, 'model.onnx'),
    files: model.files.map((f, i) => ({ ...f, size: saved[i].size, sha256: saved[i].sha256, etag: saved[i].etag })),
  };
}
