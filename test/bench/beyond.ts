/**
 * Costs of the features beyond one fill-mask pass, in-process (no worker), on a
 * model folder (default: the bert-base-shaped random int8 model that
 * `make-models.ts --bert-base` writes):
 *
 *   npx tsx test/bench/beyond.ts [MODEL_DIR] [--threads N]
 *
 * Prints the median of 7 runs (after 2 warm-ups) of: one plain fill; the same
 * with whole words (maxPieces 3, beam 4); the beam's rows batched into one run
 * against one run per row; three targets (1–3 pieces); a joint fill of two
 * masks; one embedding.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { findMaskTokens } from '../../src/engine/window/mask-window';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { silentLogger } from '../../src/engine/types';

process.env.ORT_DISABLE_TELEMETRY = '1';

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const threadsAt = args.indexOf('--threads');
  const threads = threadsAt >= 0 ? Number(args[threadsAt + 1]) : 2;
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--threads') ?? path.join(__dirname, '../fixtures/models/bert-base-random-int8');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-bench-graphs-'));
  const lm = await MaskedLm.load(dir, threads, silentLogger, { graphCacheDir: cacheDir });
  // Size 0 cache: every fill runs its forward pass.
  const fillMask = new FillMask(lm, 0);
  const text = 'We walked along the river after dinner, talking about the books we had read that [MASK] and the places we still wanted to visit. The evening was warm, the water was slow and quiet, and the town behind us had already turned on its lights one window at a time, so we stayed out far longer than we had planned to.';
  const masks = findMaskTokens(text, '[MASK]');
  const two = text.replace('walked', '[MASK]');
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const ids = lm.tokenizer.encode(text);
  console.log(`${path.basename(dir)} (${lm.graph} graph), ${threads} threads, ${ids.length} tokens`);
  console.log(`plain fill (1 pass)                 ${ms(await median(7, () => fillMask.fill({ text, masks })))}`);
  console.log(`whole words, 3 pieces, beam 4       ${ms(await median(7, () => fillMask.fill({ text, masks, wholeWords: { maxPieces: 3, beam: 4 } })))}`);
  console.log(`whole words, 2 pieces, beam 4       ${ms(await median(7, () => fillMask.fill({ text, masks, wholeWords: { maxPieces: 2, beam: 4 } })))}`);
  console.log(`whole words, 3 pieces, beam 8       ${ms(await median(7, () => fillMask.fill({ text, masks, wholeWords: { maxPieces: 3, beam: 8 } })))}`);
  const position = ids.indexOf(lm.tokenizer.maskTokenId);
  const rows = Array.from({ length: 4 }, (_, b) => ids.map((id, i) => (i === position ? id : i === 1 ? id + b : id)));
  console.log(`4 rows batched in one run           ${ms(await median(7, () => lm.logitsAtBatch(rows, undefined, [position])))}`);
  console.log(`4 rows, one run each                ${ms(await median(7, async () => { for (const r of rows) await lm.logitsAt({ inputIds: r, maskPositions: [position] }); }))}`);
  console.log(`targets (1, 2, 3 pieces)            ${ms(await median(7, () => fillMask.fill({ text, masks, targets: ['summer', 'strawberries', 'unbelievably'] })))}`);
  console.log(`joint fill, 2 masks (2 passes)      ${ms(await median(7, () => fillMask.fill({ text: two, masks: findMaskTokens(two, '[MASK]'), joint: true })))}`);
  console.log(`embed (mean-pooled hidden state)    ${ms(await median(7, () => fillMask.embed(text.replace('[MASK]', 'summer'))))}`);
  await lm.release();
  fs.rmSync(cacheDir, { recursive: true, force: true });
}

void main();
