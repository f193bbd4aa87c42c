import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { englishWords } from '../../src/text/word-list';
import { countForwardPasses, masksOf, useTinyEngine, useTinyModel } from '../helpers/tiny-model';
import { isInflectionOf } from '../../src/engine/decode/whole-words';


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

    test('rows padded at the end to a common length give the same logits as unpadded rows', async () => {
      const tok = tiny.lm.tokenizer;
      const short = tok.encode('red sweet [MASK] [MASK] .');
      const long = tok.encode('red sweet [MASK] [MASK] [MASK] .');
      const padded = [...short, tok.padTokenId ?? 0];
      const [a, b] = await tiny.lm.logitsAtBatch([padded, long], undefined, [3, 4, 5], { lengths: [short.length, long.length] });
      const [alone] = await tiny.lm.logitsAtBatch([short], undefined, [3, 4]);
      const [longAlone] = await tiny.lm.logitsAtBatch([long], undefined, [3, 4, 5]);
      for (let k = 0; k < 2; k++) assert.ok(Math.max(...alone[k].map((v, i) => Math.abs(v - a[k][i]))) < 1e-4, `short row, mask ${k}`);
      for (let k = 0; k < 3; k++) assert.ok(Math.max(...longAlone[k].map((v, i) => Math.abs(v - b[k][i]))) < 1e-4, `long row, mask ${k}`);
      await assert.rejects(tiny.lm.logitsAtBatch([padded], undefined, [3], { lengths: [99] }), /one length from 1 to/);
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

  /** Both pieces masked, one pass: `red sweet [MASK] [MASK] .` read at both masks. */
  async function strawberriesMaskedLogProb(): Promise<number> {
    const tok = tiny.lm.tokenizer;
    const ids = tok.encode('red sweet [MASK] [MASK] .');
    const [first, second] = await tiny.lm.logitsAt({ inputIds: ids, maskPositions: [3, 4] });
    return logSoftmaxAt(first, tok.tokenToId('straw') as number) + logSoftmaxAt(second, tok.tokenToId('##berries') as number);
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
    const expected = Math.exp((await strawberriesMaskedLogProb()) / 2);
    assert.ok(Math.abs(found.score - expected) < 1e-5, `${found.score} vs ${expected}`);
    // Ranked where its score says: after the one-piece `straw` (0.99), before everything else.
    assert.deepEqual(result.suggestions.slice(0, 2).map((s) => [s.word, s.pieces]), [['straw', 1], ['strawberries', 2]]);
    const scores = result.suggestions.map((s) => s.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    // One-piece scores are the plain softmax probabilities.
    const [plain] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 1 });
    assert.equal(result.suggestions[0].score, plain.suggestions[0].score);
  });

  test('never glues pieces onto the replaced word, and never proposes it', async () => {
    // Replacing `straw`: `strawberries` and `straws` would be `straw` grown by a piece.
    const text = 'red sweet straw .';
    const start = text.indexOf('straw');
    const [result] = await tiny.fillMask.fill({ text, masks: [{ start, end: start + 'straw'.length }], topK: 10, wholeWords: { maxPieces: 3, beam: 8 } });
    assert.ok(result.suggestions.length > 0);
    assert.ok(result.suggestions.every((s) => !s.word.toLowerCase().startsWith('straw')), JSON.stringify(result.suggestions.map((s) => s.word)));
  });

  test('never offers a shown word bent (`green` → `greened`), nor two words that start with the same piece', async () => {
    const text = 'the grass is [MASK] .';
    const [result] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 5, wholeWords: true });
    const words = result.suggestions.map((s) => s.word);
    assert.equal(words[0], 'green');
    const single = result.suggestions.filter((s) => s.pieces === 1).map((s) => s.word);
    const multi = result.suggestions.filter((s) => (s.pieces ?? 1) > 1);
    assert.ok(multi.length > 0, JSON.stringify(words));
    for (const s of multi) assert.ok(!single.some((w) => isInflectionOf(s.word, w)), `${s.word} among ${JSON.stringify(words)}`);
    // `i ate some [MASK]`: straw's words (`strawberry`, `straws`, `strawing`) would all rank on the piece `straw`.
    const sweets = 'i ate some [MASK] with cream .';
    const [siblings] = await tiny.fillMask.fill({ text: sweets, masks: masksOf(sweets), topK: 10, wholeWords: true });
    const firsts = siblings.suggestions.filter((s) => (s.pieces ?? 1) > 1).map((s) => s.tokens?.[0]);
    assert.ok(firsts.length > 1, JSON.stringify(siblings.suggestions.map((s) => s.word)));
    assert.equal(new Set(firsts).size, firsts.length, JSON.stringify(siblings.suggestions.map((s) => s.word)));
  });

  test('an inflection is the stem with an English ending; a compound or a word that starts alike is not', () => {
    for (const [word, stem] of [['greened', 'green'], ['greening', 'green'], ['greens', 'green'], ['wetting', 'wet'], ['baking', 'bake'], ['baked', 'bake'], ['carried', 'carry'], ['carries', 'carry'], ['quickly', 'quick']]) {
      assert.ok(isInflectionOf(word, stem), `${word} of ${stem}`);
    }
    for (const [word, stem] of [['greenery', 'green'], ['strawberries', 'straw'], ['green', 'green'], ['bed', 'be'], ['as', 'a'], ['tea', 'green']]) {
      assert.ok(!isInflectionOf(word, stem), `${word} of ${stem}`);
    }
  });

  test('proposes only words of the word list, in one extra batched forward pass', async () => {
    const words = new Set(englishWords().map((w) => w.toLowerCase()));
    const text = 'red sweet [MASK] .';
    await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 10 }); // the plain pass, now cached
    const counter = countForwardPasses(tiny.lm);
    try {
      const [result] = await tiny.fillMask.fill({ text, masks: masksOf(text), topK: 10, wholeWords: { maxPieces: 4, beam: 8 } });
      assert.equal(counter.passes(), 1, 'one batched pass for every piece count');
      assert.ok(result.suggestions.some((s) => (s.pieces ?? 1) > 1), 'multi-piece words are proposed');
      for (const s of result.suggestions) if ((s.pieces ?? 1) > 1) assert.ok(words.has(s.word.toLowerCase()), s.word);
    } finally {
      counter.restore();
    }
  });

  test('over random contexts, every multi-piece suggestion is a word of the list', async () => {
    const words = new Set(englishWords().map((w) => w.toLowerCase()));
    const vocabulary = ['the', 'cat', 'drinks', 'sweet', 'red', 'sky', 'is', 'blue', 'we', 'love', 'house', 'straw', 'milk', 'eat', 'grass', '.', ',', 'and'];
    const sentence = fc.array(fc.constantFrom(...vocabulary), { minLength: 0, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(sentence, sentence, fc.boolean(), async (left, right, replace) => {
        const before = left.join(' ');
        const target = replace ? 'milk' : '[MASK]';
        const text = `${before}${before ? ' ' : ''}${target} ${right.join(' ')}`;
        const start = before.length + (before ? 1 : 0);
        const [result] = await tiny.fillMask.fill({ text, masks: [{ start, end: start + target.length }], topK: 10, wholeWords: { maxPieces: 4, beam: 10 } });
        for (const s of result.suggestions) {
          if ((s.pieces ?? 1) > 1) assert.ok(words.has(s.word.toLowerCase()), `${s.word} in ${JSON.stringify(text)}`);
          if (replace) assert.ok(!s.word.toLowerCase().startsWith('milk'), `${s.word} glued onto milk`);
        }
      }),
      { numRuns: 60, seed: 17 },
    );
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
