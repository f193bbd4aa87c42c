/**
 * Messages between the engine's client (main thread) and its worker. Both
 * sides import this file; it holds the request table, the message types and
 * the error (de)serialisation only.
 */
import { CancelledError, type CancelReason, ModelError, type ModelErrorCode, WorkerError } from './errors';
import type { CheckRequest, CheckResult, EmbedRequest, FillRequest, MaskResult, ModelInfo } from './types';
import type { Embedding } from './worker/embed';

/**
 * Every kind of request the worker answers, with what it takes and gives.
 * A new kind is one entry here and its handler in the worker (`engine-worker.ts`);
 * the queue, the messages and the answers follow from this table.
 */
export interface Requests {
  fill: { request: FillRequest; result: MaskResult[] };
  check: { request: CheckRequest; result: CheckResult };
  embed: { request: EmbedRequest; result: Embedding };
}

export type RequestKind = keyof Requests;
export type RequestOf<K extends RequestKind> = Requests[K]['request'];
export type ResultOf<K extends RequestKind> = Requests[K]['result'];

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

/** A request of kind `K` (of any kind, by default) as posted to the worker. */
export type RequestMessage<K extends RequestKind = RequestKind> = {
  [P in K]: { type: 'request'; kind: P; id: number; request: RequestOf<P> };
}[K];

/**
 * The worker's answer to a request of kind `K`. `workerMs`: how long the
 * worker spent on it, from taking it up to answering.
 */
export type AnswerMessage<K extends RequestKind = RequestKind> = {
  [P in K]: { type: 'answer'; kind: P; id: number; result: ResultOf<P>; workerMs: number };
}[K];

export type ToWorker =
  | { type: 'load'; options: LoadOptions }
  | RequestMessage
  /** End the thread once the messages before this one are handled. */
  | { type: 'exit' };

export type FromWorker =
  | { type: 'loaded'; info: ModelInfo }
  | AnswerMessage
  // `id` null: the load failed.
  | { type: 'error'; id: number | null; error: SerializedError; workerMs?: number }
  | { type: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string };

/** Whether `message` answers a request of `kind` (it does when the ids match, unless a worker is broken). */
export function isAnswerTo<K extends RequestKind>(kind: K, message: AnswerMessage | AnswerMessage<K>): message is AnswerMessage<K> {
  return message.kind === kind;
}

/** An error as it crosses the thread boundary (structured clone drops subclass identity). */
export interface SerializedError {
  name: string;
  message: string;
  /** `ModelError.code`. */
  code?: string;
  /** `ModelError.path`. */
  path?: string;
  /** `CancelledError.reason`. */
  reason?: string;
  stack?: string;
  cause?: SerializedError;
}

/** How deep a chain of causes is carried across; deeper ones are dropped. */
const MAX_CAUSE_DEPTH = 4;

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof ModelError) Object.assign(out, { code: error.code, path: error.path });
  if (error instanceof CancelledError) out.reason = error.reason;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

/** Rebuilds the typed error a worker reported, with its cause, so callers can use `instanceof`. */
export function deserializeError(error: SerializedError): Error {
  const options = error.cause ? { cause: deserializeError(error.cause) } : undefined;
  let result: Error;
  switch (error.name) {
    case 'ModelError':
      result = new ModelError(error.code as ModelErrorCode, error.message, error.path ?? '', options);
      break;
    case 'TypeError':
      result = new TypeError(error.message, options);
      break;
    case 'RangeError':
      result = new RangeError(error.message, options);
      break;
    case 'CancelledError':
      result = new CancelledError(isCancelReason(error.reason) ? error.reason : 'aborted', error.message, options);
      break;
    default:
      result = new WorkerError(error.message, options);
  }
  if (error.stack) result.stack = error.stack;
  return result;
}

function isCancelReason(reason: string | undefined): reason is CancelReason {
  return reason === 'aborted' || reason === 'superseded' || reason === 'disposed';
}
