import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { masksOf, useTinyEngine, useTinyModel } from '../helpers/tiny-model';


function logSoftmaxAt(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[id] - max - Math.log(sum);
}

for (const headAtMask of [true, false]) {
  describe(`batched forward passes (${headAtMask ? 'head-at-mask' : 'stock'} graph)`, () => {
    const tiny = useTinyModel({ headAtMask });

    test('a batch of rows gives the same logits as one run per row', async () => {
      const tok = tiny.lm.tokenizer;
      const rows = ['red sweet [MASK] [MASK] .', 'red sweet straw [MASK] .', 'the cat drinks [MASK] [MASK]'].map((t) => tok.encode(t));
      const batched = await tiny.lm.logitsAtBatch(rows, undefined, [3, 4]);
      assert.equal(batched.length, 3);
      for (let b = 0; b < rows.length; b++) {
        const single = await tiny.lm.logitsAt({ inputIds: rows[b], maskPositions: [3, 4] });
        for (let k = 0; k < 2; k++) {
          const diff = Math.max(...single[k].map((v, i) => Math.abs(v - batched[b][k][i])));
          assert.ok(diff < 1e-4, `row ${b}, mask ${k}: max difference ${diff}`);
        }
      }
    });

    test('rejects an empty batch and rows of different lengths', async () => {
      await assert.rejects(tiny.lm.logitsAtBatch([], undefined, [1]), /at least one input row/);
      await assert.rejects(tiny.lm.logitsAtBatch([[2, 4, 3], [2, 4, 4, 3]], undefined, [1]), /hold 3 ids, got one of 4/);
    });
  });
}

describe('whole-word candidates and targets on the planted model', () => {
  const tiny = useTinyModel();

  /** The chain rule by hand: `red sweet [MASK] [MASK] .`, then `red sweet straw [MASK] .`. */
  async function strawberriesLogProb(): Promise<number> {
    const tok = tiny.lm.tokenizer;
    const straw = tok.tokenToId('straw') as number;
    const berries = tok.tokenToId('##berries') as number;
    const ids = tok.encode('red sweet [MASK] [MASK] .');
    const [first] = await tiny.lm.logitsAt({ inputIds: ids, maskPositions: [3] });
    const filled = ids.slice();
    filled[3] = straw;
    const [second] = await tiny.lm.logitsAt({ inputIds: filled, maskPositions: [4] });
    return logSoftmaxAt(first, straw) + logSoftmaxAt(second, berries);
  }

  test('finds the two-piece word `strawberries` for a typed mask, scored by its mean log-probability per piece', async () => {
    const text = 'red sweet [MASK] .';
    const [result] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 5, wholeWords: true });
    const tok = tiny.lm.tokenizer;
    const found = result.suggestions.find((s) => s.word === 'strawberries');
    assert.ok(found, JSON.stringify(result.suggestions.map((s) => s.word)));
    assert.equal(found.pieces, 2);
    assert.deepEqual(found.tokens, [tok.tokenToId('straw'), tok.tokenToId('##berries')]);
    assert.equal(found.token_str, 'strawberries');
    assert.equal(found.sequence, 'red sweet strawberries.');
    const expected = Math.exp((await strawberriesLogProb()) / 2);
    assert.ok(Math.abs(found.score - expected) < 1e-5, `${found.score} vs ${expected}`);
    // Ranked where its score says: after the one-piece `straw` (0.99), before everything else.
    assert.deepEqual(result.suggestions.slice(0, 2).map((s) => [s.word, s.pieces]), [['straw', 1], ['strawberries', 2]]);
    const scores = result.suggestions.map((s) => s.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    // One-piece scores are the plain softmax probabilities.
    const [plain] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 1 });
    assert.equal(result.suggestions[0].score, plain.suggestions[0].score);
  });

  test('ranks a multi-piece word first when its score is highest, and never proposes the replaced word', async () => {
    // Replacing `straw`: the one-piece candidates left are far less likely than `strawberries`.
    const text = 'red sweet straw .';
    const start = text.indexOf('straw');
    const [result] = await tiny.fillMask.fill({ text, masks: [{ start, end: start + 'straw'.length }], topK: 4, wholeWords: { maxPieces: 2, beam: 4 } });
    assert.deepEqual([result.suggestions[0].word, result.suggestions[0].pieces], ['strawberries', 2]);
    assert.ok(result.suggestions.every((s) => s.word !== 'straw' && (s.pieces ?? 0) <= 2));
    assert.ok(result.suggestions.some((s) => s.pieces === 1));
  });

  test('never proposes the same continuation twice in a row (straw ##berries ##berries)', async () => {
    const text = 'red sweet [MASK] .';
    const [result] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 10, wholeWords: { maxPieces: 3, beam: 8 } });
    assert.ok(result.suggestions.some((s) => (s.pieces ?? 1) === 3), 'three-piece words are still proposed');
    for (const s of result.suggestions) {
      const ids = s.tokens ?? [s.token];
      assert.ok(ids.every((id, i) => i === 0 || id !== ids[i - 1]), `${s.word}: ${ids.join(' ')}`);
    }
  });

  test('without the option, suggestions are unchanged and carry no piece count', async () => {
    const text = 'red sweet [MASK] .';
    const [result] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 3 });
    assert.ok(result.suggestions.every((s) => s.pieces === undefined));
    assert.equal(result.suggestions[0].token_str, 'straw');
  });

  test('scores targets; a two-piece target by the chain rule, a one-piece target as the pipeline does', async () => {
    const text = 'red sweet [MASK] .';
    const [result] = await tiny.fillMask.fill({ text, masks: masksOf(text), targets: ['strawberries', 'apple', ' milk '] });
    const [plain] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 2 });
    assert.deepEqual(result.targets?.map((t) => [t.word, t.pieces]), [['strawberries', 2], ['apple', 1], ['milk', 1]]);
    const [berries, apple, milk] = result.targets ?? [];
    assert.ok(Math.abs(berries.logProb - (await strawberriesLogProb())) < 1e-5);
    assert.ok(Math.abs(berries.score - Math.exp(berries.logProb / 2)) < 1e-12);
    assert.ok(Math.abs(apple.score - plain.suggestions[1].score) < 1e-6, `${apple.score} vs ${plain.suggestions[1].score}`);
    assert.ok(milk.score < apple.score);
  });

  test('rejects bad whole-word and target options with the offending value', async () => {
    const text = 'red sweet [MASK] .';
    const masks = masksOf(text);
    await assert.rejects(tiny.fillMask.fill({ text, masks, wholeWords: { maxPieces: 5 } }), /`wholeWords.maxPieces` to be an integer from 2 to 4, got `5`/);
    await assert.rejects(tiny.fillMask.fill({ text, masks, wholeWords: { beam: 0 } }), /`wholeWords.beam` to be an integer from 1 to 16, got `0`/);
    await assert.rejects(tiny.fillMask.fill({ text, masks, targets: [] }), RangeError);
    await assert.rejects(tiny.fillMask.fill({ text, masks, targets: ['  '] }), TypeError);
  });
});

describe('whole words through the worker', () => {
  const tiny = useTinyEngine();

  test('pieces and targets cross the thread boundary', async () => {
    const text = 'red sweet [MASK] .';
    const [result] = await tiny.engine.fill({ text, masks: masksOf(text), topK: 3, wholeWords: true, targets: ['strawberries'] });
    assert.deepEqual(result.suggestions.map((s) => s.pieces), [1, 2, result.suggestions[2].pieces]);
    assert.equal(result.targets?.[0].pieces, 2);
  });
});
