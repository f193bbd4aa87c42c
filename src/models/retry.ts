/**
 * Which download failures heal by themselves, and trying again after them: a
 * bounded number of attempts with a doubling wait, as `huggingface_hub` and
 * browsers do. A broken, refused or silent connection, HTTP 5xx and 429 are
 * transient; a missing file, a refused token, a bad checksum, a full disk, an
 * unknown host (offline) and a cancellation are not.
 */
import { DownloadError } from './download-error';

/** How transient failures are retried. */
export interface RetryOptions {
  /**
   * Attempts in all, the first included, an integer from 1 to 20.
   * @default 5
   */
  attempts?: number;
  /**
   * The wait before the first retry, in ms; it doubles for each later one.
   * @default 1000
   */
  baseDelayMs?: number;
  /**
   * The longest wait between attempts, in ms. A `Retry-After` longer than
   * this is not waited for: the failure is reported instead.
   * @default 30000
   */
  maxDelayMs?: number;
}

/** Said before each retry, so that a progress display can show it. */
export interface RetryNotice {
  /** The attempt about to start, from 2. */
  attempt: number;
  /** Attempts in all. */
  attempts: number;
  /** The wait before it, in ms. */
  delayMs: number;
  /** What failed, in a few words: `the connection broke`, `HTTP 503`. */
  reason: string;
}

/** DNS failures mean "offline" and TLS failures a certificate problem: waiting does not help. */
const PERMANENT_NETWORK_CODES = /^(ENOTFOUND|EAI_AGAIN)$|CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL/;

function causeCode(error: DownloadError): string | undefined {
  return (error.cause as NodeJS.ErrnoException | undefined)?.code;
}

/** True when trying again later may succeed. */
export function isTransient(error: unknown): error is DownloadError {
  if (!(error instanceof DownloadError)) return false;
  if (error.code === 'network') {
    const code = causeCode(error);
    return code === undefined || !PERMANENT_NETWORK_CODES.test(code);
  }
  if (error.code === 'http') return error.status === 429 || (error.status !== undefined && error.status >= 500);
  return false;
}

/** A few words for a progress display: what failed. */
export function transientReason(error: DownloadError): string {
  if (error.code === 'http') return `HTTP ${error.status ?? '?'}`;
  switch (causeCode(error)) {
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ETIMEDOUT':
      return 'the server stopped answering';
    case undefined:
      return /ended early/.test(error.message) ? 'the connection broke' : 'a network error';
    default:
      return 'the connection broke';
  }
}

function checkedOptions(options: RetryOptions): Required<RetryOptions> {
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) {
    throw new RangeError(`Expected \`attempts\` to be an integer from 1 to 20, got \`${attempts}\``);
  }
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  for (const [name, value] of [['baseDelayMs', baseDelayMs], ['maxDelayMs', maxDelayMs]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`Expected \`${name}\` to be a non-negative number, got \`${value}\``);
  }
  return { attempts, baseDelayMs, maxDelayMs };
}

/** Waits `ms`; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails for a reason that is not
 * {@link isTransient}, or has run `attempts` times. The last failure is
 * thrown with its message saying how many attempts were made.
 * @param onRetry - Called before each wait.
 * @param onCancelled - Makes the error thrown when `signal` fires during a wait.
 * @throws RangeError for bad options; otherwise what `attempt` threw.
 */
export async function withRetries<T>(
  attempt: (index: number) => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: (notice: RetryNotice) => void; onCancelled: (reason: unknown) => Error },
): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs } = checkedOptions(options);
  for (let index = 0; ; index++) {
    try {
      return await attempt(index);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const delayMs = error.retryAfterMs ?? Math.min(maxDelayMs, baseDelayMs * 2 ** index);
      if (index + 1 >= attempts || delayMs > maxDelayMs) {
        if (attempts === 1) throw error;
        const tries = index + 1;
        throw new DownloadError(error.code, `${error.message} (Gave up after ${tries} attempt${tries === 1 ? '' : 's'}.)`, error.url, {
          status: error.status,
          // The underlying cause, so that the result reads as the same kind of failure.
          cause: error.cause ?? error,
          retryAfterMs: error.retryAfterMs,
        });
      }
      options.onRetry?.({ attempt: index + 2, attempts, delayMs, reason: transientReason(error) });
      try {
        await sleep(delayMs, options.signal);
      } catch (reason) {
        throw options.onCancelled(reason);
      }
    }
  }
}
