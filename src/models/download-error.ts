/**
 * The typed error of everything that fetches model files: the downloader, the
 * Hub metadata look-ups and the proxy tunnel. Its message always says what
 * went wrong and what the user can do next; `url` never carries a token.
 */

/**
 * What went wrong, in words a caller can branch on:
 * - `network`: the server could not be reached or the connection broke (offline,
 *   DNS failure, refused, reset, timed out, TLS failure). A partial file is kept,
 *   so running again resumes.
 * - `http`: the server answered with an error status (`status` says which).
 * - `checksum`: the bytes do not match the expected SHA-256. Nothing is kept.
 * - `size`: the file has a different size than announced. Nothing is kept.
 * - `disk`: the file could not be written (disk full, no permission). Nothing is kept.
 * - `cancelled`: the caller's AbortSignal fired. A partial file is kept.
 * - `proxy`: the proxy could not be reached or refused the request.
 * - `offline`: the model is not on disk and downloads are off (`HF_HUB_OFFLINE`, `cloze.offline`).
 */
export type DownloadErrorCode = 'network' | 'http' | 'checksum' | 'size' | 'disk' | 'cancelled' | 'proxy' | 'offline';

/** A download or Hub look-up that failed. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  /**
   * @param code - What went wrong, see {@link DownloadErrorCode}.
   * @param message - What happened and what to do next.
   * @param url - The URL concerned, with any credentials removed.
   * @param options - `status`: the HTTP status for `http` (and `proxy` when the proxy answered one); `cause`: the underlying error.
   */
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    readonly url: string,
    options?: { status?: number; cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /** How long the server asked to wait before trying again (`Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;

  /** The HTTP status, for `http` errors (and `proxy` errors where the proxy answered). */
  readonly status: number | undefined;
}

/** True when `error` is a {@link DownloadError}, optionally of one of `codes`. */
export function isDownloadError(error: unknown, ...codes: DownloadErrorCode[]): error is DownloadError {
  return error instanceof DownloadError && (codes.length === 0 || codes.includes(error.code));
}

/**
 * `url` as text that is safe to log or show: user name and password removed and
 * any `token`-like query parameters masked. Returns the input unchanged when it
 * does not parse as a URL.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return url.toString();
  }
  if (parsed.username || parsed.password) {
    parsed.username = '';
    parsed.password = '';
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (/token|key|secret|signature|auth/i.test(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.toString();
}
