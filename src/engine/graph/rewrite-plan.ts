/**
 * Recognising the MLM head of a fill-mask graph (see head-at-mask.ts for the
 * pattern): {@link planRewrite} walks back from `logits` to the decoder and
 * says where the `Gather` goes, which values change shape, and where the
 * encoder's last hidden state is; or throws {@link UnrecognizedGraphError}
 * with the reason. Works on the decoded nodes only; no weight is read.
 */
import { onnx } from 'onnx-proto';
import { describe, isDefaultDomain } from './attention-fusion';
import type { GraphParts, InitializerInfo } from './onnx-wire';

/** The name of the input that the rewritten graph takes: int64 `[n]` positions along the sequence. */
export const MASK_POSITIONS_INPUT = 'mask_positions';

/**
 * The extra output of the rewritten graph: the encoder's last hidden state,
 * float `[batch, sequence, hidden]` (the input of the MLM head's transform),
 * for feature extraction. Only computed when it is asked for.
 */
export const HIDDEN_STATE_OUTPUT = 'cloze_last_hidden_state';

/** Why a graph was not rewritten. */
export class UnrecognizedGraphError extends Error {
  override name = 'UnrecognizedGraphError';
}

/** Where the `Gather` goes and what it changes. */
export interface RewritePlan {
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
export function planRewrite(graph: GraphParts): RewritePlan {
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
