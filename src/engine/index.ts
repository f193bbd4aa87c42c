/**
 * The engine's one door: what the editor and the command line may use. The
 * rest of `src/engine` (the worker, windows, decoding, the graph rewrite) is
 * reached only through the {@link Engine} client.
 */
export { Engine, type EngineOptions, type EngineState, type EngineStats, type FillOptions } from './engine';
export { MAX_MASKS_PER_REQUEST } from './posting';
export { CancelledError, isCancellation, ModelError, type ModelErrorCode, RuntimeUnavailableError, WorkerError } from './errors';
export { LruCache } from './lru-cache';
export { MODEL_FILE_CANDIDATES } from './model-file';
export type * from './types';
export { DEFAULT_ALTERNATIVES, silentLogger } from './types';
export type { Embedding } from './worker/embed';
export { findMaskTokens } from './window/mask-window';
