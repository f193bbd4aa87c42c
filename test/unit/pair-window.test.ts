import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../../src/engine/engine';
import { FillMask } from '../../src/engine/fill-mask';
import { findMaskTokens } from '../../src/engine/mask-window';
import { MaskedLm } from '../../src/engine/masked-lm';
import { buildPairWindow } from '../../src/engine/pair-window';
import { silentLogger } from '../../src/engine/types';
import { WordTokenizer } from '../../src/engine/word-tokenizer';

const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');
const masksOf = (text: string) => findMaskTokens(text, '[MASK]');

describe('buildPairWindow', () => {
  const tokenizer = WordTokenizer.fromFolder(TINY);

  test('builds [CLS] A [SEP] B [SEP] with segment ids 0 then 1, masks in either sentence', () => {
    const a = 'the cat drinks [MASK] .';
    const b = 'the sky is [MASK] .';
    const w = buildPairWindow({ text: a, masks: masksOf(a) }, { text: b, masks: masksOf(b) }, tokenizer);
    const expected = [...tokenizer.encode(a), ...tokenizer.encode(b).slice(1)];
    assert.deepEqual(w.inputIds, expected);
    const firstSep = tokenizer.encode(a).length - 1;
    assert.deepEqual(w.tokenTypeIds, expected.map((_, i) => (i <= firstSep ? 0 : 1)));
    assert.deepEqual(w.maskPositions, [4, firstSep + 4]);
    assert.deepEqual(w.maskSegments, [0, 1]);
    assert.deepEqual(w.spans, [masksOf(a)[0], masksOf(b)[0]]);
    assert.equal(w.text.slice(w.masks[1].textOffset, w.masks[1].textOffset + 6), '[MASK]');
  });

  test('takes a sentence without masks whole, and rejects a pair without masks', () => {
    const b = 'the sky is [MASK] .';
    const w = buildPairWindow({ text: 'the cat drinks milk .', masks: [] }, { text: b, masks: masksOf(b) }, tokenizer);
    assert.deepEqual(w.inputIds.slice(0, 7), tokenizer.encode('the cat drinks milk .'));
    assert.deepEqual(w.maskSegments, [1]);
    assert.throws(() => buildPairWindow({ text: 'a', masks: [] }, { text: 'b', masks: [] }, tokenizer), /at least one mask in the sentence pair/);
  });
});

describe('sentence pairs through the engine', () => {
  let lm: MaskedLm;
  let fillMask: FillMask;
  let cacheDir: string;
  before(async () => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-graphs-'));
    lm = await MaskedLm.load(TINY, 1, silentLogger, { graphCacheDir: cacheDir });
    fillMask = new FillMask(lm, 8);
  });
  after(async () => {
    await lm.release();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  test('the second sentence gets segment id 1: same ids, different scores than one segment', async () => {
    const a = 'the cat drinks milk .';
    const b = 'the dog chases the [MASK] .';
    const [pairResult] = await fillMask.fill({ text: a, masks: [], pair: { text: b, masks: masksOf(b) }, topK: 3 });
    assert.equal(pairResult.segment, 1);
    assert.deepEqual(pairResult.span, masksOf(b)[0]);
    const ids = [...lm.tokenizer.encode(a), ...lm.tokenizer.encode(b).slice(1)];
    const position = ids.lastIndexOf(lm.tokenizer.maskTokenId);
    const types = ids.map((_, i) => (i < lm.tokenizer.encode(a).length ? 0 : 1));
    const [withTypes] = await lm.logitsAt({ inputIds: ids, tokenTypeIds: types, maskPositions: [position] });
    const [allZero] = await lm.logitsAt({ inputIds: ids, maskPositions: [position] });
    const top = pairResult.suggestions[0].token;
    const softmax = (row: Float32Array, id: number) => Math.exp(row[id]) / row.reduce((s, v) => s + Math.exp(v), 0);
    assert.ok(Math.abs(pairResult.suggestions[0].score - softmax(withTypes, top)) < 1e-6);
    assert.ok(Math.abs(softmax(withTypes, top) - softmax(allZero, top)) > 1e-4);
  });

  test('Engine.fill maps pair results, masks only in the second sentence allowed', async () => {
    const engine = new Engine({ modelDir: TINY, threads: 1, graphCacheDir: cacheDir });
    try {
      const b = 'the sky is [MASK] .';
      const results = await engine.fill({ text: 'the grass is wet .', masks: [], pair: { text: b, masks: masksOf(b) }, topK: 2 });
      assert.equal(results.length, 1);
      assert.deepEqual([results[0].segment, results[0].span], [1, masksOf(b)[0]]);
    } finally {
      await engine.dispose();
    }
  });
});
