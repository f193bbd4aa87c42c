// Copies the README's pictures from the browser E2E's screenshots
// (test-results/e2e/, 1280x800, written by `npm run test:e2e`) into
// media/screenshots/, cropped to the part that shows the feature.
//
//   npm run test:e2e && npm run readme:screenshots [-- NAME ...]
//
// With names, only those pictures are cropped (after an E2E run of some scenarios).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { screenshotDir } from '../test/e2e/workbench';
import { crop, decodePng, encodePng } from './png';

const outDir = path.resolve(__dirname, '../media/screenshots');

/** Screenshot name -> the region to keep: x, y, width, height in pixels. */
export const crops: Record<string, readonly [number, number, number, number]> = {
  // The editor with the tab, the line and its ghost text.
  'inline-ghost-text': [348, 36, 640, 120],
  // The word and the hover below it.
  'hover-alternatives': [348, 36, 640, 220],
  // The quick pick at the top of the window.
  'suggest-word-quickpick': [340, 0, 604, 190],
  // The marked word and its quick fix.
  'unlikely-word-hints': [348, 36, 640, 205],
  // The word and the hover with words of several pieces.
  'whole-words-hover': [348, 36, 520, 210],
  // The editor after Fill All Masks: the first paragraph filled, the second not.
  'fill-all-masks': [348, 36, 520, 110],
  // The Compare Words list at the top of the window.
  'compare-words': [340, 0, 604, 165],
  // The line with the ghost text in the gap after "the sky is ".
  'gap-fill-ghost-text': [348, 36, 640, 100],
  // The replacement list at the top of the window (its placeholder says what it replaces).
  'replace-word-mid-word': [340, 0, 604, 190],
  // The word "big" and the hover with alternatives that keep its meaning.
  'alternatives-meaning': [348, 36, 520, 215],
  // A trained English model (test/e2e/prose.e2e.ts, run with --model): the gap's ghost text,
  // the hover over a typed mask, the replacements of a word.
  'prose-gap-fill': [348, 36, 640, 170],
  'prose-mask-hover': [348, 36, 640, 250],
  'prose-replace-word': [340, 0, 604, 190],
  // The Explain Suggestions panel beside the editor, with the line it explains.
  'explain-suggestions': [348, 36, 932, 510],
};

function main(names: string[]): void {
  fs.mkdirSync(outDir, { recursive: true });
  const unknown = names.filter((n) => !(n in crops));
  if (unknown.length > 0) throw new Error(`Unknown screenshot ${unknown.join(', ')}; known: ${Object.keys(crops).join(', ')}`);
  for (const [name, [x, y, width, height]] of Object.entries(crops)) {
    if (names.length > 0 && !names.includes(name)) continue;
    const from = path.join(screenshotDir, `${name}.png`);
    if (!fs.existsSync(from)) throw new Error(`${path.relative(process.cwd(), from)} is missing: run \`npm run test:e2e\` first`);
    const png = encodePng(crop(decodePng(fs.readFileSync(from)), x, y, width, height));
    const to = path.join(outDir, `${name}.png`);
    fs.writeFileSync(to, png);
    console.log(`${path.relative(process.cwd(), to)}: ${width}x${height}, ${(png.length / 1024).toFixed(0)} KB`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
