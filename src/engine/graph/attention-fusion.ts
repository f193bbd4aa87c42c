/**
 * Attention fusion for dynamically quantized BERT exports. Each encoder layer
 * of a Hub export computes self-attention as a dozen small operators:
 *
 *   DynamicQuantizeLinear(x) ─► MatMulInteger(·, Wq) ─► Cast ─► Mul(scale) ─► Add(bias) ─► Reshape ─► Transpose ─┐
 *                            ─► … Wk … ─► Reshape ─► Transpose(0,2,3,1) ─► MatMul(q, kᵀ) ─► Div(√d) ─► Add(mask) ─► Softmax
 *                            ─► … Wv … ─► Reshape ─► Transpose ─────────────────────────────────────────► MatMul(·, v)
 *                                                                                   ─► Transpose ─► Reshape ─► context
 *
 * where the mask is `(1 - Cast(Unsqueeze(attention_mask))) · large negative`.
 * onnxruntime's CPU kernels run that as 4 copies (the Transposes), 3
 * quantized products of 768 columns and 6 element-wise passes per layer.
 * This plan replaces it with one `com.microsoft.QAttention`: the three
 * weight matrices side by side (`[hidden, 3·hidden]`, one product), a scale
 * per column (the three matrices' own, per tensor or per column, so the
 * integers and the scaling are those of the stock graph), the biases side
 * by side, and the raw
 * `attention_mask` as int32. On bert-base at 64 tokens that is about a tenth
 * of the time of a call; the scores match the stock graph's to float
 * rounding (tested against it).
 *
 * The match is by structure, not by names, and all or nothing: when any
 * layer differs from the pattern (float weights, another mask, another
 * scale), nothing is fused and the reason is returned for the log.
 */
import { onnx } from 'onnx-proto';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT8 = onnx.TensorProto.DataType.INT8;
const UINT8 = onnx.TensorProto.DataType.UINT8;
const INT32 = onnx.TensorProto.DataType.INT32;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A small constant's element type, shape and values. */
export interface ConstantValue {
  dataType: number;
  dims: number[];
  values: number[];
}

/** A dense initializer stored as `raw_data`. */
export interface WeightData {
  dataType: number;
  dims: number[];
  /** Reads the raw little-endian bytes. */
  bytes(): Buffer;
}

/** What the planner reads of a graph. */
export interface GraphView {
  readonly nodes: readonly onnx.NodeProto[];
  /** The version of the standard operator set the model imports (it sets Softmax's default axis). */
  readonly opset: number | undefined;
  readonly inputs: ReadonlyMap<string, onnx.ValueInfoProto>;
  /** Values that must stay computed: the graph's outputs and any the caller will expose. */
  readonly kept: ReadonlySet<string>;
  /** The initializer names. */
  readonly initializers: ReadonlySet<string>;
  /** The values of a small constant (an initializer or a `Constant` node), undefined otherwise. */
  constant(name: string): ConstantValue | undefined;
  /** A dense `raw_data` initializer, undefined otherwise. */
  weight(name: string): WeightData | undefined;
}

/** A new initializer, bytes in hand. */
export interface NewInitializer {
  name: string;
  dataType: number;
  dims: number[];
  data: Buffer;
}

export interface AttentionFusionPlan {
  /** How many layers were fused. */
  layers: number;
  /** Nodes to leave out: the fused ones, and those whose outputs nothing reads any more. */
  removed: Set<onnx.NodeProto>;
  /** The fused nodes, each written where the node it replaces (the context's Reshape) was. */
  replacements: Map<onnx.NodeProto, onnx.NodeProto>;
  /** Nodes to write before all others (the mask's Cast to int32). */
  prelude: onnx.NodeProto[];
  /** The packed weights, biases, scales and zero points. */
  initializers: NewInitializer[];
  /** Initializers that only removed nodes read. */
  unusedInitializers: Set<string>;
}

/** Why the attention was left as it is. */
export class AttentionNotFused extends Error {}

interface Producer {
  node: onnx.NodeProto;
  index: number;
}

/** One projection: `Add(bias, Mul(Cast(MatMulInteger(xq, W, xzp, wzp)), Mul(xscale, wscale)))`. */
interface Projection {
  nodes: onnx.NodeProto[];
  quantizer: onnx.NodeProto;
  weight: WeightData;
  /** One scale for the matrix, or one per column. */
  weightScales: number[];
  /** One zero point for the matrix, or one per column. */
  weightZeroPoints: number[];
  bias: number[];
}

interface LayerMatch {
  removed: onnx.NodeProto[];
  context: onnx.NodeProto;
  heads: number;
  projections: [Projection, Projection, Projection];
}

/**
 * Plans the fusion of every self-attention block of `view`.
 * @param fresh - gives a value or node name not yet used in the graph.
 * @throws {AttentionNotFused} with the reason when any layer is not the pattern above.
 */
export function planAttentionFusion(view: GraphView, fresh: (base: string) => string): AttentionFusionPlan {
  const m = new Matcher(view);
  const softmaxes = view.nodes.filter((node) => node.opType === 'Softmax' && isDefaultDomain(node));
  if (softmaxes.length === 0) throw new AttentionNotFused('no Softmax in the graph');
  const maskInput = view.inputs.get('attention_mask');
  const maskType = maskInput?.type?.tensorType?.elemType;
  if (maskType !== INT64 && maskType !== INT32) throw new AttentionNotFused('no int64 or int32 `attention_mask` input');
  const layers = softmaxes.map((softmax) => m.layer(softmax));

  const maskInt32 = maskType === INT32 ? 'attention_mask' : fresh('attention_mask_int32');
  const prelude =
    maskType === INT32
      ? []
      : [onnx.NodeProto.create({ name: fresh('/cloze/attention/mask/Cast'), opType: 'Cast', input: ['attention_mask'], output: [maskInt32], attribute: [intAttribute('to', INT32)] })];
  const removed = new Set<onnx.NodeProto>();
  const replacements = new Map<onnx.NodeProto, onnx.NodeProto>();
  const initializers: NewInitializer[] = [];
  layers.forEach((layer, i) => {
    for (const node of layer.removed) removed.add(node);
    const packed = packProjections(layer.projections);
    const name = (what: string) => fresh(`/cloze/attention/layer.${i}/${what}`);
    const names = { weight: name('qkv_weight'), bias: name('qkv_bias'), scale: name('qkv_weight_scale'), zeroPoint: name('qkv_weight_zero_point') };
    initializers.push(
      { name: names.weight, dataType: packed.weightType, dims: packed.weightDims, data: packed.weight },
      { name: names.bias, dataType: FLOAT, dims: [packed.width], data: packed.bias },
      { name: names.scale, dataType: FLOAT, dims: [packed.width], data: packed.scale },
      { name: names.zeroPoint, dataType: packed.weightType, dims: packed.zeroPoint.length === 1 ? [] : [packed.width], data: packed.zeroPoint },
    );
    const [xq, , xzp] = layer.projections[0].quantizer.output;
    const xScale = layer.projections[0].quantizer.output[1];
    replacements.set(
      layer.context,
      onnx.NodeProto.create({
        name: name('QAttention'),
        opType: 'QAttention',
        domain: 'com.microsoft',
        input: [xq, names.weight, names.bias, xScale, names.scale, maskInt32, xzp, names.zeroPoint],
        output: [layer.context.output[0]],
        attribute: [intAttribute('num_heads', layer.heads)],
      }),
    );
  });

  // Whatever only fed the fused nodes (the mask's arithmetic, shape computations) goes too.
  const reads = (node: onnx.NodeProto) => (replacements.get(node) ?? node).input;
  for (let changed = true; changed; ) {
    changed = false;
    const read = new Set<string>(view.kept);
    for (const node of view.nodes) {
      if (removed.has(node) && !replacements.has(node)) continue;
      for (const name of reads(node)) read.add(name);
    }
    for (const node of view.nodes) {
      if (!removed.has(node) && !node.output.some((o) => read.has(o))) {
        removed.add(node);
        changed = true;
      }
    }
  }
  const written = [...prelude, ...view.nodes.filter((n) => !removed.has(n)), ...replacements.values()];
  const available = new Set<string>([...view.inputs.keys(), ...view.initializers, ...initializers.map((i) => i.name), '']);
  for (const node of written) for (const name of node.output) available.add(name);
  for (const node of written) {
    const lost = node.input.find((name) => !available.has(name));
    if (lost !== undefined) throw new AttentionNotFused(`${describe(node)} would read \`${lost}\`, which the fused attention no longer computes`);
  }
  const lostOutput = [...view.kept].find((name) => !available.has(name) && !view.inputs.has(name));
  if (lostOutput !== undefined) throw new AttentionNotFused(`\`${lostOutput}\` would no longer be computed`);
  const stillRead = new Set<string>(view.kept);
  for (const node of written) {
    for (const name of node.input) stillRead.add(name);
  }
  const unusedInitializers = new Set<string>();
  for (const node of removed) {
    for (const name of node.input) if (view.initializers.has(name) && !stillRead.has(name)) unusedInitializers.add(name);
  }
  return { layers: layers.length, removed, replacements, prelude, initializers, unusedInitializers };
}

/**
 * The three projections' weights side by side, with their biases, a scale
 * per column and the zero point: one when the three share it, else one per column.
 */
function packProjections(projections: [Projection, Projection, Projection]) {
  const [rows, columns] = projections[0].weight.dims as [number, number];
  const width = 3 * columns;
  const weightType = projections[0].weight.dataType;
  const weight = Buffer.alloc(rows * width);
  projections.forEach((p, k) => {
    const bytes = p.weight.bytes();
    if (bytes.length !== rows * columns) throw new AttentionNotFused(`a projection weight holds ${bytes.length} bytes, not ${rows}×${columns}`);
    for (let r = 0; r < rows; r++) bytes.copy(weight, r * width + k * columns, r * columns, (r + 1) * columns);
  });
  const bias = Buffer.from(Float32Array.from(projections.flatMap((p) => p.bias)).buffer);
  const perColumn = (values: number[]) => (values.length === 1 ? new Array<number>(columns).fill(values[0]) : values);
  const scale = Buffer.from(Float32Array.from(projections.flatMap((p) => perColumn(p.weightScales))).buffer);
  const zeroPoints = projections.map((p) => p.weightZeroPoints);
  const shared = zeroPoints.every((z) => z.length === 1 && z[0] === zeroPoints[0][0]);
  const zeroPointValues = shared ? zeroPoints[0] : zeroPoints.flatMap(perColumn);
  const zeroPoint = Buffer.from(weightType === INT8 ? Int8Array.from(zeroPointValues).buffer : Uint8Array.from(zeroPointValues).buffer);
  return { weight, weightDims: [rows, width], weightType, width, bias, scale, zeroPoint };
}

class Matcher {
  private readonly producer = new Map<string, Producer>();
  /**
   * The nodes that read each value, `Shape` nodes left out: exports with
   * dynamic axes read the shape of the tensors they reshape, and those reads
   * go with the Reshapes (a read that stays is caught after the sweep).
   */
  private readonly consumers = new Map<string, onnx.NodeProto[]>();

  constructor(private readonly view: GraphView) {
    for (const node of view.nodes) {
      node.output.forEach((name, index) => this.producer.set(name, { node, index }));
      if (node.opType === 'Shape' && isDefaultDomain(node)) continue;
      for (const name of node.input) {
        if (name === '') continue;
        const list = this.consumers.get(name) ?? [];
        list.push(node);
        this.consumers.set(name, list);
      }
    }
  }

  layer(softmax: onnx.NodeProto): LayerMatch {
    const where = `at ${describe(softmax)}`;
    // Without the attribute, Softmax is over the last axis from opset 13 on, and over all axes from 1 on before.
    const axis = attribute(softmax, 'axis');
    const lastAxis = axis === undefined ? (this.view.opset ?? 0) >= 13 : Number(axis.i) === -1 || Number(axis.i) === 3;
    if (!lastAxis) throw new AttentionNotFused(`${where}: Softmax is not over the last axis`);
    const masked = this.made(softmax.input[0], 'Add', where);
    const maskSide = masked.input.findIndex((value) => this.isAttentionMask(value));
    if (maskSide < 0) throw new AttentionNotFused(`${where}: the scores are not masked by \`attention_mask\``);
    const scaled = this.made(masked.input[1 - maskSide], undefined, where);
    if (scaled.opType !== 'Div' && scaled.opType !== 'Mul') throw new AttentionNotFused(`${where}: the scores are scaled by ${describe(scaled)}`);
    const scaling = this.scalarOperand(scaled, where);
    const factor = scaled.opType === 'Div' ? 1 / scaling.value : scaling.value;
    const scores = this.made(scaling.other, 'MatMul', where);

    const [query, keyT] = scores.input as [string, string];
    const context = this.onlyConsumer(softmax.output[0], 'MatMul', where);
    if (context.input[0] !== softmax.output[0]) throw new AttentionNotFused(`${where}: the probabilities are not the left operand of ${describe(context)}`);
    const q = this.heads(query, [0, 2, 1, 3], where);
    const k = this.keyHeads(keyT, where);
    const v = this.heads(context.input[1], [0, 2, 1, 3], where);
    if (q.heads !== k.heads || q.heads !== v.heads || q.size !== k.size || q.size !== v.size) {
      throw new AttentionNotFused(`${where}: query, key and value are split into different heads`);
    }
    if (Math.abs(factor * Math.sqrt(q.size) - 1) > 1e-6) {
      throw new AttentionNotFused(`${where}: the scores are scaled by ${factor}, not 1/√${q.size}`);
    }
    const merged = this.onlyConsumer(context.output[0], 'Transpose', where);
    if (!samePerm(merged, [0, 2, 1, 3])) throw new AttentionNotFused(`${where}: the context is transposed by ${describe(merged)}`);
    const flat = this.onlyConsumer(merged.output[0], 'Reshape', where);
    const flatShape = this.shapeTail(flat.input[1], 1, where);
    if (flatShape[0] !== q.heads * q.size && flatShape[0] !== -1) throw new AttentionNotFused(`${where}: the context is reshaped to ${flatShape[0]} columns`);

    const projections = [q, k, v].map((part) => this.projection(part.input, q.heads * q.size, where)) as [Projection, Projection, Projection];
    const [first, ...others] = projections;
    for (const other of others) {
      if (other.quantizer !== first.quantizer) throw new AttentionNotFused(`${where}: query, key and value do not share one DynamicQuantizeLinear`);
      if (other.weight.dataType !== first.weight.dataType) throw new AttentionNotFused(`${where}: query, key and value weights differ in type`);
    }
    const removed = [masked, scaled, scores, softmax, context, merged, flat, ...q.nodes, ...k.nodes, ...v.nodes, ...projections.flatMap((p) => p.nodes)];
    const inside = new Set(removed);
    for (const node of removed) {
      if (node === flat) continue;
      for (const output of node.output) {
        if (this.view.kept.has(output) || (this.consumers.get(output) ?? []).some((c) => !inside.has(c))) {
          throw new AttentionNotFused(`${where}: \`${output}\` is read outside the attention block`);
        }
      }
    }
    return { removed, context: flat, heads: q.heads, projections };
  }

  /**
   * The keys, transposed for `q·kᵀ`: one Transpose (0,2,3,1), or the two that
   * `transpose_for_scores(k).transpose(-1, -2)` exports to when the exporter
   * does not merge them.
   */
  private keyHeads(value: string, where: string): { input: string; heads: number; size: number; nodes: onnx.NodeProto[] } {
    const last = this.producer.get(value)?.node;
    if (last?.opType === 'Transpose' && samePerm(last, [0, 1, 3, 2]) && this.consumers.get(value)?.length === 1) {
      const split = this.heads(last.input[0], [0, 2, 1, 3], where);
      return { ...split, nodes: [last, ...split.nodes] };
    }
    return this.heads(value, [0, 2, 3, 1], where);
  }

  /** `Transpose(Reshape(input, [·, ·, heads, size]), perm)`. */
  private heads(value: string, perm: number[], where: string): { input: string; heads: number; size: number; nodes: onnx.NodeProto[] } {
    const transpose = this.made(value, 'Transpose', where);
    if (!samePerm(transpose, perm)) throw new AttentionNotFused(`${where}: ${describe(transpose)} is not the permutation ${perm.join(',')}`);
    if (this.consumers.get(value)?.length !== 1) throw new AttentionNotFused(`${where}: \`${value}\` is read by other nodes too`);
    const reshape = this.made(transpose.input[0], 'Reshape', where);
    if (this.consumers.get(transpose.input[0])?.length !== 1) throw new AttentionNotFused(`${where}: \`${transpose.input[0]}\` is read by other nodes too`);
    const [heads, size] = this.shapeTail(reshape.input[1], 2, where) as [number, number];
    if (!(heads > 0 && size > 0)) throw new AttentionNotFused(`${where}: ${describe(reshape)} does not split into heads of a known size`);
    return { input: reshape.input[0], heads, size, nodes: [transpose, reshape] };
  }

  /** `Add(bias, Mul(Cast(MatMulInteger(xq, W, xzp, wzp)), Mul(xscale, wscale)))`, operands either way round. */
  private projection(value: string, width: number, where: string): Projection {
    const add = this.made(value, 'Add', where);
    const biasSide = add.input.findIndex((name) => this.view.constant(name) !== undefined);
    const bias = biasSide < 0 ? undefined : this.view.constant(add.input[biasSide]);
    if (!bias || bias.dataType !== FLOAT || bias.values.length !== width || bias.dims.length !== 1) {
      throw new AttentionNotFused(`${where}: ${describe(add)} does not add a bias of ${width} floats to a projection`);
    }
    if (this.producer.get(add.input[1 - biasSide])?.node.opType === 'MatMul') {
      throw new AttentionNotFused(`${where}: the projections are float MatMuls (only dynamically quantized attention is fused)`);
    }
    const scaled = this.made(add.input[1 - biasSide], 'Mul', where);
    const castSide = scaled.input.findIndex((name) => this.producer.get(name)?.node.opType === 'Cast');
    if (castSide < 0) throw new AttentionNotFused(`${where}: the projection ${describe(scaled)} is not a dynamically quantized MatMul`);
    const cast = this.made(scaled.input[castSide], 'Cast', where);
    if (Number(attribute(cast, 'to')?.i) !== FLOAT) throw new AttentionNotFused(`${where}: ${describe(cast)} does not cast to float`);
    const product = this.made(cast.input[0], 'MatMulInteger', where);
    const scales = this.made(scaled.input[1 - castSide], 'Mul', where);
    const [xq, w, xzp, wzp] = product.input;
    const quantizer = this.producer.get(xq ?? '');
    if (!quantizer || quantizer.node.opType !== 'DynamicQuantizeLinear' || quantizer.index !== 0 || (xzp ?? '') !== quantizer.node.output[2]) {
      throw new AttentionNotFused(`${where}: ${describe(product)} does not read a DynamicQuantizeLinear's output and zero point`);
    }
    const weightScaleSide = scales.input.findIndex((name) => name !== quantizer.node.output[1]);
    if (weightScaleSide < 0 || !scales.input.includes(quantizer.node.output[1])) {
      throw new AttentionNotFused(`${where}: ${describe(scales)} is not the activation scale times the weight scale`);
    }
    const weightScale = this.view.constant(scales.input[weightScaleSide]);
    if (!weightScale || weightScale.dataType !== FLOAT || weightScale.dims.length > 1 || (weightScale.values.length !== 1 && weightScale.values.length !== width)) {
      throw new AttentionNotFused(`${where}: the weight scale of ${describe(product)} is not one float or one per column`);
    }
    const weight = this.view.weight(w ?? '');
    if (!weight || (weight.dataType !== INT8 && weight.dataType !== UINT8) || weight.dims.length !== 2 || weight.dims[1] !== width) {
      throw new AttentionNotFused(`${where}: the weight of ${describe(product)} is not an 8-bit [hidden, ${width}] initializer`);
    }
    const zeroPoint = wzp ? this.view.constant(wzp) : { dataType: weight.dataType, dims: [], values: [0] };
    if (!zeroPoint || zeroPoint.dataType !== weight.dataType || zeroPoint.dims.length > 1 || (zeroPoint.values.length !== 1 && zeroPoint.values.length !== width)) {
      throw new AttentionNotFused(`${where}: the weight zero point of ${describe(product)} is not one value of the weight's type or one per column`);
    }
    return { nodes: [add, scaled, cast, product, scales], quantizer: quantizer.node, weight, weightScales: weightScale.values, weightZeroPoints: zeroPoint.values, bias: bias.values };
  }

  /**
   * Whether `value` is `(1 - Cast(Unsqueeze(attention_mask, [1, 2]))) · c`
   * with `c` at most -10000: 0 where the mask is 1 and far below any score
   * where it is 0, which is what QAttention's raw mask does.
   */
  private isAttentionMask(value: string): boolean {
    const mul = this.producer.get(value)?.node;
    if (!mul || mul.opType !== 'Mul') return false;
    const big = mul.input.map((name) => this.view.constant(name)).find((c) => c?.values.length === 1);
    if (!big || !(big.values[0] <= -10000)) return false;
    const sub = this.producer.get(mul.input.find((name) => this.view.constant(name) === undefined) ?? '')?.node;
    if (!sub || sub.opType !== 'Sub' || this.view.constant(sub.input[0])?.values.join() !== '1') return false;
    const axes: number[] = [];
    let at = sub.input[1];
    for (let steps = 0; steps < 4; steps++) {
      if (at === 'attention_mask') return axes.sort().join() === '1,2';
      const node = this.producer.get(at)?.node;
      if (!node || !isDefaultDomain(node)) return false;
      if (node.opType === 'Unsqueeze') {
        const list = attribute(node, 'axes')?.ints?.map(Number) ?? this.view.constant(node.input[1] ?? '')?.values;
        if (!list) return false;
        axes.push(...list);
      } else if (node.opType !== 'Cast') return false;
      at = node.input[0];
    }
    return false;
  }

  /** The last `count` entries of a Reshape's shape: a constant, or the constant tail of a Concat. */
  private shapeTail(value: string, count: number, where: string): number[] {
    const constant = this.view.constant(value);
    if (constant) return constant.values.slice(-count);
    const concat = this.producer.get(value)?.node;
    if (concat?.opType === 'Concat') {
      // The trailing inputs, whether one constant each or one for several.
      const tail: number[] = [];
      for (let i = concat.input.length - 1; i >= 0 && tail.length < count; i--) {
        const part = this.view.constant(concat.input[i]);
        if (!part) break;
        tail.unshift(...part.values);
      }
      if (tail.length >= count) return tail.slice(-count);
    }
    throw new AttentionNotFused(`${where}: the shape \`${value}\` is not known`);
  }

  private scalarOperand(node: onnx.NodeProto, where: string): { value: number; other: string } {
    // Div(scores, c), or Mul with c on either side.
    const side = node.input.findIndex((name) => this.view.constant(name)?.values.length === 1);
    if (node.input.length !== 2 || side < 0 || (node.opType === 'Div' && side !== 1)) {
      throw new AttentionNotFused(`${where}: ${describe(node)} does not scale by a constant`);
    }
    return { value: (this.view.constant(node.input[side]) as ConstantValue).values[0], other: node.input[1 - side] };
  }

  private made(value: string, opType: string | undefined, where: string): onnx.NodeProto {
    const node = this.producer.get(value)?.node;
    if (!node || !isDefaultDomain(node) || (opType !== undefined && node.opType !== opType)) {
      throw new AttentionNotFused(`${where}: \`${value}\` is made by ${node ? describe(node) : 'no node'}${opType ? `, not ${opType}` : ''}`);
    }
    return node;
  }

  private onlyConsumer(value: string, opType: string, where: string): onnx.NodeProto {
    const readers = this.consumers.get(value) ?? [];
    const node = readers[0];
    if (readers.length !== 1 || node.opType !== opType || !isDefaultDomain(node)) {
      throw new AttentionNotFused(`${where}: \`${value}\` is read by ${readers.map(describe).join(', ') || 'nothing'}, not one ${opType}`);
    }
    return node;
  }
}

function attribute(node: onnx.NodeProto, name: string): onnx.IAttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

function samePerm(node: onnx.NodeProto, perm: number[]): boolean {
  return attribute(node, 'perm')?.ints?.map(Number).join() === perm.join();
}

function intAttribute(name: string, value: number): onnx.AttributeProto {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

/** Whether `node` is a standard ONNX operator (not a `com.microsoft` one, say). */
export function isDefaultDomain(node: onnx.NodeProto): boolean {
  return !node.domain || node.domain === 'ai.onnx';
}

/** `OpType (node name)`, for messages. */
export function describe(node: onnx.NodeProto): string {
  return `${node.opType}${node.name ? ` (${node.name})` : ''}`;
}
