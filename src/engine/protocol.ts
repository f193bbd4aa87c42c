/**
 * Messages between the engine's client (main thread) and its worker. Both
 * sides import this file; it holds types and the error (de)serialisation only.
 */
import { CancelledError, ModelError, type ModelErrorCode, WorkerError } from './errors';
import type { Embedding } from './worker/embed';
import type { FillRequest, MaskResult, ModelInfo } from './types';
import type { CheckRequest, CheckResult } from './types';

/** Options the worker needs to load a model. */
export interface LoadOptions {
  modelDir: string;
  /** Intra-op threads for onnxruntime. */
  threads: number;
  /** Entries in the worker's result cache. */
  cacheSize: number;
  /** See `MaskedLmOptions.headAtMask`. */
  headAtMask: boolean;
  /** See `MaskedLmOptions.graphCacheDir`. */
  graphCacheDir: string | undefined;
  /** One int32 the worker keeps the count of its onnxruntime calls in progress in (see `countNativeCalls`). */
  nativeCalls: SharedArrayBuffer;
}

export type ToWorker =
  | { type: 'load'; options: LoadOptions }
  | { type: 'fill'; id: number; request: FillRequest }
  | { type: 'embed'; id: number; text: string }
  | { type: 'check'; id: number; request: CheckRequest }
  /** End the thread once the messages before this one are handled. */
  | { type: 'exit' };

export type FromWorker =
  | { type: 'loaded'; info: ModelInfo }
  // `workerMs`: how long the worker spent on the request, from taking it up to answering.
  | { type: 'result'; id: number; results: MaskResult[]; workerMs: number }
  | { type: 'embedding'; id: number; embedding: Embedding; workerMs: number }
  | { type: 'checked'; id: number; result: CheckResult; workerMs: number }
  | { type: 'error'; id: number | null; error: SerializedError; workerMs?: number }
  | { type: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string };

/** An error as it crosses the thread boundary (structured clone drops subclass identity). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  path?: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ModelError) {
    return { name: error.name, message: error.message, code: error.code, path: error.path, stack: error.stack };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds the typed error a worker reported, so callers can use `instanceof`. */
export function deserializeError(error: SerializedError): Error {
  let result: Error;
  switch (error.name) {
    case 'ModelError':
      result = new ModelError(error.code as ModelErrorCode, error.message, error.path ?? '');
      break;
    case 'TypeError':
      result = new TypeError(error.message);
      break;
    case 'RangeError':
      result = new RangeError(error.message);
      break;
    case 'CancelledError':
      result = new CancelledError('aborted', error.message);
      break;
    default:
      result = new WorkerError(error.message);
  }
  if (error.stack) result.stack = error.stack;
  return result;
}
