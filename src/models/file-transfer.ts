/**
 * Fetches one file over HTTP(S), resumable with `Range`, verified with SHA-256
 * against a known hash or the Hub's `X-Linked-Etag`, and moved into place only
 * when it checks out. A transient failure (a broken or refused connection, a
 * timeout, HTTP 5xx, 429) is retried, resuming from the bytes on disk; a
 * permanent one (404, 401/403, a checksum mismatch, a full disk) is not.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { DownloadError, redactUrl } from './download-error';
import { acquireFileLock, type FileLock } from './file-lock';
import { fileSize, hashFile } from './file-hash';
import {
  baseHeaders,
  cancelledError,
  CLI_REMEDIES,
  effectiveEtag,
  fetchFileMetadata,
  type FileMetadata,
  header,
  httpError,
  type HubHeaders,
  isAbort,
  type NetworkOptions,
  networkError,
  parseContentRange,
  parseSize,
  type Remedies,
  requestFollowing,
  SHA256_HEX,
} from './hub-http';
import { type RetryNotice, type RetryOptions, withRetries } from './retry';
import { type Logger, silentLogger } from '../engine';
import { formatBytes } from '../text/format-bytes';


/** A progress report, at most every 100 ms and once at the end. */
export interface DownloadProgress {
  /** Bytes of the file on disk so far, including a resumed part. */
  bytes: number;
  /** The file's size, when the server said. */
  total: number | undefined;
  /** Average speed of this transfer (resumed bytes excluded), bytes per second. */
  bytesPerSecond: number;
  /** Bytes that were already on disk from an earlier attempt. */
  resumedFrom: number;
}

/** What {@link downloadFile} is asked to do. */
export interface DownloadOptions extends NetworkOptions {
  /** The file's URL, e.g. `https://huggingface.co/<repo>/resolve/<revision>/<path>`. */
  url: string;
  /** Where the file goes. Its folder is created. */
  dest: string;
  /**
   * Where the bytes go until they check out; a later call resumes from it.
   * @default dest + '.part'
   */
  partPath?: string;
  /**
   * The lock file that keeps two processes from fetching `dest` at once.
   * @default dest + '.lock'
   */
  lockPath?: string;
  /** The file's SHA-256, 64 hex digits. Without it the Hub's `X-Linked-Etag` is used when it is a SHA-256. */
  expectedSha256?: string;
  /** The file's size in bytes. Without it `X-Linked-Size`, `Content-Range` or `Content-Length` is used. */
  expectedSize?: number;
  /** Cancels the download; the partial file is kept so that a later call resumes. */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * How transient failures (a broken, refused or silent connection, HTTP 5xx,
   * 429) are retried, resuming from the bytes on disk.
   * @default 5 attempts, waits of 1 s doubling up to 30 s
   */
  retry?: RetryOptions;
  /** Called before each retry, for a progress display. */
  onRetry?: (notice: RetryNotice) => void;
  /**
   * When `dest` already exists, check it (against the expected hash and size, or
   * the Hub's metadata from a HEAD request) and keep it if it matches, instead
   * of downloading again.
   * @default false
   */
  reuseExisting?: boolean;
  /**
   * A lock untouched for this long is taken to be abandoned.
   * @default 120000
   */
  lockStaleMs?: number;
  /** Opens the part file; for tests that simulate a full disk. Defaults to `fs.createWriteStream`. */
  createWriteStream?: (file: string, flags: 'w' | 'a') => Writable;
}

/** What {@link downloadFile} produced. */
export interface DownloadResult {
  /** `dest`. */
  path: string;
  size: number;
  /** SHA-256 of the file, hex. */
  sha256: string;
  /** The Hub's ETag for the file (quotes and `W/` removed), if it sent one. */
  etag: string | undefined;
  /** The commit the Hub resolved the revision to (`X-Repo-Commit`), if it said. */
  commit: string | undefined;
  /**
   * What the file was checked against: a hash given by the caller, the Hub's
   * SHA-256 ETag, only its size (non-LFS files, whose ETag is a git SHA-1), or
   * nothing at all (no hash and no size were known).
   */
  verifiedBy: 'expected-sha256' | 'etag-sha256' | 'size' | 'none';
  /** Bytes resumed from an earlier attempt (0 for a fresh download). */
  resumedFrom: number;
  /** True when no transfer happened: the file was already there and checked out, or another process just fetched it. */
  reused: boolean;
}

function diskError(cause: unknown, file: string, needBytes?: number, remedies: Remedies = CLI_REMEDIES): DownloadError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
  const message =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `The disk is full while writing ${file} (${code}). Free some space${needBytes ? ` (this file needs ${formatBytes(needBytes)})` : ''} or set ${remedies.cacheDir} to a folder on another disk, then run again.`
      : `Cannot write ${file} (${code}: ${(cause as Error).message}). Set ${remedies.cacheDir} to a folder you can write to, then run again.`;
  return new DownloadError('disk', message, file, { cause });
}


/** Signals that the part file must be thrown away and the download restarted from byte 0. */
class RestartFromZero extends Error {}

function validateOptions(options: DownloadOptions): URL {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(`Expected \`url\` to be an absolute http(s) URL, got \`${redactUrl(String(options.url))}\``);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Expected \`url\` to be an http(s) URL, got \`${redactUrl(url)}\``);
  }
  if (typeof options.dest !== 'string' || options.dest === '') {
    throw new TypeError(`Expected \`dest\` to be a file path, got \`${String(options.dest)}\``);
  }
  if (options.expectedSha256 !== undefined && !SHA256_HEX.test(options.expectedSha256.toLowerCase())) {
    throw new TypeError(`Expected \`expectedSha256\` to be 64 hex digits, got \`${options.expectedSha256}\``);
  }
  if (options.expectedSize !== undefined && (!Number.isSafeInteger(options.expectedSize) || options.expectedSize < 0)) {
    throw new RangeError(`Expected \`expectedSize\` to be a non-negative integer, got \`${options.expectedSize}\``);
  }
  return url;
}

/**
 * Checks an existing file against an expected hash and size, hashing it only
 * when a hash is known.
 */
async function checkExisting(file: string, sha256: string | undefined, size: number | undefined): Promise<{ ok: boolean; sha256: string; size: number }> {
  const actualSize = (await fileSize(file)) ?? -1;
  if (size !== undefined && actualSize !== size) return { ok: false, sha256: '', size: actualSize };
  const hash = createHash('sha256');
  await hashFile(file, hash);
  const digest = hash.digest('hex');
  return { ok: sha256 === undefined || digest === sha256, sha256: digest, size: actualSize };
}

/**
 * Downloads `url` to `dest`, resuming a partial download, verifying the bytes,
 * and renaming into place only when they check out. Two calls (in this or other
 * processes) for the same `dest` never run at once: the second waits on
 * `dest + '.lock'` and then uses the first one's file.
 *
 * Verification: SHA-256 over the whole file against `expectedSha256`, else the
 * Hub's `X-Linked-Etag`/`ETag` when it is a SHA-256 (LFS files); the size
 * against `expectedSize`, else `X-Linked-Size`/`Content-Range`/`Content-Length`.
 *
 * @throws TypeError / RangeError for malformed options.
 * @throws DownloadError: `network` and `cancelled` keep `dest + '.part'` for a
 * later resume; `checksum`, `size` and `disk` delete it; `http` and `proxy`
 * leave it as it was.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const url = validateOptions(options);
  const logger = options.logger ?? silentLogger;
  const dest = path.resolve(options.dest);
  const expectedSha256 = options.expectedSha256?.toLowerCase();
  const partPath = path.resolve(options.partPath ?? `${dest}.part`);
  const lockPath = path.resolve(options.lockPath ?? `${dest}.lock`);
  try {
    for (const folder of new Set([dest, partPath, lockPath].map((p) => path.dirname(p)))) await fsp.mkdir(folder, { recursive: true });
  } catch (error) {
    throw diskError(error, path.dirname(dest), undefined, options.remedies);
  }

  let lock: FileLock;
  try {
    lock = await acquireFileLock(lockPath, { staleMs: options.lockStaleMs, signal: options.signal, logger });
  } catch (error) {
    if (isAbort(error, options.signal)) throw cancelledError(url, error);
    throw diskError(error, lockPath, undefined, options.remedies);
  }
  try {
    const existingSize = await fileSize(dest);
    if (existingSize !== undefined && (lock.waited || options.reuseExisting)) {
      const reused = await reuseExistingFile(url, dest, expectedSha256, lock.waited, options);
      if (reused !== undefined) return reused;
    }
    return await withRetries(
      (attempt) => {
        if (attempt > 0) logger.info(`Attempt ${attempt + 1} at ${redactUrl(url)}, resuming from the bytes on disk`);
        return downloadLocked(url, dest, partPath, expectedSha256, options, logger);
      },
      {
        ...options.retry,
        signal: options.signal,
        onRetry: (notice) => {
          logger.warn(`${redactUrl(url)}: ${notice.reason}; trying again in ${notice.delayMs} ms (attempt ${notice.attempt} of ${notice.attempts})`);
          options.onRetry?.(notice);
        },
        onCancelled: (reason) => cancelledError(url, reason),
      },
    );
  } finally {
    await lock.release();
  }
}

async function reuseExistingFile(
  url: URL,
  dest: string,
  expectedSha256: string | undefined,
  fetchedByOther: boolean,
  options: DownloadOptions,
): Promise<DownloadResult | undefined> {
  const logger = options.logger ?? silentLogger;
  let sha256 = expectedSha256;
  let size = options.expectedSize;
  let meta: FileMetadata | undefined;
  // Another holder verified what it renamed into place; otherwise ask the Hub
  // what the file should be when the caller does not know.
  if (!fetchedByOther && sha256 === undefined && size === undefined) {
    meta = await fetchFileMetadata(url.toString(), { ...options, signal: options.signal });
    sha256 = meta?.sha256;
    size = meta?.size;
  }
  const check = await checkExisting(dest, sha256, size);
  if (!check.ok) {
    logger.info(`${dest} exists but does not match (${check.size} bytes); downloading it again`);
    return undefined;
  }
  logger.debug(`Using existing ${dest} (${check.size} bytes)`);
  return {
    path: dest,
    size: check.size,
    sha256: check.sha256,
    etag: meta?.etag,
    commit: meta?.commit,
    verifiedBy: expectedSha256 !== undefined ? 'expected-sha256' : sha256 !== undefined ? 'etag-sha256' : size !== undefined ? 'size' : 'none',
    resumedFrom: 0,
    reused: true,
  };
}

async function downloadLocked(
  url: URL,
  dest: string,
  partPath: string,
  expectedSha256: string | undefined,
  options: DownloadOptions,
  logger: Logger,
): Promise<DownloadResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await transfer(url, dest, partPath, expectedSha256, options, logger, attempt > 0);
    } catch (error) {
      if (error instanceof RestartFromZero && attempt === 0) {
        logger.info(`Discarding ${partPath} (${error.message}) and starting over`);
        await fsp.rm(partPath, { force: true });
        continue;
      }
      if (error instanceof RestartFromZero) {
        await fsp.rm(partPath, { force: true });
        throw new DownloadError('http', `The server keeps answering range requests for ${redactUrl(url)} inconsistently (${error.message}). Try again later.`, redactUrl(url));
      }
      throw error;
    }
  }
}

async function transfer(
  url: URL,
  dest: string,
  partPath: string,
  expectedSha256: string | undefined,
  options: DownloadOptions,
  logger: Logger,
  isRetry: boolean,
): Promise<DownloadResult> {
  const where = redactUrl(url);
  const startAt = (await fileSize(partPath)) ?? 0;
  // Hashed before asking: a response left unread while the part is hashed
  // would lose its buffered bytes should the connection break meanwhile.
  const resumedHash = createHash('sha256');
  if (startAt > 0) {
    try {
      await hashFile(partPath, resumedHash, startAt);
    } catch (error) {
      throw diskError(error, partPath, undefined, options.remedies);
    }
  }
  const headers = baseHeaders(options);
  if (startAt > 0) headers.range = `bytes=${startAt}-`;
  logger.info(`GET ${where}${startAt > 0 ? ` (resuming at ${startAt} bytes)` : ''}`);

  const { res, url: finalUrl, hub, proxy, timedOut } = await requestFollowing(url, 'GET', headers, { ...options, crossOrigin: true });
  const status = res.statusCode ?? 0;
  const etag = effectiveEtag(hub);
  const etagSha = etag !== undefined && SHA256_HEX.test(etag.toLowerCase()) ? etag.toLowerCase() : undefined;

  if (status === 416 && startAt > 0) {
    res.resume();
    const total = options.expectedSize ?? hub.linkedSize ?? parseContentRange(header(res, 'content-range'))?.total;
    if (total === startAt) {
      // The part is already complete: an earlier run stopped between the last byte and the rename.
      return finish(url, dest, partPath, startAt, undefined, { expectedSha256, etagSha, etag, total, hub, resumedFrom: startAt, isRetry, remedies: options.remedies ?? CLI_REMEDIES }, logger);
    }
    throw new RestartFromZero(`range not satisfiable at ${startAt} bytes`);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw httpError(status, finalUrl, hub, Boolean(options.token), options.remedies, header(res, 'retry-after'));
  }

  let offset = 0;
  let total: number | undefined;
  if (status === 206) {
    const range = parseContentRange(header(res, 'content-range'));
    if (range?.start !== startAt) {
      res.destroy();
      throw new RestartFromZero(`asked for bytes from ${startAt}, got \`${header(res, 'content-range') ?? 'no Content-Range'}\``);
    }
    offset = startAt;
    total = range.total;
  } else if (startAt > 0) {
    logger.info(`The server sent the whole file instead of a range; starting ${dest} over`);
  }
  const contentLength = parseSize(header(res, 'content-length'));
  total = options.expectedSize ?? hub.linkedSize ?? total ?? (contentLength === undefined ? undefined : offset + contentLength);

  const hash = offset > 0 ? resumedHash : createHash('sha256');

  const openPart = options.createWriteStream ?? ((file: string, flags: 'w' | 'a') => fs.createWriteStream(file, { flags }));
  let received = 0;
  let lastReport = 0;
  const started = Date.now();
  const report = (force: boolean): void => {
    if (options.onProgress === undefined) return;
    const now = Date.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    options.onProgress({ bytes: offset + received, total, bytesPerSecond: received / seconds, resumedFrom: offset });
  };
  const onChunk = (chunk: Buffer): void => {
    if (total !== undefined && offset + received + chunk.length > total) {
      throw new DownloadError('size', `${where} sent more than the announced ${total} bytes. The partial file was deleted; try again later.`, where);
    }
    hash.update(chunk);
    received += chunk.length;
    report(false);
  };

  let outcome: BodyOutcome;
  try {
    outcome = await writeBody(res, openPart(partPath, offset > 0 ? 'a' : 'w'), onChunk);
  } catch (error) {
    outcome = { writeError: error };
  }
  const { readError, writeError } = outcome;
  if (writeError !== undefined) {
    await fsp.rm(partPath, { force: true }).catch(() => undefined);
    throw diskError(writeError, partPath, total, options.remedies);
  }
  if (readError !== undefined) {
    if (isAbort(readError, options.signal) || options.signal?.aborted) throw cancelledError(url, readError);
    if (readError instanceof DownloadError) {
      if (readError.code === 'size' || readError.code === 'checksum') await fsp.rm(partPath, { force: true });
      throw readError;
    }
    const cause = timedOut() ? Object.assign(readError as Error, { code: 'ETIMEDOUT' }) : readError;
    throw networkError(cause, finalUrl, proxy, offset + received, options.remedies);
  }
  report(true);
  return finish(url, dest, partPath, offset + received, hash, { expectedSha256, etagSha, etag, total, hub, resumedFrom: offset, isRetry, remedies: options.remedies ?? CLI_REMEDIES }, logger);
}

/** How writing a response body to disk ended: a failure on either side, or neither. */
interface BodyOutcome {
  readError?: unknown;
  writeError?: unknown;
}

function waitForClose(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed || stream.destroyed) resolve();
    else stream.once('close', () => resolve());
  });
}

/**
 * Copies `res` into `out`, calling `onChunk` on every chunk before it is
 * written. Unlike `pipeline`, a broken connection or a cancellation does not
 * destroy `out`: what was received is flushed to disk first, so that the
 * next attempt resumes after it. Never rejects; it reports which side failed.
 */
async function writeBody(res: http.IncomingMessage, out: Writable, onChunk: (chunk: Buffer) => void): Promise<BodyOutcome> {
  let writeError: unknown;
  let readError: unknown;
  out.on('error', (error) => {
    writeError ??= error;
  });
  try {
    for await (const chunk of res) {
      onChunk(chunk as Buffer);
      if (writeError !== undefined) break;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    // `once` rejects with the stream's own error when writing fails.
    if (writeError === undefined) readError = error;
  }
  if (readError !== undefined || writeError !== undefined) res.destroy();
  if (!out.destroyed && !out.writableEnded) out.end();
  await waitForClose(out);
  return writeError !== undefined ? { writeError } : readError !== undefined ? { readError } : {};
}

interface FinishContext {
  expectedSha256: string | undefined;
  etagSha: string | undefined;
  etag: string | undefined;
  total: number | undefined;
  hub: HubHeaders;
  resumedFrom: number;
  isRetry: boolean;
  remedies: Remedies;
}

async function finish(
  url: URL,
  dest: string,
  partPath: string,
  size: number,
  hash: Hash | undefined,
  context: FinishContext,
  logger: Logger,
): Promise<DownloadResult> {
  const where = redactUrl(url);
  if (context.total !== undefined && size !== context.total) {
    if (size < context.total) {
      // Kept: the next run resumes from here.
      throw new DownloadError('network', `The download of ${where} ended early (${size} of ${context.total} bytes). ${context.remedies.again}: it resumes where it stopped.`, where);
    }
    await fsp.rm(partPath, { force: true });
    throw new DownloadError('size', `${where} has ${size} bytes, expected ${context.total}. The partial file was deleted; try again later, and report the model if it keeps happening.`, where);
  }
  let digest: string;
  if (hash === undefined) {
    const fresh = createHash('sha256');
    await hashFile(partPath, fresh);
    digest = fresh.digest('hex');
  } else {
    digest = hash.digest('hex');
  }
  const expected = context.expectedSha256 ?? context.etagSha;
  if (expected !== undefined && digest !== expected) {
    if (context.resumedFrom > 0 && !context.isRetry) {
      // The earlier part may belong to another version of the file: try once from zero.
      throw new RestartFromZero('the resumed file did not match its checksum');
    }
    await fsp.rm(partPath, { force: true });
    throw new DownloadError(
      'checksum',
      `${where} failed its checksum: SHA-256 ${digest}, expected ${expected}${context.expectedSha256 === undefined ? ' (from the Hub)' : ' (from the catalogue)'}. The file was deleted. Try again; if it keeps failing, the download is being altered on the way (a proxy?) or the catalogue is out of date.`,
      where,
    );
  }
  try {
    await fsp.rename(partPath, dest);
  } catch (error) {
    throw diskError(error, dest);
  }
  const verifiedBy = context.expectedSha256 !== undefined ? 'expected-sha256' : context.etagSha !== undefined ? 'etag-sha256' : context.total !== undefined ? 'size' : 'none';
  if (verifiedBy === 'none') logger.warn(`${where}: neither a checksum nor a size was known; the file is unverified`);
  logger.info(`Saved ${dest} (${size} bytes, verified by ${verifiedBy})`);
  return {
    path: dest,
    size,
    sha256: digest,
    etag: context.etag,
    commit: context.hub.commit,
    verifiedBy,
    resumedFrom: context.resumedFrom,
    reused: false,
  };
}
