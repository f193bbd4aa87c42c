// A minimal PNG reader and writer (8-bit RGB/RGBA, not interlaced) on node's
// zlib, enough to draw the icon and crop screenshots without an image library.
import * as zlib from 'node:zlib';

/** An image as 8-bit RGBA pixels, row after row. */
export interface Image {
  width: number;
  height: number;
  /** `width * height * 4` bytes: red, green, blue, alpha. */
  data: Uint8Array;
}

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * Encodes an image as PNG. Writes RGB when every pixel is opaque (smaller
 * files for screenshots), RGBA otherwise. Each row uses the filter that
 * makes it smallest by the usual sum-of-absolute-differences estimate.
 */
export function encodePng(image: Image): Buffer {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) {
    throw new RangeError(`Expected ${width * height * 4} bytes of RGBA for ${width}x${height}, got ${data.length}`);
  }
  let opaque = true;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) { opaque = false; break; }
  const channels = opaque ? 3 : 4;
  const stride = width * channels;
  const rows = Buffer.alloc((stride + 1) * height);
  let previous = new Uint8Array(stride);
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) row[x * channels + c] = data[(y * width + x) * 4 + c]!;
    }
    let best = 0;
    let bestScore = Infinity;
    let bestBytes = row;
    for (let filter = 0; filter <= 4; filter++) {
      let score = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? row[i - channels]! : 0;
        const b = previous[i]!;
        const cc = i >= channels ? previous[i - channels]! : 0;
        const v = (row[i]! - predict(filter, a, b, cc)) & 0xff;
        candidate[i] = v;
        score += v < 128 ? v : 256 - v;
      }
      if (score < bestScore) {
        bestScore = score;
        best = filter;
        bestBytes = Uint8Array.from(candidate);
      }
    }
    rows[y * (stride + 1)] = best;
    rows.set(bestBytes, y * (stride + 1) + 1);
    previous = row;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = opaque ? 2 : 6; // colour type: RGB or RGBA
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are). */
export function decodePng(png: Uint8Array): Image {
  const buf = Buffer.from(png);
  if (!buf.subarray(0, 8).equals(signature)) throw new TypeError('Expected a PNG file (bad signature)');
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const body = buf.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      colourType = body[9]!;
      if (body[8] !== 8 || (colourType !== 2 && colourType !== 6) || body[12] !== 0) {
        throw new TypeError(`Expected an 8-bit RGB(A) non-interlaced PNG, got depth ${body[8]}, colour type ${colourType}, interlace ${body[12]}`);
      }
    } else if (type === 'IDAT') {
      idat.push(body);
    }
    at += 12 + length;
  }
  const channels = colourType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const data = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const cc = i >= channels ? previous[i - channels]! : 0;
      row[i] = (line[i]! + predict(filter, a, previous[i]!, cc)) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 4 + c] = row[x * channels + c]!;
      data[(y * width + x) * 4 + 3] = channels === 4 ? row[x * 4 + 3]! : 255;
    }
    previous = row;
  }
  return { width, height, data };
}

/** The part of `image` from (`x`, `y`), `width` by `height` pixels. */
export function crop(image: Image, x: number, y: number, width: number, height: number): Image {
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > image.width || y + height > image.height) {
    throw new RangeError(`Expected a crop inside ${image.width}x${image.height}, got ${width}x${height} at (${x}, ${y})`);
  }
  const data = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 4;
    data.set(image.data.subarray(from, from + width * 4), row * width * 4);
  }
  return { width, height, data };
}

function predict(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new RangeError(`Expected a PNG row filter from 0 to 4, got ${filter}`);
  }
}
