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
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { onnx } from 'onnx-proto';
import { AttentionNotFused, type AttentionFusionPlan, type ConstantValue, describe, type GraphView, isDefaultDomain, type NewInitializer, planAttentionFusion } from './attention-fusion';
import { type Logger, silentLogger } from '../types';
import { sha256OfFile } from '../../node-utils';

/** The name of the input that the rewritten graph takes: int64 `[n]` positions along the sequence. */
export const MASK_POSITIONS_INPUT = 'mask_positions';

/**
 * The extra output of the rewritten graph: the encoder's last hidden state,
 * float `[batch, sequence, hidden]` (the input of the MLM head's transform),
 * for feature extraction. Only computed when it is asked for.
 */
export const HIDDEN_STATE_OUTPUT = 'cloze_last_hidden_state';

/** Marks a rewritten file; bump the number when the rewrite changes, so that old cache files are redone. */
const REWRITE_TAG = 'head-at-mask/3';
const TAG_KEY = 'cloze.rewrite';
const SOURCE_KEY = 'cloze.source_sha256';
const ATTENTION_KEY = 'cloze.attention';
const DATA_BYTES_KEY = 'cloze.data_bytes';
const CACHE_SUFFIX = '.head-at-mask.onnx';
const DATA_SUFFIX = '.data';
/** Weights at least this large go to the external data file; smaller ones stay in the model. */
const EXTERNAL_MIN_BYTES = 16 * 1024;
/** Offsets in the data file: the mapping granularity of Windows (64 KiB), a multiple of every page size. */
const EXTERNAL_ALIGNMENT = 64 * 1024;
const HASH_INDEX = 'head-at-mask.hashes.json';

/** Why a graph was not rewritten. */
export class UnrecognizedGraphError extends Error {
  override name = 'UnrecognizedGraphError';
}

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

// ---------------------------------------------------------------------------
// Recognising the head

/** An initializer's type and shape (its data is never read whole). */
interface InitializerInfo {
  dims: number[];
  dataType: number;
  external: boolean;
  /** Where the TensorProto lies; undefined for a sparse initializer. */
  field: RawField | undefined;
  /** The `raw_data` bytes, when there are any. */
  rawData: { start: number; end: number } | undefined;
}

/** Where an initializer's parts lie in the file, for moving its `raw_data` out. */
interface InitializerLayout {
  name: string;
  /** The tensor's fields other than `raw_data`. */
  fields: RawField[];
  /** The `raw_data` bytes, when there are any. */
  rawData: { start: number; end: number } | undefined;
}

interface GraphParts {
  fields: RawField[];
  nodes: { field: RawField; node: onnx.NodeProto }[];
  initializers: Map<string, InitializerInfo>;
  /** The layout of each dense initializer (graph field 5). */
  layouts: Map<RawField, InitializerLayout>;
  inputs: { field: RawField; info: onnx.ValueInfoProto }[];
  outputs: { field: RawField; info: onnx.ValueInfoProto }[];
  valueInfos: { field: RawField; info: onnx.ValueInfoProto }[];
}

interface RewritePlan {
  /** The decoder node (MatMul or MatMulInteger) whose first input is gathered. */
  decoder: onnx.NodeProto;
  /** The tensor gathered: `[batch, sequence, hidden]`, float or quantized. */
  gathered: string;
  /** Values whose sequence axis becomes the mask axis (their declared shapes are dropped). */
  reshaped: Set<string>;
  /** The encoder's output (the last LayerNorm before the head's own), exposed as {@link HIDDEN_STATE_OUTPUT}; undefined when not found. */
  encoderOutput: string | undefined;
}

const ELEMENTWISE = new Set(['Add', 'Mul', 'Sub', 'Div']);
const PASS_THROUGH = new Set(['Cast', 'Identity']);

/** Finds where the Gather goes; throws {@link UnrecognizedGraphError} with the reason otherwise. */
function planRewrite(graph: GraphParts): RewritePlan {
  const outputs = graph.outputs.map((o) => o.info.name);
  if (!outputs.includes('logits')) throw notRecognised(`no \`logits\` output (outputs: ${outputs.join(', ')})`);
  if (outputs.length !== 1) throw notRecognised(`outputs besides \`logits\`: ${outputs.join(', ')}`);
  if (graph.inputs.some((i) => i.info.name === MASK_POSITIONS_INPUT)) throw notRecognised(`it already has a \`${MASK_POSITIONS_INPUT}\` input`);
  const external = [...graph.initializers].filter(([, init]) => init.external).map(([name]) => name);
  if (external.length > 0) {
    throw notRecognised(`weights in external data files (${external.slice(0, 3).join(', ')}${external.length > 3 ? ', ...' : ''})`);
  }
  const logitsShape = graph.outputs[0].info.type?.tensorType?.shape?.dim;
  if (logitsShape && logitsShape.length !== 3) throw notRecognised(`\`logits\` has rank ${logitsShape.length}, not 3`);

  const producer = new Map<string, { node: onnx.NodeProto; index: number }>();
  const consumers = new Map<string, number>();
  for (const { node } of graph.nodes) {
    node.output.forEach((name, index) => producer.set(name, { node, index }));
    for (const name of node.input) if (name !== '') consumers.set(name, (consumers.get(name) ?? 0) + 1);
  }
  const graphInputs = new Map(graph.inputs.map((i) => [i.info.name, i.info]));
  const facts = new TensorFacts(producer, graph.initializers, graphInputs);

  // Back from `logits` over element-wise ops whose other operand is the same for every row.
  const reshaped = new Set<string>();
  let value = 'logits';
  let decoder: onnx.NodeProto | undefined;
  while (!decoder) {
    reshaped.add(value);
    const node = producer.get(value)?.node;
    if (!node) throw notRecognised(`\`${value}\` is not computed by a node`);
    if (!isDefaultDomain(node)) throw notRecognised(`unexpected ${describe(node)} between the decoder and \`logits\``);
    if (node.opType === 'MatMul' || node.opType === 'MatMulInteger') {
      decoder = node;
      break;
    }
    let next: string;
    if (ELEMENTWISE.has(node.opType) && node.input.length === 2) {
      const [a, b] = node.input as [string, string];
      const aRow = facts.isRowIndependent(a);
      if (aRow === facts.isRowIndependent(b)) {
        throw notRecognised(`${describe(node)} before \`logits\` does not combine the decoder's output with a per-vocabulary constant`);
      }
      next = aRow ? b : a;
    } else if (PASS_THROUGH.has(node.opType)) {
      next = node.input[0];
    } else {
      throw notRecognised(`unexpected ${describe(node)} between the decoder and \`logits\``);
    }
    if (consumers.get(next) !== 1) throw notRecognised(`\`${next}\` on the way to \`logits\` is read by other nodes too`);
    value = next;
  }

  // The decoder: activations times a constant matrix.
  const [activation, weight] = decoder.input;
  if (weight === undefined || !facts.isConstant(weight)) throw notRecognised(`the decoder ${describe(decoder)} does not multiply by a constant`);
  if (facts.rank(weight) !== 2) throw notRecognised(`the decoder's matrix in ${describe(decoder)} is not known to be 2-D`);
  let hidden = activation;
  if (decoder.opType === 'MatMulInteger') {
    const quantizer = producer.get(activation);
    if (!quantizer || quantizer.node.opType !== 'DynamicQuantizeLinear' || quantizer.index !== 0) {
      throw notRecognised(`the quantized decoder ${describe(decoder)} does not read DynamicQuantizeLinear's output`);
    }
    const [, , aZeroPoint, bZeroPoint] = decoder.input;
    if (aZeroPoint && aZeroPoint !== quantizer.node.output[2]) throw notRecognised(`the quantized decoder's zero point is not its quantizer's`);
    if (bZeroPoint && (!facts.isConstant(bZeroPoint) || (facts.rank(bZeroPoint) ?? 2) > 1)) {
      throw notRecognised(`the decoder's weight zero point is not a constant scalar or vector`);
    }
    hidden = quantizer.node.input[0];
  }
  if (!isLayerNormOutput(hidden, producer, facts)) {
    throw notRecognised(`the decoder's input \`${hidden}\` is not the output of a LayerNormalization`);
  }
  reshaped.add(decoder.output[0]);
  return { decoder, gathered: activation, reshaped, encoderOutput: findEncoderOutput(hidden, producer, facts) };
}

/**
 * The nearest LayerNorm output upstream of the head's LayerNorm output
 * `headOutput`, walking back breadth first over non-constant inputs: the head
 * is `LayerNorm(gelu(dense(x)))` with no residual, so that is `x`, the
 * encoder's last hidden state. Undefined when none is found within a few dozen nodes.
 */
function findEncoderOutput(headOutput: string, producer: Map<string, { node: onnx.NodeProto; index: number }>, facts: TensorFacts): string | undefined {
  const seen = new Set([headOutput]);
  const queue = [headOutput];
  for (let steps = 0; queue.length > 0 && steps < 64; steps++) {
    const value = queue.shift() as string;
    for (const input of producer.get(value)?.node.input ?? []) {
      if (input === '' || seen.has(input) || facts.isConstant(input)) continue;
      if (isLayerNormOutput(input, producer, facts)) return input;
      seen.add(input);
      queue.push(input);
    }
  }
  return undefined;
}

function notRecognised(why: string): UnrecognizedGraphError {
  return new UnrecognizedGraphError(`the MLM head was not recognised: ${why}`);
}

/**
 * `LayerNormalization` (or onnxruntime's fused forms), or the decomposition
 * that exports for opset < 17 write: `Add(Mul(Div(Sub(x, ReduceMean(x)), Sqrt(...)), gamma), beta)`.
 */
function isLayerNormOutput(value: string, producer: Map<string, { node: onnx.NodeProto; index: number }>, facts: TensorFacts): boolean {
  const made = producer.get(value);
  if (!made) return false;
  if (['LayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization', 'SimplifiedLayerNormalization'].includes(made.node.opType)) {
    return made.index === 0;
  }
  const other = (node: onnx.NodeProto, op: string): onnx.NodeProto | undefined => {
    if (node.opType !== op || node.input.length !== 2) return undefined;
    const [a, b] = node.input as [string, string];
    const dynamic = facts.isConstant(a) ? b : facts.isConstant(b) ? a : undefined;
    return dynamic === undefined ? undefined : producer.get(dynamic)?.node;
  };
  const mul = other(made.node, 'Add');
  const div = mul && other(mul, 'Mul');
  if (!div || div.opType !== 'Div') return false;
  const sub = producer.get(div.input[0])?.node;
  const den = producer.get(div.input[1])?.node;
  if (!sub || sub.opType !== 'Sub' || !den || den.opType !== 'Sqrt') return false;
  return producer.get(sub.input[1])?.node.opType === 'ReduceMean';
}

/** What can be told about a value without running the graph: whether it is constant, and its rank. */
class TensorFacts {
  private readonly constant = new Map<string, boolean>();
  private readonly ranks = new Map<string, number | undefined>();

  constructor(
    private readonly producer: Map<string, { node: onnx.NodeProto; index: number }>,
    private readonly initializers: Map<string, InitializerInfo>,
    private readonly inputs: Map<string, onnx.ValueInfoProto>,
  ) {}

  /** Computed from initializers and Constant nodes only. */
  isConstant(value: string): boolean {
    const known = this.constant.get(value);
    if (known !== undefined) return known;
    this.constant.set(value, false); // guards against cycles in a malformed graph
    let result: boolean;
    if (this.initializers.has(value)) result = !this.inputs.has(value);
    else {
      const made = this.producer.get(value);
      result = made !== undefined && made.node.input.every((i) => i === '' || this.isConstant(i));
    }
    this.constant.set(value, result);
    return result;
  }

  /** The same for every position: a scalar or a vector along the last axis (rank 0 or 1). */
  isRowIndependent(value: string): boolean {
    const rank = this.rank(value);
    return rank !== undefined && rank <= 1;
  }

  rank(value: string): number | undefined {
    if (this.ranks.has(value)) return this.ranks.get(value);
    this.ranks.set(value, undefined);
    const result = this.computeRank(value);
    this.ranks.set(value, result);
    return result;
  }

  private computeRank(value: string): number | undefined {
    const input = this.inputs.get(value);
    if (input) return input.type?.tensorType?.shape?.dim?.length;
    const init = this.initializers.get(value);
    if (init) return init.dims.length;
    const made = this.producer.get(value);
    if (!made) return undefined;
    const { node, index } = made;
    if (!isDefaultDomain(node)) return undefined;
    switch (node.opType) {
      case 'Constant': {
        const attribute = node.attribute[0];
        if (!attribute) return undefined;
        if (attribute.t) return attribute.t.dims?.length ?? 0;
        if (['value_float', 'value_int', 'value_string'].includes(attribute.name ?? '')) return 0;
        if (['value_floats', 'value_ints', 'value_strings'].includes(attribute.name ?? '')) return 1;
        return undefined;
      }
      case 'DynamicQuantizeLinear':
        return index === 0 ? this.rank(node.input[0]) : 0;
      case 'Add':
      case 'Mul':
      case 'Sub':
      case 'Div': {
        const ranks = node.input.map((i) => this.rank(i));
        return ranks.some((r) => r === undefined) ? undefined : Math.max(...(ranks as number[]));
      }
      case 'Cast':
      case 'Identity':
      case 'Transpose':
      case 'DequantizeLinear':
        return this.rank(node.input[0]);
      default:
        return undefined;
    }
  }
}

// ---------------------------------------------------------------------------
// Writing the new graph

/** Gives names that no node, value or initializer of `graph` uses, nor an earlier call. */
function freshNames(graph: GraphParts): (base: string) => string {
  const used = new Set<string>(graph.initializers.keys());
  for (const { node } of graph.nodes) {
    for (const name of [...node.input, ...node.output]) used.add(name);
    used.add(node.name);
  }
  for (const { info } of [...graph.inputs, ...graph.outputs]) used.add(info.name);
  return (base: string): string => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/** What the attention fusion reads of the graph: small constants decoded once each, weights read on demand. */
function graphView(reader: FileReader, graph: GraphParts, plan: RewritePlan, opset: number | undefined): GraphView {
  const nodes = graph.nodes.map((n) => n.node);
  const constantNodes = new Map<string, onnx.NodeProto>();
  for (const node of nodes) if (node.opType === 'Constant' && isDefaultDomain(node)) constantNodes.set(node.output[0], node);
  const kept = new Set(graph.outputs.map((o) => o.info.name));
  if (plan.encoderOutput !== undefined) kept.add(plan.encoderOutput);
  const readConstant = (name: string): ConstantValue | undefined => {
    const init = graph.initializers.get(name);
    if (init) {
      if (init.external || !init.field || init.field.end - init.field.start > 64 * 1024) return undefined;
      return tensorValues(onnx.TensorProto.decode(reader.bytes(init.field.valueStart, init.field.end)));
    }
    const node = constantNodes.get(name);
    if (!node || node.attribute.length !== 1) return undefined;
    const value = onnx.AttributeProto.create(node.attribute[0]);
    const T = onnx.TensorProto.DataType;
    switch (value.name) {
      case 'value':
        return value.t ? tensorValues(onnx.TensorProto.create(value.t)) : undefined;
      case 'value_float':
        return { dataType: T.FLOAT, dims: [], values: [value.f] };
      case 'value_floats':
        return { dataType: T.FLOAT, dims: [value.floats.length], values: Array.from(value.floats) };
      case 'value_int':
        return { dataType: T.INT64, dims: [], values: [Number(value.i)] };
      case 'value_ints':
        return { dataType: T.INT64, dims: [value.ints.length], values: value.ints.map(Number) };
      default:
        return undefined;
    }
  };
  // The matcher asks for the same constants many times (the mask's, the heads' shapes, each bias twice).
  const constants = new Map<string, ConstantValue | undefined>();
  return {
    nodes,
    opset,
    inputs: new Map(graph.inputs.map((i) => [i.info.name, i.info])),
    kept,
    initializers: new Set(graph.initializers.keys()),
    constant(name) {
      if (!constants.has(name)) constants.set(name, readConstant(name));
      return constants.get(name);
    },
    weight(name) {
      const init = graph.initializers.get(name);
      const raw = init?.rawData;
      if (!init || init.external || !raw) return undefined;
      return { dataType: init.dataType, dims: init.dims, bytes: () => Buffer.from(reader.bytes(raw.start, raw.end)) };
    },
  };
}

/** The values of a small tensor, from `raw_data` or the typed fields; undefined for a type not read here. */
function tensorValues(tensor: onnx.TensorProto): ConstantValue | undefined {
  const T = onnx.TensorProto.DataType;
  const dims = tensor.dims.map(Number);
  const { dataType } = tensor;
  const raw = tensor.rawData && tensor.rawData.length > 0 ? Buffer.from(tensor.rawData) : undefined;
  let values: number[];
  if (raw) {
    const read: Partial<Record<number, [number, (at: number) => number]>> = {
      [T.FLOAT]: [4, (at) => raw.readFloatLE(at)],
      [T.DOUBLE]: [8, (at) => raw.readDoubleLE(at)],
      [T.INT8]: [1, (at) => raw.readInt8(at)],
      [T.UINT8]: [1, (at) => raw.readUInt8(at)],
      [T.INT32]: [4, (at) => raw.readInt32LE(at)],
      [T.INT64]: [8, (at) => Number(raw.readBigInt64LE(at))],
    };
    const reader = read[dataType];
    if (!reader || raw.length % reader[0] !== 0) return undefined;
    values = Array.from({ length: raw.length / reader[0] }, (_, i) => reader[1](i * reader[0]));
  } else if (dataType === T.FLOAT) values = [...tensor.floatData];
  else if (dataType === T.DOUBLE) values = [...tensor.doubleData];
  else if (dataType === T.INT64) values = tensor.int64Data.map(Number);
  else if ([T.INT8, T.UINT8, T.INT32].includes(dataType)) values = [...tensor.int32Data];
  else return undefined;
  return { dataType, dims, values };
}

/** The model's `opset_import` entries (ModelProto field 8). */
function opsetImports(reader: FileReader, top: RawField[]): onnx.OperatorSetIdProto[] {
  return top.filter((f) => f.field === 8 && f.wire === 2).map((f) => onnx.OperatorSetIdProto.decode(reader.bytes(f.valueStart, f.end)));
}

/** The version of the standard operator set the model imports; undefined when it imports none. */
function defaultOpset(reader: FileReader, top: RawField[]): number | undefined {
  const entry = opsetImports(reader, top).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : undefined;
}

function rewriteGraph(graph: GraphParts, plan: RewritePlan, fusion: AttentionFusionPlan | undefined, external: ExternalLayout, fresh: (base: string) => string): Piece[] {
  const gatheredName = fresh(`${plan.gathered}_at_mask`);
  const gather = onnx.NodeProto.create({
    name: fresh('/cloze/head_at_mask/Gather'),
    opType: 'Gather',
    input: [plan.gathered, MASK_POSITIONS_INPUT],
    output: [gatheredName],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  const decoder = onnx.NodeProto.create({ ...plan.decoder, input: [gatheredName, ...plan.decoder.input.slice(1)] });

  const nodeFor = new Map(graph.nodes.map((n) => [n.field, n.node]));
  const infoFor = new Map([...graph.inputs, ...graph.outputs, ...graph.valueInfos].map((v) => [v.field, v.info]));
  const initializerFor = new Map([...graph.layouts].map(([f, layout]) => [f, layout.name]));
  const gone = new Set([...(fusion?.removed ?? [])].flatMap((node) => node.output));
  const encodeNode = (node: onnx.NodeProto) => field(1, onnx.NodeProto.encode(node).finish());
  const pieces: Piece[] = [];
  let prelude = fusion?.prelude ?? [];
  for (const f of graph.fields) {
    const node = f.field === 1 ? nodeFor.get(f) : undefined;
    if (node && prelude.length > 0) {
      pieces.push(...prelude.map(encodeNode));
      prelude = [];
    }
    const replacement = node && fusion?.replacements.get(node);
    if (replacement) {
      pieces.push(encodeNode(replacement));
    } else if (node && fusion?.removed.has(node)) {
      // Fused, or read only by fused nodes.
    } else if (node === plan.decoder) {
      pieces.push(encodeNode(gather), encodeNode(decoder));
    } else if (f.field === 5 && fusion?.unusedInitializers.has(initializerFor.get(f) ?? '')) {
      // Read only by fused nodes.
    } else if (f.field === 13 && gone.has(infoFor.get(f)?.name ?? '')) {
      // The shape of a value that is no longer computed.
    } else if (f.field === 12 && infoFor.get(f)?.name === 'logits') {
      const info = onnx.ValueInfoProto.create(infoFor.get(f)!);
      const dims = info.type?.tensorType?.shape?.dim;
      if (dims && dims.length === 3) dims[1] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'mask_count' });
      pieces.push(field(12, onnx.ValueInfoProto.encode(info).finish()));
    } else if (f.field === 13 && plan.reshaped.has(infoFor.get(f)?.name ?? '')) {
      // Dropped: the declared shape has the full sequence length; onnxruntime infers the new one.
    } else if (f.field === 5 && external.tensors.has(f)) {
      pieces.push(...externalTensor(graph.layouts.get(f)!, external.tensors.get(f)!, external.location));
    } else {
      pieces.push({ start: f.start, end: f.end });
    }
  }
  for (const init of fusion?.initializers ?? []) pieces.push(newTensor(init, external.added.get(init), external.location));
  const maskPositions = onnx.ValueInfoProto.create({
    name: MASK_POSITIONS_INPUT,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'mask_count' }] } } },
  });
  pieces.push(field(11, onnx.ValueInfoProto.encode(maskPositions).finish()));
  const taken = graph.nodes.some(({ node }) => node.input.includes(HIDDEN_STATE_OUTPUT) || node.output.includes(HIDDEN_STATE_OUTPUT));
  if (plan.encoderOutput !== undefined && !taken) {
    // An Identity gives the output a stable name whatever the exporter called the tensor.
    const identity = onnx.NodeProto.create({
      name: fresh('/cloze/hidden_state/Identity'),
      opType: 'Identity',
      input: [plan.encoderOutput],
      output: [HIDDEN_STATE_OUTPUT],
    });
    const hiddenState = onnx.ValueInfoProto.create({
      name: HIDDEN_STATE_OUTPUT,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }, { dimParam: 'hidden' }] } } },
    });
    pieces.push(field(1, onnx.NodeProto.encode(identity).finish()), field(12, onnx.ValueInfoProto.encode(hiddenState).finish()));
  }
  return pieces;
}

/** Which initializers move to the data file, and where. */
interface ExternalLayout {
  location: string;
  /** Per initializer field: its data's offset in the data file, and its bytes in the source. */
  tensors: Map<RawField, { offset: number; start: number; end: number }>;
  /** The offsets of the new initializers that go to the data file. */
  added: Map<NewInitializer, number>;
  /** The data file's length. */
  size: number;
}

function externalLayout(graph: GraphParts, location: string, fusion: AttentionFusionPlan | undefined): ExternalLayout {
  const tensors: ExternalLayout['tensors'] = new Map();
  const added: ExternalLayout['added'] = new Map();
  let size = 0;
  const place = (bytes: number): number => {
    const offset = Math.ceil(size / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
    size = offset + bytes;
    return offset;
  };
  for (const [f, layout] of graph.layouts) {
    const raw = layout.rawData;
    if (!raw || raw.end - raw.start < EXTERNAL_MIN_BYTES || fusion?.unusedInitializers.has(layout.name)) continue;
    tensors.set(f, { offset: place(raw.end - raw.start), start: raw.start, end: raw.end });
  }
  for (const init of fusion?.initializers ?? []) {
    if (init.data.length >= EXTERNAL_MIN_BYTES) added.set(init, place(init.data.length));
  }
  return { location, tensors, added, size };
}

function writeExternalData(reader: FileReader, layout: ExternalLayout, file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    let at = 0;
    for (const { offset, start, end } of layout.tensors.values()) {
      if (offset > at) writeAll(fd, Buffer.alloc(offset - at));
      reader.copyTo(fd, start, end);
      at = offset + (end - start);
    }
    for (const [init, offset] of layout.added) {
      if (offset > at) writeAll(fd, Buffer.alloc(offset - at));
      writeAll(fd, init.data);
      at = offset + init.data.length;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The tensor's own fields, without `raw_data`, plus where its data now lies (`external_data`, `data_location`). */
function externalTensor(layout: InitializerLayout, place: { offset: number; start: number; end: number }, location: string): Piece[] {
  const entries = { location, offset: String(place.offset), length: String(place.end - place.start) };
  const extra = Buffer.concat([
    ...Object.entries(entries).map(([key, value]) => field(13, onnx.StringStringEntryProto.encode({ key, value }).finish())),
    Buffer.from([(14 << 3) | 0, onnx.TensorProto.DataLocation.EXTERNAL]),
  ]);
  const own: Piece[] = layout.fields.map((g) => ({ start: g.start, end: g.end }));
  const length = piecesLength(own) + extra.length;
  return [tagAndLength(5, length), ...own, extra];
}

/** A new initializer: its data in the data file at `offset`, or inline when small. */
function newTensor(init: NewInitializer, offset: number | undefined, location: string): Buffer {
  const tensor = onnx.TensorProto.create({ name: init.name, dims: init.dims, dataType: init.dataType });
  if (offset === undefined) tensor.rawData = init.data;
  else {
    tensor.externalData = Object.entries({ location, offset: String(offset), length: String(init.data.length) }).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }));
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  }
  return field(5, onnx.TensorProto.encode(tensor).finish());
}

// ---------------------------------------------------------------------------
// Protobuf wire format over a file

/** A field of a message as it lies in the file: `[start, end)` covers tag, length and value. */
interface RawField {
  field: number;
  wire: number;
  start: number;
  end: number;
  /** Where the value starts (after the tag, and the length for wire type 2). */
  valueStart: number;
}

/** Bytes from the source file, or bytes of our own. */
type Piece = Buffer | Uint8Array | { start: number; end: number };

/** Positional reads through a small window, so that skipping the weights costs nothing. */
class FileReader {
  readonly size: number;
  private readonly fd: number;
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
    this.size = fs.fstatSync(this.fd).size;
  }

  bytes(start: number, end: number): Buffer {
    if (start < 0 || end > this.size || start > end) throw new Error(`Truncated ONNX file: bytes ${start}..${end} of ${this.size}`);
    if (start >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(start - this.windowStart, end - this.windowStart);
    }
    const length = Math.max(end - start, Math.min(64 * 1024, this.size - start));
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = fs.readSync(this.fd, buffer, read, length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    this.window = buffer.subarray(0, read);
    this.windowStart = start;
    if (read < end - start) throw new Error(`Truncated ONNX file: bytes ${start}..${end} of ${this.size}`);
    return this.window.subarray(0, end - start);
  }

  varint(position: number): { value: number; next: number } {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.bytes(position + i, position + i + 1)[0];
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) return { value, next: position + i + 1 };
    }
    throw new Error(`Malformed varint at byte ${position}`);
  }

  copyTo(fd: number, start: number, end: number): void {
    const chunk = Buffer.allocUnsafe(Math.min(8 * 1024 * 1024, end - start));
    for (let at = start; at < end; ) {
      const n = fs.readSync(this.fd, chunk, 0, Math.min(chunk.length, end - at), at);
      if (n === 0) throw new Error(`Truncated ONNX file at byte ${at}`);
      writeAll(fd, chunk.subarray(0, n));
      at += n;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The fields of the message in `[start, end)`, values not read. */
function scanFields(reader: FileReader, start: number, end: number): RawField[] {
  const fields: RawField[] = [];
  let at = start;
  while (at < end) {
    const tag = reader.varint(at);
    const wire = tag.value % 8;
    const fieldNumber = Math.floor(tag.value / 8);
    let valueStart = tag.next;
    let next: number;
    switch (wire) {
      case 0:
        next = reader.varint(tag.next).next;
        break;
      case 1:
        next = tag.next + 8;
        break;
      case 2: {
        const length = reader.varint(tag.next);
        valueStart = length.next;
        next = length.next + length.value;
        break;
      }
      case 5:
        next = tag.next + 4;
        break;
      default:
        throw new Error(`Unsupported protobuf wire type ${wire} at byte ${at}`);
    }
    if (next > end || fieldNumber === 0) throw new Error(`Malformed ONNX file at byte ${at}`);
    fields.push({ field: fieldNumber, wire, start: at, end: next, valueStart });
    at = next;
  }
  return fields;
}

// GraphProto fields: node = 1, initializer = 5, input = 11, output = 12, value_info = 13, sparse_initializer = 15.
function readGraph(reader: FileReader, graphField: RawField): GraphParts {
  const fields = scanFields(reader, graphField.valueStart, graphField.end);
  const parts: GraphParts = { fields, nodes: [], initializers: new Map(), layouts: new Map(), inputs: [], outputs: [], valueInfos: [] };
  const value = (f: RawField) => reader.bytes(f.valueStart, f.end);
  for (const f of fields) {
    if (f.wire !== 2) continue;
    switch (f.field) {
      case 1:
        parts.nodes.push({ field: f, node: onnx.NodeProto.decode(value(f)) });
        break;
      case 5: {
        const { info, layout } = readInitializer(reader, f);
        parts.initializers.set(layout.name, info);
        parts.layouts.set(f, layout);
        break;
      }
      case 15: {
        // A SparseTensorProto's `values` (field 1) is a TensorProto that carries the name.
        const values = scanFields(reader, f.valueStart, f.end).find((g) => g.field === 1 && g.wire === 2);
        if (values) {
          const { info, layout } = readInitializer(reader, values);
          parts.initializers.set(layout.name, { ...info, field: undefined, rawData: undefined });
        }
        break;
      }
      case 11:
        parts.inputs.push({ field: f, info: onnx.ValueInfoProto.decode(value(f)) });
        break;
      case 12:
        parts.outputs.push({ field: f, info: onnx.ValueInfoProto.decode(value(f)) });
        break;
      case 13:
        parts.valueInfos.push({ field: f, info: onnx.ValueInfoProto.decode(value(f)) });
        break;
    }
  }
  return parts;
}

// TensorProto fields: dims = 1 (packed or not), data_type = 2, name = 8, raw_data = 9, external_data = 13, data_location = 14.
function readInitializer(reader: FileReader, f: RawField): { info: InitializerInfo; layout: InitializerLayout } {
  const dims: number[] = [];
  let dataType = 0;
  let external = false;
  const layout: InitializerLayout = { name: '', fields: [], rawData: undefined };
  for (const g of scanFields(reader, f.valueStart, f.end)) {
    if (g.field === 9 && g.wire === 2) layout.rawData = { start: g.valueStart, end: g.end };
    else layout.fields.push(g);
    if (g.field === 1 && g.wire === 0) dims.push(reader.varint(g.valueStart).value);
    else if (g.field === 1 && g.wire === 2) {
      for (let at = g.valueStart; at < g.end; ) {
        const v = reader.varint(at);
        dims.push(v.value);
        at = v.next;
      }
    } else if (g.field === 2 && g.wire === 0) dataType = reader.varint(g.valueStart).value;
    else if (g.field === 8 && g.wire === 2) layout.name = reader.bytes(g.valueStart, g.end).toString('utf8');
    else if (g.field === 13) external = true;
    else if (g.field === 14 && g.wire === 0 && reader.varint(g.valueStart).value === 1) external = true;
  }
  return { info: { dims, dataType, external, field: f, rawData: layout.rawData }, layout };
}

/** A protobuf varint: 7 bits a byte, least significant first (also what the test models' writer uses). */
export function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function tagAndLength(fieldNumber: number, length: number): Buffer {
  return Buffer.concat([varint(fieldNumber * 8 + 2), varint(length)]);
}

function field(fieldNumber: number, value: Uint8Array): Buffer {
  return Buffer.concat([tagAndLength(fieldNumber, value.length), value]);
}

function piecesLength(pieces: Piece[]): number {
  return pieces.reduce((sum, p) => sum + ('start' in p ? p.end - p.start : p.length), 0);
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let offset = 0; offset < data.length; ) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

function writePieces(reader: FileReader, pieces: Piece[], target: string): void {
  const fd = fs.openSync(target, 'w');
  try {
    // Runs of file ranges that touch are copied as one.
    let run: { start: number; end: number } | undefined;
    const flush = () => {
      if (run) reader.copyTo(fd, run.start, run.end);
      run = undefined;
    };
    for (const piece of pieces) {
      if ('start' in piece) {
        if (run && run.end === piece.start) run.end = piece.end;
        else {
          flush();
          run = { ...piece };
        }
      } else {
        flush();
        writeAll(fd, piece);
      }
    }
    flush();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------
// The cache

/**
 * Where rewritten models go when the caller names no folder: the model's own
 * folder when we may write there, else `os.tmpdir()/cloze`. The editor and
 * the command line always name one (the extension's global storage, and
 * `graphs/` under the CLI's model cache), so this serves tests, benches and
 * other callers of the engine. Not the same as `defaultCacheDir` in
 * src/models/model-store.ts: that is the per-user folder for downloaded
 * models (`CLOZE_CACHE_DIR`, XDG, `~/Library/Caches`, `%LOCALAPPDATA%`),
 * which the engine does not know about.
 */
function defaultGraphCacheDir(modelDir: string): string {
  try {
    fs.accessSync(modelDir, fs.constants.W_OK);
    return modelDir;
  } catch {
    return path.join(os.tmpdir(), 'cloze');
  }
}

interface HashIndex {
  [file: string]: { size: number; mtimeMs: number; sha256: string };
}

/**
 * The file's sha256, from the index when its size and mtime are unchanged.
 * Removes the rewrites that nothing indexed needs any more: of this file's
 * older contents, and of models that were deleted.
 */
function cachedSha256(file: string, cacheDir: string): string {
  const stat = fs.statSync(file);
  const indexFile = path.join(cacheDir, HASH_INDEX);
  let index: HashIndex = {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) index = parsed as HashIndex;
  } catch {
    // Missing or unreadable: start a new one.
  }
  const known = index[file];
  if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && /^[0-9a-f]{64}$/.test(known.sha256)) {
    return known.sha256;
  }
  const sha256 = sha256OfFile(file);
  const dropped = new Set<string>();
  if (known) dropped.add(known.sha256);
  for (const [other, entry] of Object.entries(index)) {
    if (other !== file && !fs.existsSync(other)) {
      dropped.add(entry.sha256);
      delete index[other];
    }
  }
  index[file] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256 };
  const needed = new Set(Object.values(index).map((e) => e.sha256));
  for (const old of dropped) {
    if (!needed.has(old) && /^[0-9a-f]{64}$/.test(old)) removeRewrite(path.join(cacheDir, `${old}${CACHE_SUFFIX}`));
  }
  const temp = `${indexFile}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(index, null, 2)}\n`);
  fs.renameSync(temp, indexFile);
  return sha256;
}

/**
 * Deletes a rewritten model and its data file, as far as it can: another
 * process may have them open (Windows refuses to delete a mapped file), and
 * a leftover only costs disk space.
 */
export function removeRewrite(file: string): void {
  for (const f of [file, `${file}${DATA_SUFFIX}`]) {
    try {
      fs.rmSync(f, { force: true });
    } catch {
      // Left for a later clean-up.
    }
  }
}

/** The metadata of `file` when it is a finished rewrite, by this version of the rewrite, of the model with this hash. */
function rewriteProps(file: string, sha256: string): Map<string, string> | undefined {
  if (!fs.existsSync(file)) return undefined;
  let reader: FileReader | undefined;
  try {
    reader = new FileReader(file);
    const props = new Map<string, string>();
    for (const f of scanFields(reader, 0, reader.size)) {
      if (f.field !== 14 || f.wire !== 2) continue;
      const entry = onnx.StringStringEntryProto.decode(reader.bytes(f.valueStart, f.end));
      props.set(entry.key, entry.value);
    }
    if (props.get(TAG_KEY) !== REWRITE_TAG || props.get(SOURCE_KEY) !== sha256) return undefined;
    return fs.statSync(`${file}${DATA_SUFFIX}`).size === Number(props.get(DATA_BYTES_KEY)) ? props : undefined;
  } catch {
    return undefined;
  } finally {
    reader?.close();
  }
}
