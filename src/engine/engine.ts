import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CancelledError, ModelError, RuntimeUnavailableError, WorkerError } from './errors';
import type { Embedding } from './worker/embed';
import { type AnswerMessage, deserializeError, type FromWorker, isAnswerTo, type LoadOptions, type RequestKind, type RequestMessage, type RequestOf, type ResultOf } from './protocol';
import { cutForPosting, MAX_MASKS_PER_REQUEST, shiftResult } from './posting';
import { type CheckRequest, type CheckResult, type FillRequest, type Logger, type MaskResult, type ModelInfo, silentLogger } from './types';
import { defaultWorkerScript, endWorker, folderFingerprint, post, runtimeProblem } from './worker-thread';

/** Options of an {@link Engine}. */
export interface EngineOptions {
  /** The model folder: `model.onnx`, `tokenizer.json`, `tokenizer_config.json`, `config.json`. */
  modelDir: string;
  /**
   * Intra-op threads for onnxruntime, an integer from 1 to 64.
   * @default the number of CPUs, at most 4
   */
  threads?: number;
  /**
   * Results kept by exact model input, so that hover, inline completions and
   * the command reuse one forward pass.
   * Each entry holds one vocabulary-sized row of logits per mask (120 KB for bert-base).
   * @default 64
   */
  cacheSize?: number;
  /**
   * Milliseconds a single request may run in the worker before the worker is
   * considered hung, terminated and restarted on the next request.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * Run the model rewritten so that the vocabulary-wide MLM decoder runs at
   * the masks only, not at every input position: the same scores, less work
   * and memory per request. Models whose head is not recognised run as they
   * are; the log says why.
   * @default true
   */
  headAtMask?: boolean;
  /**
   * The folder where rewritten models are kept, one per original model's
   * sha256 (as large as the original).
   * @default the model's folder when writable, else `os.tmpdir()/cloze`
   */
  graphCacheDir?: string;
  /**
   * After a load fails for a model error (a missing or corrupt file), loads
   * within this many milliseconds fail at once with the same error, without
   * a new worker, as long as the model folder's files are unchanged (a
   * repaired folder is tried at once); the wait doubles with each failure,
   * up to 32 times this. A typing user then costs nothing while the model is
   * broken. 0 retries at once.
   * @default 2000
   */
  retryAfterMs?: number;
  /** Where diagnostics go. @default a logger that drops everything */
  logger?: Logger;
  /** The worker's entry file. @default `engine-worker.js` beside this module (the bundle), else `worker/engine-worker.ts` (from source) */
  workerScript?: string;
}

/** Options of one {@link Engine.fill} call. */
export interface FillOptions {
  /** Cancels the request: it rejects with a {@link CancelledError} and its result is dropped. */
  signal?: AbortSignal;
  /**
   * Who asks (e.g. `inline`, `hover`). A newer request from the same caller
   * supersedes an older one still waiting for the worker: latest wins.
   */
  caller?: string;
  /**
   * `background` requests (hints computed while the user is idle) wait while
   * any other request is queued, so they never delay a suggestion by more
   * than the one forward pass that may already be running.
   * @default 'normal'
   */
  priority?: 'normal' | 'background';
}

/**
 * What the engine did with the requests it was given, since it was created:
 * for tests and diagnostics (a burst of typing should reach the worker as a
 * handful of requests, not one per keystroke).
 */
export interface EngineStats {
  /** Requests sent to the worker. */
  posted: number;
  /** Posted requests the worker answered (with results or an error), whether or not their caller still waited. */
  completed: number;
  /** Requests dropped while queued because a newer one from the same caller came. */
  superseded: number;
  /** Milliseconds from posting to the answer, summed over the answered requests. */
  roundTripMs: number;
  /** Of those, the milliseconds the worker itself spent on them; the rest is messaging and waiting for the threads to wake. */
  workerMs: number;
}

/** Where the engine stands, for status displays. */
export type EngineState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready'; info: ModelInfo }
  | { kind: 'error'; error: Error }
  | { kind: 'disposed' };

/** A request waiting for the worker, or in flight. */
interface Pending {
  id: number;
  /** Posts the request to `worker`. */
  post(worker: Worker): void;
  caller: string | undefined;
  background: boolean;
  signal: AbortSignal | undefined;
  /** Settles the caller's promise with the worker's answer. */
  accept(answer: AnswerMessage): void;
  reject(error: Error): void;
  onAbort?: () => void;
  /** When it was posted to the worker (performance.now()). */
  postedAt?: number;
}


/**
 * The fill-mask engine's main-thread side. It owns a `worker_threads` Worker
 * that owns the onnxruntime session: onnxruntime-node runs inference
 * synchronously on the calling thread, so the caller's thread only posts
 * messages and stays free.
 *
 * Requests are served one at a time in arrival order. The model loads on the
 * first request (or {@link Engine.load}) and stays loaded. If the worker dies
 * or hangs, pending requests reject with a {@link WorkerError} and the next
 * request starts a fresh worker.
 */
export class Engine {
  private readonly options: Required<Omit<EngineOptions, 'logger' | 'workerScript' | 'graphCacheDir'>> & { graphCacheDir: string | undefined };
  /** The last load's model error, when it failed, and until when to answer with it. */
  private failedLoad: { error: Error; until: number; waitMs: number; folder: string } | undefined;
  private readonly logger: Logger;
  private readonly workerScript: string;
  private worker: Worker | undefined;
  /** `[0]`: the onnxruntime calls in progress in `worker` (see `countNativeCalls`). */
  private nativeCalls = new Int32Array(new SharedArrayBuffer(4));
  /** Messages posted to `worker` that it has not answered yet: while any, it may be inside onnxruntime. */
  private outstanding = 0;
  private loading: Promise<ModelInfo> | undefined;
  private loadSettle: { resolve(info: ModelInfo): void; reject(error: Error): void } | undefined;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private inFlightTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private currentState: EngineState = { kind: 'idle' };
  private readonly stateListeners = new Set<(state: EngineState) => void>();
  private readonly counts: EngineStats = { posted: 0, completed: 0, superseded: 0, roundTripMs: 0, workerMs: 0 };

  /** @throws {TypeError} when `modelDir` is empty; {@link RangeError} for out-of-range numbers. */
  constructor(options: EngineOptions) {
    if (typeof options.modelDir !== 'string' || options.modelDir === '') {
      throw new TypeError(`Expected \`modelDir\` to be a non-empty string, got \`${String(options.modelDir)}\``);
    }
    const threads = options.threads ?? Math.min(4, availableParallelism());
    checkInteger('threads', threads, 1, 64);
    const cacheSize = options.cacheSize ?? 64;
    checkInteger('cacheSize', cacheSize, 0, 100_000);
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    checkInteger('requestTimeoutMs', requestTimeoutMs, 1, 3_600_000);
    const retryAfterMs = options.retryAfterMs ?? 2000;
    checkInteger('retryAfterMs', retryAfterMs, 0, 3_600_000);
    const graphCacheDir = options.graphCacheDir === undefined ? undefined : path.resolve(options.graphCacheDir);
    this.options = { modelDir: path.resolve(options.modelDir), threads, cacheSize, requestTimeoutMs, retryAfterMs, headAtMask: options.headAtMask ?? true, graphCacheDir };
    this.logger = options.logger ?? silentLogger;
    this.workerScript = options.workerScript === undefined ? defaultWorkerScript() : path.resolve(options.workerScript);
  }

  /** The model folder this engine serves. */
  get modelDir(): string {
    return this.options.modelDir;
  }

  get state(): EngineState {
    return this.currentState;
  }

  /** Counts of what happened to the requests so far; a fresh copy each time. */
  get stats(): EngineStats {
    return { ...this.counts };
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes. */
  onStateChange(listener: (state: EngineState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Starts the worker and loads the model, once; later calls return the same
   * promise. After a failed load, a later call tries again: at once after a
   * worker failure, after `retryAfterMs` (doubling) after a model error.
   * @throws {ModelError} for a folder that cannot be loaded.
   * @throws {RuntimeUnavailableError} where ONNX Runtime has no build for this system.
   */
  load(): Promise<ModelInfo> {
    if (this.currentState.kind === 'disposed') {
      return Promise.reject(new CancelledError('disposed', 'The engine was disposed'));
    }
    if (this.loading) return this.loading;
    const failed = this.failedLoad;
    if (failed && Date.now() < failed.until && folderFingerprint(this.options.modelDir) === failed.folder) return Promise.reject(failed.error);
    const problem = runtimeProblem();
    if (problem) {
      const error = new RuntimeUnavailableError(problem);
      this.setState({ kind: 'error', error });
      return Promise.reject(error);
    }
    this.setState({ kind: 'loading' });
    const worker = this.startWorker();
    this.loading = new Promise<ModelInfo>((resolve, reject) => {
      this.loadSettle = { resolve, reject };
    });
    const options: LoadOptions = {
      modelDir: this.options.modelDir,
      threads: this.options.threads,
      cacheSize: this.options.cacheSize,
      headAtMask: this.options.headAtMask,
      graphCacheDir: this.options.graphCacheDir,
      nativeCalls: this.nativeCalls.buffer as SharedArrayBuffer,
    };
    this.outstanding++;
    post(worker, { type: 'load', options });
    // A failed load must not stay cached: drop it so the next call retries.
    this.loading.then(
      () => {
        this.failedLoad = undefined;
      },
      (error: unknown) => {
        this.loading = undefined;
        if (error instanceof ModelError && this.options.retryAfterMs > 0) {
          const waitMs = this.failedLoad ? Math.min(this.failedLoad.waitMs * 2, this.options.retryAfterMs * 32) : this.options.retryAfterMs;
          this.failedLoad = { error, until: Date.now() + waitMs, waitMs, folder: folderFingerprint(this.options.modelDir) };
        }
      },
    );
    return this.loading;
  }

  /**
   * Predicts each mask span of `request`.
   * @returns one result per span, in the order of `request.masks`.
   * @throws {CancelledError} when aborted, superseded or disposed.
   * @throws {ModelError} when the model cannot be loaded.
   * @throws {TypeError|RangeError} for a malformed request, or one with more
   *   than {@link MAX_MASKS_PER_REQUEST} masks.
   * @throws {WorkerError} when the worker dies or hangs.
   */
  async fill(request: FillRequest, options: FillOptions = {}): Promise<MaskResult[]> {
    const { signal } = options;
    if (signal?.aborted) throw new CancelledError('aborted');
    const { posted, offset } = cutForPosting(request);
    await this.load();
    if (signal?.aborted) throw new CancelledError('aborted');
    const results = await this.enqueue('fill', posted, options);
    // Spans in a pair's second sentence are offsets into that sentence, which is never cut.
    return offset === 0 ? results : results.map((r) => (r.segment === 1 ? r : shiftResult(r, offset)));
  }

  /**
   * Feature extraction: the mean-pooled last hidden state of `text` (see
   * `embedText` in embed.ts). Queued with the fill requests.
   * @throws {ModelError} when the model's graph does not expose the hidden state.
   * @throws {CancelledError} when aborted or disposed.
   */
  async embed(text: string, options: FillOptions = {}): Promise<Embedding> {
    const { signal } = options;
    if (typeof text !== 'string') throw new TypeError(`Expected \`text\` to be a string, got \`${String(text)}\``);
    if (signal?.aborted) throw new CancelledError('aborted');
    await this.load();
    if (signal?.aborted) throw new CancelledError('aborted');
    return this.enqueue('embed', { text }, options);
  }

  /**
   * Scores each of `request.words` where it stands, with the best
   * alternatives (see `checkWords` in word-check.ts). Queued with the other
   * requests; pass `priority: 'background'` for work nobody waits for.
   * @throws {CancelledError} when aborted, superseded or disposed.
   * @throws {ModelError} when the model cannot be loaded.
   * @throws {TypeError|RangeError} for a malformed request.
   */
  async check(request: CheckRequest, options: FillOptions = {}): Promise<CheckResult> {
    const { signal } = options;
    if (typeof request?.text !== 'string') throw new TypeError(`Expected \`text\` to be a string, got \`${typeof request?.text}\``);
    if (!Array.isArray(request.words) || request.words.length > MAX_MASKS_PER_REQUEST) {
      throw new RangeError(`Expected \`words\` to be an array of at most ${MAX_MASKS_PER_REQUEST} spans`);
    }
    if (signal?.aborted) throw new CancelledError('aborted');
    const { posted, offset } = request.words.length === 0 ? { posted: { text: '', masks: [] }, offset: 0 } : cutForPosting({ text: request.text, masks: request.words });
    await this.load();
    if (signal?.aborted) throw new CancelledError('aborted');
    const result = await this.enqueue('check', { ...request, text: posted.text, words: posted.masks }, options);
    if (offset === 0) return result;
    const shift = (span: { start: number; end: number }) => ({ start: span.start + offset, end: span.end + offset });
    return {
      checked: result.checked.map((c) => ({ ...c, span: shift(c.span) })),
      skipped: result.skipped.map(shift),
      ms: result.ms,
    };
  }

  private enqueue<K extends RequestKind>(kind: K, request: RequestOf<K>, options: FillOptions): Promise<ResultOf<K>> {
    const { caller, signal } = options;
    return new Promise<ResultOf<K>>((resolve, reject) => {
      if (caller !== undefined) {
        for (const queued of this.queue.filter((p) => p.caller === caller)) {
          this.removeQueued(queued);
          this.counts.superseded++;
          queued.reject(new CancelledError('superseded'));
        }
      }
      const id = this.nextId++;
      const message: RequestMessage<K> = { type: 'request', kind, id, request };
      const accept = (answer: AnswerMessage) => {
        if (isAnswerTo(kind, answer)) resolve(answer.result);
        else reject(new WorkerError(`The inference worker answered a ${kind} request with a ${answer.kind} result`));
      };
      const pending: Pending = { id, post: (worker) => post(worker, message), caller, background: options.priority === 'background', signal, accept, reject };
      if (signal) {
        pending.onAbort = () => this.abort(pending);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  /**
   * Ends the worker; pending requests reject with a {@link CancelledError} at
   * once. A worker busy in onnxruntime finishes that call first: terminating
   * a thread inside a native call aborts the whole process. Safe to call twice.
   */
  async dispose(): Promise<void> {
    if (this.currentState.kind === 'disposed') return;
    const error = new CancelledError('disposed', 'The engine was disposed');
    this.failAll(error);
    this.setState({ kind: 'disposed' });
    const worker = this.worker;
    const busy = this.outstanding > 0;
    this.worker = undefined;
    this.stateListeners.clear();
    if (worker) await endWorker(worker, busy, this.options.requestTimeoutMs);
  }

  private startWorker(): Worker {
    // onnxruntime's native code reads the process environment (getenv) when it
    // first starts, in the worker. A Worker's `env` option is a JavaScript copy
    // that native code never sees; assigning to the main thread's `process.env`
    // sets the real variable. Without it, sessions write a debug log to TMPDIR
    // and a database under ~/.cache/Microsoft (test/unit/privacy.test.ts).
    process.env.ORT_DISABLE_TELEMETRY = '1';
    const options = {
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      stderr: false,
    };
    // From source (tests), the worker is TypeScript: load it through tsx's require hook.
    const worker = this.workerScript.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(this.workerScript)});`, { ...options, eval: true })
      : new Worker(this.workerScript, options);
    this.outstanding = 0;
    this.nativeCalls = new Int32Array(new SharedArrayBuffer(4));
    worker.on('message', (message: FromWorker) => this.onMessage(worker, message));
    worker.on('error', (error) => this.onWorkerGone(worker, new WorkerError(`The inference worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.onWorkerGone(worker, new WorkerError(`The inference worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    if (worker !== this.worker) return;
    if (message.type !== 'log') this.outstanding--;
    switch (message.type) {
      case 'log':
        this.logger[message.level](message.message);
        return;
      case 'loaded':
        this.logger.info(`Model loaded from ${message.info.dir} in ${Math.round(message.info.loadMs)} ms`);
        this.setState({ kind: 'ready', info: message.info });
        this.loadSettle?.resolve(message.info);
        this.loadSettle = undefined;
        this.pump();
        return;
      case 'answer':
      case 'error': {
        if (message.type === 'error' && message.id === null) {
          const error = deserializeError(message.error);
          this.logger.error(`Model load failed: ${error.message}`);
          // Keep the worker from serving anything else: a failed load leaves it useless.
          this.worker = undefined;
          void worker.terminate();
          this.setState({ kind: 'error', error });
          this.loadSettle?.reject(error);
          this.loadSettle = undefined;
          return;
        }
        this.counts.completed++;
        const pending = this.inFlight;
        if (!pending || pending.id !== message.id) return;
        if (pending.postedAt !== undefined && message.workerMs !== undefined) {
          this.counts.roundTripMs += performance.now() - pending.postedAt;
          this.counts.workerMs += message.workerMs;
        }
        this.finishInFlight();
        if (message.type === 'answer') pending.accept(message);
        else pending.reject(deserializeError(message.error));
        this.pump();
        return;
      }
    }
  }

  private onWorkerGone(worker: Worker, error: WorkerError): void {
    if (worker !== this.worker) return;
    this.logger.error(error.message);
    this.worker = undefined;
    this.loading = undefined;
    this.setState({ kind: 'error', error });
    this.failAll(error);
  }

  /**
   * An idle worker must not keep a CLI process alive once its caller is done,
   * while one with work pending must, or the process would exit mid-request.
   */
  private updateKeepAlive(): void {
    const busy = this.loadSettle !== undefined || this.inFlight !== undefined || this.queue.length > 0;
    if (busy) this.worker?.ref();
    else this.worker?.unref();
  }

  private pump(): void {
    this.updateKeepAlive();
    if (this.inFlight || this.queue.length === 0 || !this.worker) return;
    const next = this.queue.findIndex((p) => !p.background);
    const pending = this.queue.splice(next < 0 ? 0 : next, 1)[0];
    this.inFlight = pending;
    this.inFlightTimer = setTimeout(() => this.onTimeout(pending), this.options.requestTimeoutMs);
    this.inFlightTimer.unref();
    this.counts.posted++;
    this.outstanding++;
    pending.postedAt = performance.now();
    pending.post(this.worker);
  }

  /**
   * A request ran past `requestTimeoutMs`: its callers get an error and the
   * next request starts a fresh worker. The old one is terminated when it is
   * stuck in JavaScript; when it is inside onnxruntime (a forward pass that is
   * merely slow), ending it could abort the whole process, so it is left to
   * finish and asked to exit after that.
   */
  private onTimeout(pending: Pending): void {
    if (this.inFlight !== pending || !this.worker) return;
    const worker = this.worker;
    const inNative = Atomics.load(this.nativeCalls, 0) > 0;
    this.onWorkerGone(worker, new WorkerError(`The inference worker did not answer within ${this.options.requestTimeoutMs} ms and was restarted`));
    if (!inNative) {
      void worker.terminate();
      return;
    }
    this.logger.warn('The timed-out worker is inside onnxruntime: it is left to finish that call and exit');
    worker.unref();
    worker.once('exit', () => this.logger.info('The timed-out worker has exited'));
    post(worker, { type: 'exit' });
  }

  private abort(pending: Pending): void {
    if (this.inFlight === pending) {
      // The forward pass cannot be interrupted; its result will be ignored.
      this.finishInFlight();
      pending.reject(new CancelledError('aborted'));
      // The worker handles messages in order and its late answer for the
      // aborted id is ignored, so the next request can be posted now.
      this.pump();
    } else if (this.removeQueued(pending)) {
      pending.reject(new CancelledError('aborted'));
      this.updateKeepAlive();
    }
  }

  private finishInFlight(): void {
    const pending = this.inFlight;
    if (!pending) return;
    clearTimeout(this.inFlightTimer);
    this.inFlightTimer = undefined;
    if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
    this.inFlight = undefined;
  }

  private removeQueued(pending: Pending): boolean {
    const index = this.queue.indexOf(pending);
    if (index < 0) return false;
    this.queue.splice(index, 1);
    if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
    return true;
  }

  private failAll(error: Error): void {
    const inFlight = this.inFlight;
    this.finishInFlight();
    inFlight?.reject(error);
    for (const pending of this.queue.splice(0)) {
      if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
      pending.reject(error);
    }
    this.loadSettle?.reject(error);
    this.loadSettle = undefined;
  }

  private setState(state: EngineState): void {
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${value}\``);
  }
}
