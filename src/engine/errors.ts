/**
 * Typed errors the engine throws. Each carries the offending value in its
 * message and, where one exists, the underlying error as `cause`.
 */

/** Why a model folder could not be used. */
export type ModelErrorCode =
  | 'missing-file'
  | 'invalid-model'
  | 'no-logits'
  | 'invalid-tokenizer'
  | 'no-mask-token'
  | 'invalid-config';

/** A model folder that cannot be loaded. `path` is the file or folder at fault. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why a request was cancelled: its AbortSignal, a newer request from the same caller, or the engine's end. */
export type CancelReason = 'aborted' | 'superseded' | 'disposed';

/** A request that was cancelled by its AbortSignal, superseded by a newer one from the same caller, or cut off by `dispose`. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(
    readonly reason: CancelReason,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(message ?? `Request ${reason}`, options);
  }
}

/** The inference worker exited or failed while a request was in flight. The next request starts a fresh worker. */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** ONNX Runtime cannot run on this system (no build for its platform, or musl libc): no model can load here. */
export class RuntimeUnavailableError extends Error {
  override readonly name = 'RuntimeUnavailableError';
}

/** True for errors a caller should ignore silently (cancellation of any kind). */
export function isCancellation(error: unknown): error is CancelledError {
  return error instanceof CancelledError;
}
