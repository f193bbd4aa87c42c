/**
 * Fetches one file over HTTP(S), the way the Hugging Face Hub serves them:
 * redirects to a CDN, resumable with `Range`, verified with SHA-256 against a
 * known hash or the Hub's `X-Linked-Etag`, and moved into place only when it
 * checks out. Uses Node's `http`/`https` modules so that, inside VS Code, the
 * editor's proxy support applies; the command line can ask for its own proxy
 * handling instead (`proxy: 'env'`).
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { DownloadError, redactUrl } from './download-error';
import { acquireFileLock, type FileLock } from './file-lock';
import {
  ConnectProxyAgent,
  type Environment,
  matchesNoProxy,
  parseProxyUrl,
  proxyAuthorization,
  proxyForUrl,
} from './proxy-agent';
import type { Logger } from '../engine/types';
import { silentLogger } from '../engine/types';

/** How requests reach the network, and as whom. */
export interface NetworkOptions {
  /**
   * A Hugging Face access token, sent as `Authorization: Bearer` to the Hub's
   * own host only (dropped when a redirect leads elsewhere). Never logged.
   */
  token?: string;
  /**
   * `'env'`: use `https_proxy`/`http_proxy`/`all_proxy`/`no_proxy` (either case)
   * from `env`, tunnelling HTTPS with CONNECT. A URL: use that proxy for every
   * request that `no_proxy` does not exclude. Undefined: connect directly, which
   * inside VS Code means through the editor's own proxy support.
   */
  proxy?: 'env' | string;
  /**
   * Where proxy variables are read from.
   * @default process.env
   */
  env?: Environment;
  /** Agents to use when no proxy applies (e.g. with custom TLS settings). */
  agents?: { http?: http.Agent; https?: https.Agent };
  /** Extra trusted certificate authorities for HTTPS, PEM. Node's own list is used otherwise. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Milliseconds a connection may stay silent before it is given up.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * The `User-Agent` header.
   * @default 'cloze'
   */
  userAgent?: string;
  /** Where diagnostics go. URLs are logged without credentials; tokens never. */
  logger?: Logger;
}

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
  /** Where the file goes. Its folder is created. Work happens in `dest + '.part'`. */
  dest: string;
  /** The file's SHA-256, 64 hex digits. Without it the Hub's `X-Linked-Etag` is used when it is a SHA-256. */
  expectedSha256?: string;
  /** The file's size in bytes. Without it `X-Linked-Size`, `Content-Range` or `Content-Length` is used. */
  expectedSize?: number;
  /** Cancels the download; the partial file is kept so that a later call resumes. */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * When `dest` already exists, check it (against the expected hash and size, or
   * the Hub's metadata from a HEAD request) and keep it if it matches, instead
   * of downloading again.
   * @default false
   */
  reuseExisting?: boolean;
  /**
   * A lock (`dest + '.lock'`) untouched for this long is taken to be abandoned.
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

/** What the Hub says about a file, from a HEAD request or the headers of a download. */
export interface FileMetadata {
  /** The URL asked for, without credentials. */
  url: string;
  /** `X-Linked-Etag`, else `ETag`, without quotes or `W/`. */
  etag: string | undefined;
  /** The etag when it is a SHA-256 (an LFS file), lower case. */
  sha256: string | undefined;
  /** `X-Linked-Size`, else `Content-Length`. */
  size: number | undefined;
  /** `X-Repo-Commit`: the commit the revision resolved to. */
  commit: string | undefined;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const OFFLINE_HINT =
  'Check your internet connection and run the command again. To work offline, point Cloze at a model folder you already have (--model /path/to/folder); to use a mirror, set HF_ENDPOINT.';

/** Removes quotes and a weak-validator `W/` prefix from an ETag. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//i, '').replace(/^"|"$/g, '');
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text);
}

/** Parses a Content-Range: `bytes START-END/TOTAL`, with `*` for an unknown total, or `*` for the range. */
function parseContentRange(text: string | undefined): { start?: number; total?: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(text.trim());
  if (!match) return undefined;
  return {
    start: match[1] === undefined ? undefined : Number(match[1]),
    total: match[3] === '*' ? undefined : Number(match[3]),
  };
}

function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Metadata gathered from the Hub's responses along a redirect chain. */
interface HubHeaders {
  linkedEtag?: string;
  etag?: string;
  linkedSize?: number;
  commit?: string;
  errorCode?: string;
  errorMessage?: string;
}

function collectHubHeaders(into: HubHeaders, res: http.IncomingMessage): void {
  const linkedEtag = header(res, 'x-linked-etag');
  if (linkedEtag !== undefined) into.linkedEtag = normalizeEtag(linkedEtag);
  const etag = header(res, 'etag');
  if (etag !== undefined) into.etag = normalizeEtag(etag);
  const linkedSize = parseSize(header(res, 'x-linked-size'));
  if (linkedSize !== undefined) into.linkedSize = linkedSize;
  const commit = header(res, 'x-repo-commit');
  if (commit !== undefined) into.commit = commit;
  into.errorCode = header(res, 'x-error-code') ?? into.errorCode;
  into.errorMessage = header(res, 'x-error-message') ?? into.errorMessage;
}

function effectiveEtag(hub: HubHeaders): string | undefined {
  return hub.linkedEtag ?? hub.etag;
}

/**
 * Whether a redirect from `from` to `to` may keep the `Authorization` header:
 * only to the same host, port and scheme, or from http to https on the default
 * ports (the rule of Python's `requests`, which `huggingface_hub` relies on).
 */
export function keepsAuthorization(from: URL, to: URL): boolean {
  if (from.hostname !== to.hostname) return false;
  if (from.protocol === 'http:' && to.protocol === 'https:' && from.port === '' && to.port === '') return true;
  return from.protocol === to.protocol && from.port === to.port;
}

function proxyFor(url: URL, options: NetworkOptions): URL | undefined {
  if (options.proxy === undefined) return undefined;
  const env = options.env ?? process.env;
  if (options.proxy === 'env') return proxyForUrl(url, env);
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  if (noProxy !== undefined && matchesNoProxy(url, noProxy)) return undefined;
  return parseProxyUrl(options.proxy);
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

function cancelledError(url: URL, cause?: unknown): DownloadError {
  return new DownloadError('cancelled', `Download of ${redactUrl(url)} cancelled. Run it again to resume.`, redactUrl(url), { cause });
}

/**
 * Turns a socket-level failure into a {@link DownloadError} whose message says
 * what to do. `proxy` is the proxy the request went through, if any.
 */
export function networkError(cause: unknown, url: URL, proxy?: URL, bytesSoFar = 0): DownloadError {
  if (cause instanceof DownloadError) return cause;
  const error = cause as NodeJS.ErrnoException;
  const code = error.code ?? (error.message === 'aborted' ? 'ECONNRESET' : undefined);
  const where = redactUrl(url);
  if (proxy !== undefined && (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH')) {
    const proxyName = redactUrl(proxy);
    return new DownloadError('proxy', `Cannot reach the proxy ${proxyName} (${code}). Check HTTPS_PROXY / HTTP_PROXY, or unset them to connect directly.`, proxyName, { cause });
  }
  let message: string;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `Cannot resolve ${url.hostname} (${code}): you seem to be offline, or DNS is not working. ${OFFLINE_HINT}`;
      break;
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      message = `Cannot connect to ${url.host} (${code}). ${OFFLINE_HINT}`;
      break;
    case 'ETIMEDOUT':
      message = `${url.host} stopped answering (timed out${bytesSoFar > 0 ? ` after ${formatMb(bytesSoFar)}` : ''}). Run the same command again: the download resumes where it stopped. ${OFFLINE_HINT}`;
      break;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      message = `The connection to ${url.host} broke${bytesSoFar > 0 ? ` after ${formatMb(bytesSoFar)}` : ''} (${code}). Run the same command again: the download resumes where it stopped.`;
      break;
    default:
      if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL/.test(code)) {
        message = `The TLS certificate of ${url.host} could not be verified (${code}). If a company proxy inspects HTTPS traffic, give Node its certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`;
      } else {
        message = `Network error while fetching ${where}: ${error.message ?? String(cause)}. ${OFFLINE_HINT}`;
      }
  }
  return new DownloadError('network', message, where, { cause });
}

/** Turns an HTTP error status into a {@link DownloadError} whose message says what to do. */
function httpError(status: number, url: URL, hub: HubHeaders, hasToken: boolean): DownloadError {
  const where = redactUrl(url);
  const hubSays = hub.errorMessage ? ` The server says: "${hub.errorMessage}".` : '';
  let message: string;
  if (status === 401) {
    message = hasToken
      ? `The Hub rejected the access token for ${where} (HTTP 401).${hubSays} Check that HF_TOKEN holds a valid token with read access to this repository.`
      : `The Hub answered HTTP 401 for ${where}: the repository does not exist, or it is private or gated.${hubSays} Check the model id; for a private or gated model set HF_TOKEN to an access token with read access.`;
  } else if (status === 403) {
    message = `Access to ${where} was denied (HTTP 403).${hubSays} If the model is gated, accept its conditions on its Hub page and set HF_TOKEN to a token of that account.`;
  } else if (status === 404) {
    const what =
      hub.errorCode === 'RepoNotFound' ? 'repository' : hub.errorCode === 'RevisionNotFound' ? 'revision' : 'file';
    message = `Not found (HTTP 404): ${where}.${hubSays} The ${what} does not exist on ${url.host}: check the model id and the revision (owner/name@revision).`;
  } else if (status === 407) {
    return new DownloadError('proxy', `The proxy wants credentials (HTTP 407) for ${where}. Put them in the proxy URL: http://user:password@host:port.`, where, { status });
  } else if (status === 429) {
    message = `Too many requests (HTTP 429) for ${where}. Wait a few minutes and try again; requests with a token (HF_TOKEN) get a higher limit.`;
  } else if (status >= 500) {
    message = `The server failed (HTTP ${status}) for ${where}. This is usually temporary: try again in a few minutes, or set HF_ENDPOINT to a mirror.`;
  } else {
    message = `Unexpected answer HTTP ${status} for ${where}.${hubSays}`;
  }
  return new DownloadError('http', message, where, { status });
}

function diskError(cause: unknown, file: string, needBytes?: number): DownloadError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
  const message =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `The disk is full while writing ${file} (${code}). Free some space${needBytes ? ` (this file needs ${formatMb(needBytes)})` : ''} or set CLOZE_CACHE_DIR to a folder on another disk, then run again.`
      : `Cannot write ${file} (${code}: ${(cause as Error).message}). Set CLOZE_CACHE_DIR to a folder you can write to, then run again.`;
  return new DownloadError('disk', message, file, { cause });
}

interface SentRequest {
  res: http.IncomingMessage;
  proxy: URL | undefined;
  timedOut: () => boolean;
}

/** One HTTP request, no redirects followed. */
function sendRequest(
  url: URL,
  method: 'GET' | 'HEAD',
  headers: http.OutgoingHttpHeaders,
  options: NetworkOptions,
  signal: AbortSignal | undefined,
): Promise<SentRequest> {
  const proxy = proxyFor(url, options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise<SentRequest>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError(url, signal.reason));
      return;
    }
    const isHttps = url.protocol === 'https:';
    let req: http.ClientRequest;
    if (proxy !== undefined && !isHttps) {
      // Plain http through a proxy: ask the proxy for the absolute URI.
      const proxyHeaders: http.OutgoingHttpHeaders = { ...headers, host: url.host };
      const auth = proxyAuthorization(proxy);
      if (auth !== undefined) proxyHeaders['proxy-authorization'] = auth;
      const request = proxy.protocol === 'https:' ? https.request : http.request;
      req = request({
        hostname: proxy.hostname.replace(/^\[|\]$/g, ''),
        port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
        method,
        path: url.href,
        headers: proxyHeaders,
        agent: false,
        ca: options.ca,
      });
    } else {
      const agent =
        proxy !== undefined
          ? new ConnectProxyAgent(proxy, { ca: options.ca, connectTimeoutMs: timeoutMs })
          : isHttps
            ? options.agents?.https
            : options.agents?.http;
      const request = isHttps ? https.request : http.request;
      req = request({
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent,
        ca: options.ca,
      });
    }
    let timedOut = false;
    const onAbort = (): void => {
      req.destroy(cancelledError(url, signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.setTimeout(timeoutMs, () => {
      timedOut = true;
      req.destroy(Object.assign(new Error(`No data for ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    req.once('response', (res) => {
      res.once('close', () => signal?.removeEventListener('abort', onAbort));
      resolve({ res, proxy, timedOut: () => timedOut });
    });
    req.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      if (isAbort(error, signal)) reject(cancelledError(url, signal?.reason ?? error));
      else reject(networkError(timedOut ? Object.assign(error, { code: 'ETIMEDOUT' }) : error, url, proxy));
    });
    req.end();
  });
}

interface FollowedResponse {
  res: http.IncomingMessage;
  /** The URL that gave `res`. */
  url: URL;
  hub: HubHeaders;
  proxy: URL | undefined;
  timedOut: () => boolean;
}

/**
 * Sends a request and follows redirects (relative ones too), at most 10,
 * dropping `Authorization` when a redirect leaves the original origin.
 * Headers of responses from the original origin (the Hub) are collected in
 * `hub`; a CDN's headers are not. With `crossOrigin: false` a redirect to
 * another origin is returned as is (a HEAD only wants the Hub's headers).
 */
async function requestFollowing(
  start: URL,
  method: 'GET' | 'HEAD',
  headers: http.OutgoingHttpHeaders,
  options: NetworkOptions & { signal?: AbortSignal; crossOrigin: boolean },
): Promise<FollowedResponse> {
  const logger = options.logger ?? silentLogger;
  const hub: HubHeaders = {};
  let url = start;
  let current = { ...headers };
  for (let hops = 0; ; hops++) {
    const sent = await sendRequest(url, method, current, options, options.signal);
    const { res } = sent;
    if (url.origin === start.origin) collectHubHeaders(hub, res);
    const status = res.statusCode ?? 0;
    const location = header(res, 'location');
    if (!REDIRECT_STATUSES.has(status) || location === undefined) return { ...sent, url, hub };
    let next: URL;
    try {
      next = new URL(location, url);
    } catch (cause) {
      res.resume();
      throw new DownloadError('http', `${redactUrl(url)} redirected to an invalid address. Try again later.`, redactUrl(url), { status, cause });
    }
    if (!options.crossOrigin && next.origin !== url.origin) return { ...sent, url, hub };
    res.resume();
    if (hops >= MAX_REDIRECTS) {
      throw new DownloadError('http', `Too many redirects (more than ${MAX_REDIRECTS}) starting from ${redactUrl(start)}. Try again later, or set HF_ENDPOINT to a mirror.`, redactUrl(start), { status });
    }
    if (current.authorization !== undefined && !keepsAuthorization(url, next)) {
      // The CDN must not see the Hub token.
      current = { ...current };
      delete current.authorization;
    }
    logger.debug(`${status} redirect ${redactUrl(url)} -> ${redactUrl(next)}`);
    url = next;
  }
}

function baseHeaders(options: NetworkOptions): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {
    'user-agent': options.userAgent ?? 'cloze',
    // Sizes and ranges refer to the stored bytes, not a compressed form.
    'accept-encoding': 'identity',
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return headers;
}

/**
 * Asks the Hub about a file with a HEAD request, without downloading it.
 * Follows redirects within the Hub (a renamed repository) but reads the
 * metadata from the Hub's answer, not from the CDN it points to.
 * @returns undefined when the file does not exist (404 for the file); the metadata otherwise.
 * @throws DownloadError for any other failure, including a missing repository or revision.
 */
export async function fetchFileMetadata(
  url: string,
  options: NetworkOptions & { signal?: AbortSignal } = {},
): Promise<FileMetadata | undefined> {
  const start = new URL(url);
  const { res, url: last, hub } = await requestFollowing(start, 'HEAD', baseHeaders(options), { ...options, crossOrigin: false });
  res.resume();
  const status = res.statusCode ?? 0;
  if (status === 404 && hub.errorCode !== 'RepoNotFound' && hub.errorCode !== 'RevisionNotFound') return undefined;
  if (status >= 400) throw httpError(status, last, hub, Boolean(options.token));
  const etag = effectiveEtag(hub);
  const lowerEtag = etag?.toLowerCase();
  return {
    url: redactUrl(start),
    etag,
    sha256: lowerEtag !== undefined && SHA256_HEX.test(lowerEtag) ? lowerEtag : undefined,
    size: hub.linkedSize ?? parseSize(header(res, 'content-length')),
    commit: hub.commit,
  };
}

async function hashFile(file: string, hash: Hash, length?: number): Promise<number> {
  if (length === 0) return 0;
  let bytes = 0;
  const stream = fs.createReadStream(file, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    const stat = await fsp.stat(file);
    return stat.isFile() ? stat.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
  try {
    await fsp.mkdir(path.dirname(dest), { recursive: true });
  } catch (error) {
    throw diskError(error, path.dirname(dest));
  }

  let lock: FileLock;
  try {
    lock = await acquireFileLock(`${dest}.lock`, { staleMs: options.lockStaleMs, signal: options.signal, logger });
  } catch (error) {
    if (isAbort(error, options.signal)) throw cancelledError(url, error);
    throw diskError(error, `${dest}.lock`);
  }
  try {
    const existingSize = await fileSize(dest);
    if (existingSize !== undefined && (lock.waited || options.reuseExisting)) {
      const reused = await reuseExistingFile(url, dest, expectedSha256, lock.waited, options);
      if (reused !== undefined) return reused;
    }
    return await downloadLocked(url, dest, expectedSha256, options, logger);
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
  expectedSha256: string | undefined,
  options: DownloadOptions,
  logger: Logger,
): Promise<DownloadResult> {
  const partPath = `${dest}.part`;
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
      return finish(url, dest, partPath, startAt, undefined, { expectedSha256, etagSha, etag, total, hub, resumedFrom: startAt, isRetry }, logger);
    }
    throw new RestartFromZero(`range not satisfiable at ${startAt} bytes`);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw httpError(status, finalUrl, hub, Boolean(options.token));
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

  const hash = createHash('sha256');
  if (offset > 0) {
    try {
      await hashFile(partPath, hash, offset);
    } catch (error) {
      res.destroy();
      throw diskError(error, partPath);
    }
  }

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
    throw diskError(writeError, partPath, total);
  }
  if (readError !== undefined) {
    if (isAbort(readError, options.signal) || options.signal?.aborted) throw cancelledError(url, readError);
    if (readError instanceof DownloadError) {
      if (readError.code === 'size' || readError.code === 'checksum') await fsp.rm(partPath, { force: true });
      throw readError;
    }
    const cause = timedOut() ? Object.assign(readError as Error, { code: 'ETIMEDOUT' }) : readError;
    throw networkError(cause, finalUrl, proxy, offset + received);
  }
  report(true);
  return finish(url, dest, partPath, offset + received, hash, { expectedSha256, etagSha, etag, total, hub, resumedFrom: offset, isRetry }, logger);
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
      throw new DownloadError('network', `The download of ${where} ended early (${size} of ${context.total} bytes). Run the same command again: it resumes where it stopped.`, where);
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
