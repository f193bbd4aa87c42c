/**
 * The Hugging Face Hub over HTTP(S): one request with a proxy, a timeout and
 * cancellation; redirects followed (the token kept to the Hub's own origin);
 * the Hub's headers read (`X-Linked-Etag`, `X-Repo-Commit`, ...); and every
 * failure turned into a {@link DownloadError} whose message says what to do.
 * Uses Node's `http`/`https` modules so that, inside VS Code, the editor's
 * proxy support applies; the command line can ask for its own proxy handling
 * instead (`proxy: 'env'`).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { DownloadError, redactUrl } from './download-error';
import {
  ConnectProxyAgent,
  type Environment,
  matchesNoProxy,
  parseProxyUrl,
  proxyAuthorization,
  proxyForUrl,
} from './proxy-agent';
import { type Logger, silentLogger } from '../engine';
import { formatBytes } from '../text/format-bytes';

/**
 * How messages name the user's remedies. The defaults are the command line's
 * words; the editor passes its settings and commands instead, so that a
 * message shown in the editor never names a command-line flag.
 */
export interface Remedies {
  /** Using a model folder already on disk. @default '--model /path/to/folder' */
  localModel: string;
  /** Where an access token comes from. @default 'HF_TOKEN (or `hf auth login`)' */
  token: string;
  /** Where a mirror is set. @default 'HF_ENDPOINT' */
  endpoint: string;
  /** Where the cache folder is set. @default 'CLOZE_CACHE_DIR' */
  cacheDir: string;
  /** How to start the download again. @default 'Run the same command again' */
  again: string;
  /** How to download a model. @default '`cloze download MODEL`' */
  download: string;
  /** How to turn offline mode off. @default 'unset HF_HUB_OFFLINE' */
  offline: string;
}

/** The command line's wording, see {@link Remedies}. */
export const CLI_REMEDIES: Remedies = {
  localModel: '--model /path/to/folder',
  token: 'HF_TOKEN (or `hf auth login`)',
  endpoint: 'HF_ENDPOINT',
  cacheDir: 'CLOZE_CACHE_DIR',
  again: 'Run the same command again',
  download: '`cloze download MODEL`',
  offline: 'unset HF_HUB_OFFLINE',
};

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
  /** How messages name remedies. @default {@link CLI_REMEDIES} */
  remedies?: Remedies;
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
/** 64 lower-case hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

function offlineHint(r: Remedies): string {
  return `To work offline, point Cloze at a model folder you already have (${r.localModel}); to use a mirror, set ${r.endpoint}.`;
}


/** Removes quotes and a weak-validator `W/` prefix from an ETag. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//i, '').replace(/^"|"$/g, '');
}

export function header(res: http.IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

export function parseSize(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text);
}

/** Parses a Content-Range: `bytes START-END/TOTAL`, with `*` for an unknown total, or `*` for the range. */
export function parseContentRange(text: string | undefined): { start?: number; total?: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(text.trim());
  if (!match) return undefined;
  return {
    start: match[1] === undefined ? undefined : Number(match[1]),
    total: match[3] === '*' ? undefined : Number(match[3]),
  };
}

/** Metadata gathered from the Hub's responses along a redirect chain. */
export interface HubHeaders {
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

export function effectiveEtag(hub: HubHeaders): string | undefined {
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

export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

export function cancelledError(url: URL, cause?: unknown): DownloadError {
  return new DownloadError('cancelled', `Download of ${redactUrl(url)} cancelled. Run it again to resume.`, redactUrl(url), { cause });
}

/**
 * Turns a socket-level failure into a {@link DownloadError} whose message says
 * what to do. `proxy` is the proxy the request went through, if any.
 */
export function networkError(cause: unknown, url: URL, proxy?: URL, bytesSoFar = 0, remedies: Remedies = CLI_REMEDIES): DownloadError {
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
      message = `Cannot resolve ${url.hostname} (${code}): you seem to be offline, or DNS is not working. ${offlineHint(remedies)}`;
      break;
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      message = `Cannot connect to ${url.host} (${code}). ${offlineHint(remedies)}`;
      break;
    case 'ETIMEDOUT':
      message = `${url.host} stopped answering (timed out${bytesSoFar > 0 ? ` after ${formatBytes(bytesSoFar)}` : ''}). ${remedies.again}: the download resumes where it stopped. ${offlineHint(remedies)}`;
      break;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      message = `The connection to ${url.host} broke${bytesSoFar > 0 ? ` after ${formatBytes(bytesSoFar)}` : ''} (${code}). ${remedies.again}: the download resumes where it stopped.`;
      break;
    default:
      if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL/.test(code)) {
        message = `The TLS certificate of ${url.host} could not be verified (${code}). If a company proxy inspects HTTPS traffic, give Node its certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`;
      } else {
        message = `Network error while fetching ${where}: ${error.message ?? String(cause)}. ${offlineHint(remedies)}`;
      }
  }
  return new DownloadError('network', message, where, { cause });
}

/**
 * Milliseconds to wait from a `Retry-After` header: seconds, or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(text: string | undefined, now: number = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Turns an HTTP error status into a {@link DownloadError} whose message says what to do. */
export function httpError(status: number, url: URL, hub: HubHeaders, hasToken: boolean, remedies: Remedies = CLI_REMEDIES, retryAfter?: string): DownloadError {
  const where = redactUrl(url);
  const hubSays = hub.errorMessage ? ` The server says: "${hub.errorMessage}".` : '';
  let message: string;
  if (status === 401) {
    message = hasToken
      ? `The Hub rejected the access token for ${where} (HTTP 401).${hubSays} Check that the token from ${remedies.token} is valid and has read access to this repository.`
      : `The Hub answered HTTP 401 for ${where}: the repository does not exist, or it is private or gated.${hubSays} Check the model id; for a private or gated model give an access token with read access: ${remedies.token}.`;
  } else if (status === 403) {
    message = `Access to ${where} was denied (HTTP 403).${hubSays} If the model is gated, accept its conditions on its Hub page and use a token of that account: ${remedies.token}.`;
  } else if (status === 404) {
    const what =
      hub.errorCode === 'RepoNotFound' ? 'repository' : hub.errorCode === 'RevisionNotFound' ? 'revision' : 'file';
    message = `Not found (HTTP 404): ${where}.${hubSays} The ${what} does not exist on ${url.host}: check the model id and the revision (owner/name@revision).`;
  } else if (status === 407) {
    return new DownloadError('proxy', `The proxy wants credentials (HTTP 407) for ${where}. Put them in the proxy URL: http://user:password@host:port.`, where, { status });
  } else if (status === 429) {
    message = `Too many requests (HTTP 429) for ${where}. Wait a few minutes and try again; requests with a token (${remedies.token}) get a higher limit.`;
  } else if (status >= 500) {
    message = `The server failed (HTTP ${status}) for ${where}. This is usually temporary: try again in a few minutes, or set ${remedies.endpoint} to a mirror.`;
  } else {
    message = `Unexpected answer HTTP ${status} for ${where}.${hubSays}`;
  }
  return new DownloadError('http', message, where, { status, retryAfterMs: parseRetryAfter(retryAfter) });
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
      else reject(networkError(timedOut ? Object.assign(error, { code: 'ETIMEDOUT' }) : error, url, proxy, 0, options.remedies));
    });
    req.end();
  });
}

export interface FollowedResponse {
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
export async function requestFollowing(
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
      throw new DownloadError('http', `Too many redirects (more than ${MAX_REDIRECTS}) starting from ${redactUrl(start)}. Try again later, or set ${options.remedies?.endpoint ?? CLI_REMEDIES.endpoint} to a mirror.`, redactUrl(start), { status });
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

export function baseHeaders(options: NetworkOptions): http.OutgoingHttpHeaders {
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
  if (status >= 400) throw httpError(status, last, hub, Boolean(options.token), options.remedies, header(res, 'retry-after'));
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
