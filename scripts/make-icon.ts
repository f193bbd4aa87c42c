// Draws media/icon.png, the extension's 128x128 icon: three lines of "text"
// on a blue rounded square, the middle one with an amber blank where a word
// goes (a cloze). Deterministic; rerun after changing a colour or a shape.
//
//   npx tsx scripts/make-icon.ts [OUT.png]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodePng, type Image } from './png';

type Rgb = readonly [number, number, number];

interface Shape {
  /** Left, top, right, bottom in pixels; corners rounded by `radius`. */
  box: readonly [number, number, number, number];
  radius: number;
  colour: Rgb;
  opacity?: number;
}

const size = 128;
const background: Rgb = [0x1f, 0x4e, 0x8c];
const ink: Rgb = [0xf4, 0xf7, 0xfb];
const blank: Rgb = [0xf5, 0xb9, 0x42];
const blankInk: Rgb = [0x1f, 0x4e, 0x8c];

export const shapes: readonly Shape[] = [
  { box: [4, 4, 124, 124], radius: 26, colour: background },
  // Line 1
  { box: [24, 30, 104, 40], radius: 5, colour: ink, opacity: 0.9 },
  // Line 2: a word, the blank, a word
  { box: [24, 59, 40, 69], radius: 5, colour: ink, opacity: 0.9 },
  { box: [46, 50, 88, 78], radius: 7, colour: blank },
  { box: [92, 59, 104, 69], radius: 5, colour: ink, opacity: 0.9 },
  // The blank's underline, as on a cloze worksheet
  { box: [54, 68, 80, 72], radius: 2, colour: blankInk },
  // Line 3
  { box: [24, 88, 78, 98], radius: 5, colour: ink, opacity: 0.9 },
];

/** Signed distance from (x, y) to a rounded box: negative inside. */
function distance(x: number, y: number, { box: [l, t, r, b], radius }: Shape): number {
  const cx = (l + r) / 2;
  const cy = (t + b) / 2;
  const qx = Math.abs(x - cx) - ((r - l) / 2 - radius);
  const qy = Math.abs(y - cy) - ((b - t) / 2 - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** Renders the shapes, 4x4 samples a pixel for smooth edges. */
export function drawIcon(): Image {
  const data = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = x + (sx + 0.5) / samples;
          const py = y + (sy + 0.5) / samples;
          // Paint the shapes in order over a transparent pixel.
          let cr = 0;
          let cg = 0;
          let cb = 0;
          let ca = 0;
          for (const shape of shapes) {
            if (distance(px, py, shape) > 0) continue;
            const o = shape.opacity ?? 1;
            cr = shape.colour[0] * o + cr * (1 - o);
            cg = shape.colour[1] * o + cg * (1 - o);
            cb = shape.colour[2] * o + cb * (1 - o);
            ca = o + ca * (1 - o);
          }
          r += cr;
          g += cg;
          b += cb;
          a += ca;
        }
      }
      const n = samples * samples;
      const i = (y * size + x) * 4;
      // Colours are premultiplied above; PNG wants them straight.
      data[i] = a ? Math.round(r / a) : 0;
      data[i + 1] = a ? Math.round(g / a) : 0;
      data[i + 2] = a ? Math.round(b / a) : 0;
      data[i + 3] = Math.round((a / n) * 255);
    }
  }
  return { width: size, height: size, data };
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '../media/icon.png'));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const png = encodePng(drawIcon());
  fs.writeFileSync(out, png);
  console.log(`${path.relative(process.cwd(), out)}: ${size}x${size}, ${png.length} bytes`);
}
