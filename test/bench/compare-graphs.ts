/**
 * The head-at-mask rewrite against the stock graph on a real-sized model:
 * scores and rank order on prose inputs with one to three masks, by the
 * rewrite's contract (fp32: ids equal, scores within 1e-5; int8: scores
 * within 1e-4, ids equal wherever neighbouring scores differ by more).
 *
 *   npx tsx test/bench/compare-graphs.ts [DIR ...]   (default: the bert-base-random fp32 and int8 models)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { silentLogger } from '../../src/engine/types';
import { compareRows } from '../helpers/compare-rows';
import { benchInputs } from './sentences';

const MODELS = path.join(__dirname, '../fixtures/models');

async function compare(dir: string): Promise<void> {
  const int8 = /int8|quantized/.test(dir);
  const tolerance = int8 ? 1e-4 : 1e-5;
  const graphCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-compare-'));
  const stock = await MaskedLm.load(dir, 2, silentLogger, { headAtMask: false });
  const rewritten = await MaskedLm.load(dir, 2, silentLogger, { graphCacheDir });
  try {
    if (rewritten.graph !== 'head-at-mask') throw new Error(`${dir} was not rewritten`);
    let maxScoreDiff = 0;
    let maxLogitDiff = 0;
    let sameTop = 0;
    const mismatches: string[] = [];
    let cases = 0;
    for (const window of [16, 64, 128]) {
      for (const input of benchInputs(stock.tokenizer, window, 10, window)) {
        const inputIds = stock.tokenizer.encode(input.text);
        // One mask from the input, plus up to two more at other words.
        const masks = [...new Set([inputIds.indexOf(stock.tokenizer.maskTokenId), 1, inputIds.length - 2].slice(0, 1 + (cases % 3)))];
        for (const p of masks) inputIds[p] = stock.tokenizer.maskTokenId;
        const expected = await stock.logitsAt({ inputIds, maskPositions: masks });
        const actual = await rewritten.logitsAt({ inputIds, maskPositions: masks });
        const result = compareRows(expected, actual, tolerance);
        maxScoreDiff = Math.max(maxScoreDiff, result.maxScoreDiff);
        maxLogitDiff = Math.max(maxLogitDiff, result.maxLogitDiff);
        if (result.sameTopIds) sameTop++;
        mismatches.push(...result.mismatches);
        cases++;
      }
    }
    const ok = maxScoreDiff <= tolerance && mismatches.length === 0 && (int8 || sameTop === cases);
    console.log(`${path.basename(dir)}: ${cases} inputs (16/64/128 tokens, 1-3 masks): max |score diff| ${maxScoreDiff.toExponential(2)}, `
      + `max |logit diff| ${maxLogitDiff.toExponential(2)}, top-20 ids identical in ${sameTop}/${cases}, `
      + `isolated-rank mismatches ${mismatches.length} -> ${ok ? 'within' : 'OUTSIDE'} the contract (tolerance ${tolerance})`);
    if (!ok) process.exitCode = 1;
  } finally {
    await stock.release();
    await rewritten.release();
    fs.rmSync(graphCacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2);
  for (const dir of dirs.length > 0 ? dirs : ['fp32', 'int8'].map((p) => path.join(MODELS, `bert-base-random-${p}`))) {
    await compare(path.resolve(dir));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
