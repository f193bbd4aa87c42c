/**
 * Writing the head-at-mask graph: the new GraphProto as pieces (byte ranges
 * copied from the source file, and new messages), with the `Gather` before the
 * decoder, the fused attention (when planned) and the hidden-state output; and
 * the external data file, every large weight at an offset aligned to 64 KiB.
 * Also the read-only view of the graph that the attention fusion matches on.
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import { type AttentionFusionPlan, type ConstantValue, type GraphView, isDefaultDomain, type NewInitializer } from './attention-fusion';
import { field, type FileReader, type GraphParts, type InitializerLayout, type Piece, piecesLength, type RawField, tagAndLength, writeAll } from './onnx-wire';
import { HIDDEN_STATE_OUTPUT, MASK_POSITIONS_INPUT, type RewritePlan } from './rewrite-plan';

/** Weights at least this large go to the external data file; smaller ones stay in the model. */
const EXTERNAL_MIN_BYTES = 16 * 1024;
/** Offsets in the data file: the mapping granularity of Windows (64 KiB), a multiple of every page size. */
const EXTERNAL_ALIGNMENT = 64 * 1024;

/** Gives names that no node, value or initializer of `graph` uses, nor an earlier call. */
export function freshNames(graph: GraphParts): (base: string) => string {
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
export function graphView(reader: FileReader, graph: GraphParts, plan: RewritePlan, opset: number | undefined): GraphView {
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
export function opsetImports(reader: FileReader, top: RawField[]): onnx.OperatorSetIdProto[] {
  return top.filter((f) => f.field === 8 && f.wire === 2).map((f) => onnx.OperatorSetIdProto.decode(reader.bytes(f.valueStart, f.end)));
}

/** The version of the standard operator set the model imports; undefined when it imports none. */
export function defaultOpset(reader: FileReader, top: RawField[]): number | undefined {
  const entry = opsetImports(reader, top).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : undefined;
}

/** The new GraphProto's fields, in the source's order, with the changes of `plan` and `fusion`. */
export function rewriteGraph(graph: GraphParts, plan: RewritePlan, fusion: AttentionFusionPlan | undefined, external: ExternalLayout, fresh: (base: string) => string): Piece[] {
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
export interface ExternalLayout {
  location: string;
  /** Per initializer field: its data's offset in the data file, and its bytes in the source. */
  tensors: Map<RawField, { offset: number; start: number; end: number }>;
  /** The offsets of the new initializers that go to the data file. */
  added: Map<NewInitializer, number>;
  /** The data file's length. */
  size: number;
}

export function externalLayout(graph: GraphParts, location: string, fusion: AttentionFusionPlan | undefined): ExternalLayout {
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

/** Writes the data file that `layout` describes: the source's bytes and the new initializers', zero-padded to their offsets. */
export function writeExternalData(reader: FileReader, layout: ExternalLayout, file: string): void {
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
