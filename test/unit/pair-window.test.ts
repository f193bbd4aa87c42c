import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildPairWindow } from '../../src/engine/window/pair-window';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { masksOf, TINY, tinyEngine, useTinyModel } from '../helpers/tiny-model';

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
  const tiny = useTinyModel();

  test('the second sentence gets segment id 1: same ids, different scores than one segment', async () => {
    const a = 'the cat drinks milk .';
    const b = 'the dog chases the [MASK] .';
    const { lm, fillMask } = tiny;
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

  test('measured: with the cue in the previous sentence, a pair does not help against one segment', async () => {
    // The editor sends the paragraph as one segment (the previous sentence
    // included); this is the measurement behind that choice.
    const cases: [string, string, string][] = [
      ['the cat is here .', 'it drinks [MASK] .', 'milk'],
      ['we love paris .', 'it is the capital of [MASK] .', 'france'],
      ['look at the sky .', 'it is [MASK] today .', 'blue'],
      ['i like to eat .', 'give me [MASK] .', 'bread'],
      ['we have more .', 'it is more [MASK] you .', 'than'],
    ];
    // Log-probability of the answer as a pair minus as one segment.
    const gain: number[] = [];
    for (const [a, b, answer] of cases) {
      const one = `${a} ${b}`;
      const [single] = await tiny.fillMask.fill({ text: one, masks: masksOf(one), topK: 5 });
      const [pair] = await tiny.fillMask.fill({ text: a, masks: [], pair: { text: b, masks: masksOf(b) }, topK: 5 });
      assert.equal(single.suggestions[0].token_str, answer, one);
      assert.equal(pair.suggestions[0].token_str, answer, `${a} | ${b}`);
      gain.push(Math.log(pair.suggestions[0].score) - Math.log(single.suggestions[0].score));
    }
    // Measured: the pair lowers the answer's probability in every case (by
    // 0 to 0.9 nats; milk 0.33 -> 0.13, france 0.93 -> 0.46), never raises it.
    assert.ok(gain.every((g) => g <= 1e-6), `pair minus one segment: ${gain.map((g) => g.toFixed(2)).join(', ')}`);
  });

  test('Engine.fill maps pair results, masks only in the second sentence allowed', async () => {
    const engine = tinyEngine();
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
