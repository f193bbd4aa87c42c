/**
 * The head-at-mask rewrite: a fill-mask export computes the vocabulary-wide
 * logits at every position, though only the masks' rows are read. For
 * bert-base at 128 tokens that is a 768×30522 product per token and a fresh
 * 15.6 MB output per call. The rewrite adds an int64 input `mask_positions`
 * `[n]` and a `Gather` along the sequence axis right before the MLM decoder,
 * so the decoder runs on `n` rows and `logits` becomes `[batch, n, vocab]`.
 *
 * The graph is recognised by structure, not by node names:
 *
 *   LayerNorm output ─► MatMul(·, W) ──────────────────────────────► Add(bias) ─► logits
 *   LayerNorm output ─► DynamicQuantizeLinear ─► MatMulInteger(·, Wq) ─► Cast ─► Mul(scale) ─► Add(bias) ─► logits
 *
 * where `W` is any constant matrix (a separate initializer, or
 * `Transpose(word_embeddings)` as tied exports have it, which dynamic
 * quantization leaves in float32), LayerNorm is `LayerNormalization` or its
 * opset < 17 decomposition, and the ops after the decoder are element-wise
 * with scalars or per-vocabulary vectors. In the quantized form the `Gather`
 * takes the quantized activations, after `DynamicQuantizeLinear`: its scale is
 * computed over the whole tensor, so quantizing only the gathered rows would
 * change it and the scores with it. Everything before the decoder (the
 * encoder and the head's 768×768 transform, about 1% of the work) still runs
 * on every position; the rewritten graph gives the stock graph's numbers.
 *
 * Only the graph's small messages are decoded: the weights (the initializers)
 * are skipped while reading and copied byte for byte, so a 500 MB model costs
 * one sequential copy and little memory. The copy keeps every large weight as
 * ONNX external data in a `.data` file beside the model, each at an offset
 * aligned to 64 KiB: onnxruntime then maps that file into memory instead of
 * parsing and copying a 200 MB protobuf message, which made the bert-base
 * int8 session load about three times faster and take about half the memory.
 *
 * This file is the public side (the cache lookup and the rewrite's outline);
 * rewrite-plan.ts recognises the head, graph-writer.ts writes the new graph
 * and its data file, onnx-wire.ts reads and writes the protobuf wire format,
 * graph-cache.ts keeps the cache, and attention-fusion.ts fuses attention.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { onnx } from 'onnx-proto';
import { AttentionNotFused, type AttentionFusionPlan, planAttentionFusion } from './attention-fusion';
import { ATTENTION_KEY, CACHE_SUFFIX, cachedSha256, DATA_BYTES_KEY, DATA_SUFFIX, defaultGraphCacheDir, REWRITE_TAG, rewriteProps, SOURCE_KEY, TAG_KEY } from './graph-cache';
import { defaultOpset, externalLayout, freshNames, graphView, opsetImports, rewriteGraph, writeExternalData } from './graph-writer';
import { field, FileReader, type Piece, piecesLength, readGraph, scanFields, tagAndLength, writePieces } from './onnx-wire';
import { planRewrite, UnrecognizedGraphError } from './rewrite-plan';
import { type Logger, silentLogger } from '../types';

export { removeRewrite } from './graph-cache';
export { HIDDEN_STATE_OUTPUT, MASK_POSITIONS_INPUT, UnrecognizedGraphError } from './rewrite-plan';

/** Options of {@link prepareHeadAtMask}. */
export interface HeadAtMaskOptions {
  /**
   * The folder for rewritten models (`<sha256>.head-at-mask.onnx`) and the
   * index of file hashes. Created when missing.
   * @default the model's own folder when writable, else `os.tmpdir()/cloze`
   */
  cacheDir?: string;
  /** Where the outcome and any fallback reason go. @default a logger that drops everything */
  logger?: Logger;
  /**
   * Leaves the attention as exported, for this reason (recorded as the
   * outcome), instead of fusing it. Only a new rewrite honours it: remove
   * a cached one first.
   */
  keepAttention?: string;
}

/** What {@link prepareHeadAtMask} found. */
export type HeadAtMaskModel =
  | {
      kind: 'rewritten';
      /** The rewritten model to load; its weights are in `<file>.data`. */
      file: string;
      /** True when an earlier load had already written `file`. */
      fromCache: boolean;
      /** What became of the attention blocks: "fused in N layers", or why they were left as they were. */
      attention: string;
      /** Milliseconds spent hashing, checking and (when not cached) rewriting. */
      ms: number;
    }
  | {
      kind: 'stock';
      /** Why the stock graph is to be used. */
      reason: string;
      /** True when the graph was not recognised; false for an unexpected failure (I/O, a malformed file). */
      unrecognized: boolean;
      ms: number;
    };

/**
 * Finds or makes the head-at-mask version of `modelFile`: looks for
 * `<cacheDir>/<sha256 of modelFile>.head-at-mask.onnx` and writes it (through
 * a temporary file and a rename) when it is missing. The file's sha256 is
 * kept in `<cacheDir>/head-at-mask.hashes.json`, keyed by path, size and
 * mtime, so that a later load does not hash the model again. Never throws:
 * any failure gives `kind: 'stock'` with the reason.
 */
export function prepareHeadAtMask(modelFile: string, options: HeadAtMaskOptions = {}): HeadAtMaskModel {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const source = path.resolve(modelFile);
  try {
    const cacheDir = options.cacheDir !== undefined ? path.resolve(options.cacheDir) : defaultGraphCacheDir(path.dirname(source));
    fs.mkdirSync(cacheDir, { recursive: true });
    const sha256 = cachedSha256(source, cacheDir);
    const file = path.join(cacheDir, `${sha256}${CACHE_SUFFIX}`);
    const cached = rewriteProps(file, sha256);
    if (cached) {
      return { kind: 'rewritten', file, fromCache: true, attention: cached.get(ATTENTION_KEY) ?? '', ms: performance.now() - started };
    }
    const unique = `${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    const temp = { model: `${file}.${unique}`, data: `${file}${DATA_SUFFIX}.${unique}` };
    let attention: string;
    try {
      ({ attention } = rewriteHeadAtMask(source, { ...temp, dataLocation: path.basename(`${file}${DATA_SUFFIX}`) }, { [SOURCE_KEY]: sha256 }, options.keepAttention));
      // The data first: a model file that exists always has its data beside it.
      fs.renameSync(temp.data, `${file}${DATA_SUFFIX}`);
      fs.renameSync(temp.model, file);
    } finally {
      fs.rmSync(temp.model, { force: true });
      fs.rmSync(temp.data, { force: true });
    }
    const ms = performance.now() - started;
    logger.debug(`Rewrote ${path.basename(source)} to compute the MLM head at the masks only (attention ${attention}), in ${Math.round(ms)} ms: ${file}`);
    return { kind: 'rewritten', file, fromCache: false, attention, ms };
  } catch (error) {
    const unrecognized = error instanceof UnrecognizedGraphError;
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'stock', reason, unrecognized, ms: performance.now() - started };
  }
}

/** Where {@link rewriteHeadAtMask} writes. */
export interface RewriteTarget {
  /** The new model file. */
  model: string;
  /** The file for the weights kept as external data. */
  data: string;
  /** The name the model gives for its data file: the final basename of `data`, in the model's folder. */
  dataLocation: string;
}

/**
 * Writes the head-at-mask version of the model in `source`: the graph to
 * `target.model`, the large weights to `target.data`. Where the graph is
 * dynamically quantized, its attention blocks are fused too (see
 * {@link planAttentionFusion}); a graph whose attention is not recognised
 * keeps it as it is.
 * @param metadata - extra `metadata_props` for the new model.
 * @param keepAttention - when given, the attention is not fused, for this reason.
 * @returns what became of the attention, for the log.
 * @throws {UnrecognizedGraphError} when the graph is not a fill-mask head this rewrite knows.
 * @throws {Error} for an unreadable or malformed file, or a failed write.
 */
export function rewriteHeadAtMask(source: string, target: RewriteTarget, metadata: Record<string, string> = {}, keepAttention?: string): { attention: string } {
  const reader = new FileReader(source);
  try {
    const top = scanFields(reader, 0, reader.size);
    const graphField = top.find((f) => f.field === 7 && f.wire === 2);
    if (!graphField) throw new Error(`${source} holds no ONNX graph`);
    const graph = readGraph(reader, graphField);
    const plan = planRewrite(graph);
    const fresh = freshNames(graph);
    let fusion: AttentionFusionPlan | undefined;
    let attention: string;
    try {
      if (keepAttention !== undefined) throw new AttentionNotFused(keepAttention);
      fusion = planAttentionFusion(graphView(reader, graph, plan, defaultOpset(reader, top)), fresh);
      attention = `fused in ${fusion.layers} layers`;
    } catch (error) {
      if (!(error instanceof AttentionNotFused)) throw error;
      attention = `not fused: ${error.message}`;
    }

    const external = externalLayout(graph, target.dataLocation, fusion);
    writeExternalData(reader, external, target.data);
    const graphPieces = rewriteGraph(graph, plan, fusion, external, fresh);
    const graphLength = piecesLength(graphPieces);
    const pieces: Piece[] = [];
    for (const f of top) {
      if (f === graphField) pieces.push(tagAndLength(7, graphLength), ...graphPieces);
      else pieces.push({ start: f.start, end: f.end });
    }
    const dataBytes = String(external.size);
    for (const [key, value] of Object.entries({ [TAG_KEY]: REWRITE_TAG, [DATA_BYTES_KEY]: dataBytes, [ATTENTION_KEY]: attention, ...metadata })) {
      pieces.push(field(14, onnx.StringStringEntryProto.encode({ key, value }).finish()));
    }
    if (fusion && !opsetImports(reader, top).some((o) => o.domain === 'com.microsoft')) {
      pieces.push(field(8, onnx.OperatorSetIdProto.encode({ domain: 'com.microsoft', version: 1 }).finish()));
    }
    writePieces(reader, pieces, target.model);
    return { attention };
  } finally {
    reader.close();
  }
}
