/**
 * The protobuf wire format over a file, as far as the rewrite needs it:
 * {@link FileReader} reads through a small window, {@link scanFields} lists a
 * message's fields without reading their values, and {@link readGraph}
 * decodes a GraphProto's small messages (nodes, inputs, outputs, value infos)
 * while only locating its initializers, so a 500 MB model costs little
 * memory. {@link writePieces} writes a file from byte ranges of the source and
 * bytes of our own.
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';

/** An initializer's type and shape (its data is never read whole). */
export interface InitializerInfo {
  dims: number[];
  dataType: number;
  external: boolean;
  /** Where the TensorProto lies; undefined for a sparse initializer. */
  field: RawField | undefined;
  /** The `raw_data` bytes, when there are any. */
  rawData: { start: number; end: number } | undefined;
}

/** Where an initializer's parts lie in the file, for moving its `raw_data` out. */
export interface InitializerLayout {
  name: string;
  /** The tensor's fields other than `raw_data`. */
  fields: RawField[];
  /** The `raw_data` bytes, when there are any. */
  rawData: { start: number; end: number } | undefined;
}

/** A GraphProto as the rewrite sees it: every field where it lies, the small messages decoded. */
export interface GraphParts {
  fields: RawField[];
  nodes: { field: RawField; node: onnx.NodeProto }[];
  initializers: Map<string, InitializerInfo>;
  /** The layout of each dense initializer (graph field 5). */
  layouts: Map<RawField, InitializerLayout>;
  inputs: { field: RawField; info: onnx.ValueInfoProto }[];
  outputs: { field: RawField; info: onnx.ValueInfoProto }[];
  valueInfos: { field: RawField; info: onnx.ValueInfoProto }[];
}

/** A field of a message as it lies in the file: `[start, end)` covers tag, length and value. */
export interface RawField {
  field: number;
  wire: number;
  start: number;
  end: number;
  /** Where the value starts (after the tag, and the length for wire type 2). */
  valueStart: number;
}

/** Bytes from the source file, or bytes of our own. */
export type Piece = Buffer | Uint8Array | { start: number; end: number };

/** Positional reads through a small window, so that skipping the weights costs nothing. */
export class FileReader {
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
export function scanFields(reader: FileReader, start: number, end: number): RawField[] {
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
export function readGraph(reader: FileReader, graphField: RawField): GraphParts {
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

/** The tag and length of a length-delimited field (wire type 2), for a value written after it. */
export function tagAndLength(fieldNumber: number, length: number): Buffer {
  return Buffer.concat([varint(fieldNumber * 8 + 2), varint(length)]);
}

/** A length-delimited field, whole. */
export function field(fieldNumber: number, value: Uint8Array): Buffer {
  return Buffer.concat([tagAndLength(fieldNumber, value.length), value]);
}

export function piecesLength(pieces: Piece[]): number {
  return pieces.reduce((sum, p) => sum + ('start' in p ? p.end - p.start : p.length), 0);
}

export function writeAll(fd: number, data: Uint8Array): void {
  for (let offset = 0; offset < data.length; ) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

/** Writes `pieces` to `target`, in order, and syncs it. */
export function writePieces(reader: FileReader, pieces: Piece[], target: string): void {
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
