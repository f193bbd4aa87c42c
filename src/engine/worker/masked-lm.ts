import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Ort from 'onnxruntime-node';
import { ModelError } from '../errors';
import { HIDDEN_STATE_OUTPUT, MASK_POSITIONS_INPUT, prepareHeadAtMask, removeRewrite } from '../graph/head-at-mask';
import type { Logger } from '../types';
import { MODEL_FILE_CANDIDATES, modelFileIn } from '../model-file';
import { WordTokenizer } from '../window/word-tokenizer';


/** The model input for one forward pass. */
export interface ModelInput {
  inputIds: readonly number[];
  /** Segment ids (0 for the first sentence, 1 for the second); all 0 when absent. */
  tokenTypeIds?: readonly number[];
  /** Positions in `inputIds` whose vocabulary distribution is wanted. */
  maskPositions: readonly number[];
}

/** What {@link MaskedLm.load} reads from `config.json`. */
export interface ModelConfig {
  modelType: string;
  vocabSize: number | undefined;
  /** The longest input the position embeddings allow, special tokens included. */
  maxPositions: number;
}

/** Which graph a {@link MaskedLm} runs: the MLM head at the masks only, or at every position. */
export type GraphKind = 'head-at-mask' | 'stock';

/** Options of {@link MaskedLm.load}. */
export interface MaskedLmOptions {
  /**
   * Rewrite the graph so that the MLM decoder runs at the mask positions only
   * (see {@link prepareHeadAtMask}). A graph that the rewrite does not
   * recognise runs as it is.
   * @default true
   */
  headAtMask?: boolean;
  /** Where rewritten graphs are kept. @default the model's folder when writable, else `os.tmpdir()/cloze` */
  graphCacheDir?: string;
  /** onnxruntime session options that replace {@link defaultSessionOptions}, for measurements. */
  sessionOptions?: Ort.InferenceSession.SessionOptions;
}

/**
 * The session options the engine runs with. Measured on bert-base int8 at 64
 * tokens on 2 cores (test/bench/session-options.ts), idle and with one core
 * kept busy: an intra-op thread that waits for work spins for at most 10 µs,
 * then sleeps. That caught the short gaps between operators without a
 * sleep and a wake-up: 3–7 % faster at the median idle and 3–10 % faster with
 * a core busy. Spinning longer (onnxruntime's default, or 30–100 µs) was
 * 10–12 % faster idle but 1.1–1.8 times slower beside other work, which an
 * editor always has; not spinning at all was the slowest idle.
 * @param threads - intra-op threads, at least 1.
 */
export function defaultSessionOptions(threads: number): Ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '10' } } },
  };
}

/**
 * The warm-up input's length: a usual window, through the same graph (the
 * rewritten one when it applies) that requests will run. Measured on bert-base
 * int8, the first request after a 64- or 128-token warm-up was no faster than
 * after a 3-token one, so the warm-up is kept to a usual size rather than the
 * longest.
 */
const WARM_UP_TOKENS = 64;

/**
 * Owns one onnxruntime `InferenceSession` over a fill-mask model and its
 * tokenizer. Lives inside the engine's worker: `run` blocks its thread.
 */
export class MaskedLm {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly dir: string,
    readonly tokenizer: WordTokenizer,
    readonly config: ModelConfig,
    readonly modelFile: string,
    readonly graph: GraphKind,
    /** Whether the rewritten graph runs each attention block as one fused operator (see attention-fusion.ts). */
    readonly fusedAttention: boolean,
    readonly loadMs: number,
  ) {}

  /**
   * Loads the model folder `dir`, checks that it is a fill-mask model and runs
   * one warm-up pass so that the first real request is not slow. Unless told
   * otherwise, runs the graph rewritten to compute the MLM head at the masks
   * only, and falls back to the stock graph (logging why) when the rewrite
   * does not apply or its result does not load.
   * @param threads - onnxruntime intra-op threads, at least 1.
   * @throws {ModelError} for a missing file, an unreadable model, a model
   *   without a `logits` output or inputs we cannot feed, or a bad tokenizer.
   */
  static async load(dir: string, threads: number, logger: Logger, options: MaskedLmOptions = {}): Promise<MaskedLm> {
    const started = performance.now();
    if (!fs.existsSync(dir)) {
      throw new ModelError('missing-file', `Model folder not found: ${dir}`, dir);
    }
    const modelFile = modelFileIn(dir);
    if (!modelFile) {
      throw new ModelError('missing-file', `No ONNX model in ${dir} (looked for ${MODEL_FILE_CANDIDATES.join(', ')})`, dir);
    }
    const config = readConfig(dir);
    const tokenizer = WordTokenizer.fromFolder(dir);

    // Required lazily so that ORT_DISABLE_TELEMETRY, set by the engine for
    // this worker, is in place before onnxruntime initialises.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof Ort;
    const sessionOptions = options.sessionOptions ?? defaultSessionOptions(threads);
    const name = path.basename(modelFile);

    // The rewritten graph; should a fused one not load, a rewrite that keeps the attention as exported; else the stock graph.
    let keepAttention: string | undefined;
    while (options.headAtMask !== false) {
      const prepared = prepareHeadAtMask(modelFile, { cacheDir: options.graphCacheDir, logger, keepAttention });
      if (prepared.kind === 'stock') {
        logger[prepared.unrecognized ? 'info' : 'warn'](`Running the stock graph of ${name}: ${prepared.reason}`);
        break;
      }
      const fused = prepared.attention.startsWith('fused');
      try {
        const session = await native(() => ort.InferenceSession.create(prepared.file, sessionOptions));
        const lm = await MaskedLm.ready(ort, session, dir, tokenizer, config, modelFile, 'head-at-mask', fused, started);
        logger.info(`Running ${name} with the MLM head at the masks only, attention ${prepared.attention} (${prepared.fromCache ? 'cached' : 'rewritten'} graph in `
          + `${Math.round(prepared.ms)} ms: ${prepared.file}); ${threads} threads; warm in ${Math.round(lm.loadMs)} ms`);
        return lm;
      } catch (error) {
        const message = (error as Error).message;
        // A file that does not load would fail the same way next time.
        removeRewrite(prepared.file);
        if (!fused || keepAttention !== undefined) {
          logger.warn(`Running the stock graph of ${name}: the rewritten graph ${prepared.file} failed: ${message}`);
          break;
        }
        logger.warn(`The rewritten graph of ${name} with fused attention failed (${message}); rewriting it with the attention as exported`);
        keepAttention = `the fused graph failed to load: ${message}`;
      }
    }

    let session: Ort.InferenceSession;
    try {
      session = await native(() => ort.InferenceSession.create(modelFile, sessionOptions));
    } catch (cause) {
      throw new ModelError('invalid-model', `Cannot load ${modelFile}: ${(cause as Error).message}`, modelFile, { cause });
    }
    const lm = await MaskedLm.ready(ort, session, dir, tokenizer, config, modelFile, 'stock', false, started);
    logger.debug(`Session over ${name}: inputs ${session.inputNames.join(', ')}; ${threads} threads; warm in ${Math.round(lm.loadMs)} ms`);
    return lm;
  }

  /** Checks the session's inputs and outputs and warms it up; releases it on failure. */
  private static async ready(
    ort: typeof Ort,
    session: Ort.InferenceSession,
    dir: string,
    tokenizer: WordTokenizer,
    config: ModelConfig,
    modelFile: string,
    graph: GraphKind,
    fusedAttention: boolean,
    started: number,
  ): Promise<MaskedLm> {
    try {
      if (!session.outputNames.includes('logits')) {
        throw new ModelError('no-logits', `${modelFile} has no \`logits\` output (outputs: ${session.outputNames.join(', ')}); a fill-mask export is needed`, modelFile);
      }
      const known = graph === 'head-at-mask' ? [...KNOWN_INPUTS, MASK_POSITIONS_INPUT] : [...KNOWN_INPUTS];
      const unknown = session.inputNames.filter((n) => !known.includes(n));
      if (unknown.length > 0 || !session.inputNames.includes('input_ids')) {
        throw new ModelError('invalid-model', `${modelFile} has inputs this engine cannot feed: ${session.inputNames.join(', ')}`, modelFile);
      }
      const lm = new MaskedLm(ort, session, dir, tokenizer, config, modelFile, graph, fusedAttention, 0);
      const length = Math.max(tokenizer.prefixIds.length + tokenizer.suffixIds.length + 1, Math.min(WARM_UP_TOKENS, config.maxPositions));
      const middle = tokenizer.prefixIds.length + Math.floor((length - tokenizer.prefixIds.length - tokenizer.suffixIds.length) / 2);
      const body = new Array<number>(length - tokenizer.prefixIds.length - tokenizer.suffixIds.length).fill(tokenizer.maskTokenId);
      await lm.logitsAt({ inputIds: [...tokenizer.prefixIds, ...body, ...tokenizer.suffixIds], maskPositions: [middle] });
      return new MaskedLm(ort, session, dir, tokenizer, config, modelFile, graph, fusedAttention, performance.now() - started);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** The names the session takes as inputs. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /**
   * Runs one forward pass and returns, for each of `input.maskPositions`, the
   * logits over the whole vocabulary (see {@link logitsAtBatch} for whose
   * memory they are).
   * @throws {RangeError} when the input is longer than the model allows or a
   *   position lies outside it.
   */
  async logitsAt(input: ModelInput): Promise<Float32Array[]> {
    return (await this.logitsAtBatch([input.inputIds], input.tokenTypeIds, input.maskPositions))[0];
  }

  /**
   * Runs one forward pass over a batch of inputs of the same length that share
   * their segment ids and their mask positions (beams of a search, candidate
   * words of the same piece count), and returns, per input, the logits at each
   * of `maskPositions`. The batch dimension of our models is dynamic, so `n`
   * inputs cost one `run` rather than `n`.
   *
   * Each row is a `Float32Array` of its own to the caller. On the rewritten
   * graph the rows are views into the run's output, which onnxruntime-node
   * copies into a fresh buffer that nothing else holds and which holds only
   * these rows: copying them again would cost a page fault per 4 KiB (about
   * 30 for a bert-base row, 0.3 ms on the machine this was measured on). On
   * the stock graph the output has a row per input position, so the rows
   * asked for are copied out and the rest can be freed.
   * @param inputIds - one or more rows of the same length.
   * @param tokenTypeIds - segment ids for every row; all 0 when absent.
   * @param maskPositions - positions whose vocabulary distribution is wanted.
   * @param padded - for rows padded at the end to a common length: each row's
   *   own length (the model attends to that many ids, see {@link canPad}) and,
   *   optionally, each row's segment ids in place of `tokenTypeIds`.
   * @throws {RangeError} when the batch is empty, rows differ in length, a row
   *   is longer than the model allows, a position lies outside it, or `padded`
   *   is given to a model without an `attention_mask` input.
   */
  async logitsAtBatch(
    inputIds: readonly (readonly number[])[],
    tokenTypeIds: readonly number[] | undefined,
    maskPositions: readonly number[],
    padded?: { lengths: readonly number[]; tokenTypeIds?: readonly (readonly number[])[] },
  ): Promise<Float32Array[][]> {
    const batch = inputIds.length;
    if (batch === 0) throw new RangeError('Expected at least one input row, got none');
    const length = inputIds[0].length;
    if (length === 0 || length > this.config.maxPositions) {
      throw new RangeError(`Expected 1 to ${this.config.maxPositions} input ids, got ${length}`);
    }
    const ragged = inputIds.find((row) => row.length !== length);
    if (ragged) throw new RangeError(`Expected every row of a batch to hold ${length} ids, got one of ${ragged.length}`);
    for (const p of maskPositions) {
      if (!Number.isInteger(p) || p < 0 || p >= length) {
        throw new RangeError(`Expected mask positions inside the input (0..${length - 1}), got \`${p}\``);
      }
    }
    if (padded && (!this.canPad || padded.lengths.length !== batch || padded.lengths.some((n) => !(n >= 1 && n <= length)) || (padded.tokenTypeIds && padded.tokenTypeIds.some((r) => r.length !== length)))) {
      throw new RangeError(`Expected one length from 1 to ${length} per row (and segment ids as long as the rows) for a model with an \`attention_mask\` input, got ${JSON.stringify(padded.lengths)}`);
    }
    const feeds: Record<string, Ort.Tensor> = {};
    const int64 = (values: ArrayLike<number>, dims = [batch, length]) =>
      new this.ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
    const repeated = (row: readonly number[]): number[] => Array.from({ length: batch }, () => row).flat();
    for (const name of this.session.inputNames) {
      switch (name) {
        case 'input_ids':
          feeds[name] = int64(inputIds.flat());
          break;
        case 'attention_mask':
          feeds[name] = int64(padded ? padded.lengths.flatMap((n) => Array.from({ length }, (_, i) => (i < n ? 1 : 0))) : new Array<number>(batch * length).fill(1));
          break;
        case 'token_type_ids':
          feeds[name] = int64(padded?.tokenTypeIds ? padded.tokenTypeIds.flat() : repeated(tokenTypeIds ?? new Array<number>(length).fill(0)));
          break;
        case MASK_POSITIONS_INPUT:
          feeds[name] = int64(maskPositions, [maskPositions.length]);
          break;
      }
    }
    const output = (await native(() => this.session.run(feeds, ['logits']))).logits;
    const data = output.data as Float32Array;
    // The rewritten graph gives one row per mask; the stock graph one per input position.
    const atMask = this.graph === 'head-at-mask';
    const rows = atMask ? maskPositions.length : length;
    const vocab = Number(output.dims[output.dims.length - 1]);
    if (output.dims.length !== 3 || Number(output.dims[0]) !== batch || Number(output.dims[1]) !== rows || data.length !== batch * rows * vocab) {
      throw new ModelError('invalid-model', `Expected \`logits\` of shape [${batch}, ${rows}, vocab] from ${this.modelFile}, got [${output.dims.join(', ')}]`, this.modelFile);
    }
    return Array.from({ length: batch }, (_, b) =>
      maskPositions.map((p, k) => {
        const row = b * rows + (atMask ? k : p);
        return atMask ? data.subarray(row * vocab, (row + 1) * vocab) : data.slice(row * vocab, (row + 1) * vocab);
      }),
    );
  }

  /** Whether rows of different lengths can share a batch, padded at the end: the model takes an `attention_mask`. */
  get canPad(): boolean {
    return this.session.inputNames.includes('attention_mask');
  }

  /** Whether the session exposes the encoder's last hidden state (the rewritten graph does; see {@link hiddenStates}). */
  get hasHiddenStates(): boolean {
    return this.session.outputNames.includes(HIDDEN_STATE_OUTPUT);
  }

  /**
   * Runs the encoder over one input and returns its last hidden state, one
   * row of `hidden` floats per input position (row-major `[length, hidden]`).
   * The MLM decoder is not run: only the outputs asked for are computed.
   * @throws {ModelError} when the graph does not expose the hidden state
   *   (the stock graph, or a graph the rewrite did not recognise).
   * @throws {RangeError} when the input is empty or longer than the model allows.
   */
  async hiddenStates(inputIds: readonly number[], tokenTypeIds?: readonly number[]): Promise<{ data: Float32Array; length: number; hidden: number }> {
    if (!this.hasHiddenStates) {
      throw new ModelError('invalid-model', `${this.modelFile} runs as the ${this.graph} graph, which does not expose the encoder's hidden state (the head-at-mask rewrite adds it)`, this.modelFile);
    }
    const length = inputIds.length;
    if (length === 0 || length > this.config.maxPositions) {
      throw new RangeError(`Expected 1 to ${this.config.maxPositions} input ids, got ${length}`);
    }
    const int64 = (values: ArrayLike<number>, dims = [1, length]) =>
      new this.ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      if (name === 'input_ids') feeds[name] = int64(inputIds);
      else if (name === 'attention_mask') feeds[name] = int64(new Array<number>(length).fill(1));
      else if (name === 'token_type_ids') feeds[name] = int64(tokenTypeIds ?? new Array<number>(length).fill(0));
      else if (name === MASK_POSITIONS_INPUT) feeds[name] = int64([0], [1]);
    }
    const output = (await native(() => this.session.run(feeds, [HIDDEN_STATE_OUTPUT])))[HIDDEN_STATE_OUTPUT];
    const hidden = Number(output.dims[2]);
    if (output.dims.length !== 3 || Number(output.dims[1]) !== length || (output.data as Float32Array).length !== length * hidden) {
      throw new ModelError('invalid-model', `Expected \`${HIDDEN_STATE_OUTPUT}\` of shape [1, ${length}, hidden], got [${output.dims.join(', ')}]`, this.modelFile);
    }
    return { data: (output.data as Float32Array).slice(), length, hidden };
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

/** See {@link countNativeCalls}. */
let nativeCalls: Int32Array | undefined;

/**
 * Keeps in `counter[0]` the number of onnxruntime calls (session creation,
 * `run`) in progress on this thread, where another thread can read it with
 * `Atomics.load`: the engine never terminates a worker that is inside one,
 * since ending a thread in the middle of a native call can abort the process.
 */
export function countNativeCalls(counter: Int32Array | undefined): void {
  nativeCalls = counter;
}

async function native<T>(call: () => Promise<T>): Promise<T> {
  if (nativeCalls) Atomics.add(nativeCalls, 0, 1);
  try {
    return await call();
  } finally {
    if (nativeCalls) Atomics.sub(nativeCalls, 0, 1);
  }
}

/** Model types whose position ids start after the padding id (RoBERTa's offset of 2). */
const OFFSET_POSITIONS = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer']);

function readConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) {
    throw new ModelError('missing-file', `Missing config.json in ${dir}`, file);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new ModelError('invalid-config', `Cannot parse ${file}: ${(cause as Error).message}`, file, { cause });
  }
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : 'bert';
  const positions = typeof raw.max_position_embeddings === 'number' ? raw.max_position_embeddings : 512;
  const offset = OFFSET_POSITIONS.has(modelType) ? 2 : 0;
  const vocabSize = typeof raw.vocab_size === 'number' ? raw.vocab_size : undefined;
  if (!Number.isInteger(positions) || positions - offset < 3) {
    throw new ModelError('invalid-config', `Expected \`max_position_embeddings\` to be an integer above 3 in ${file}, got \`${String(raw.max_position_embeddings)}\``, file);
  }
  return { modelType, vocabSize, maxPositions: positions - offset };
}
