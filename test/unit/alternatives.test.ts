import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/engine/types';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { countForwardPasses, testGraphCache, useTinyEngine } from '../helpers/tiny-model';

/** The planted model with a synonym and an antonym of `big` (MEANING_VARIANT in test/fixtures/model-gen/planted.ts). */
const MEANING = path.join(__dirname, '../fixtures/models/tiny-meaning');
const text = 'a big car .';
const big = { start: 2, end: 5 };

describe('alternatives that fit the gap, or keep the meaning (planted synonyms and antonyms)', () => {
  let lm: MaskedLm;
  let fillMask: FillMask;
  before(async () => {
    lm = await MaskedLm.load(MEANING, 1, silentLogger, { graphCacheDir: testGraphCache() });
    fillMask = new FillMask(lm, 0);
  });
  after(() => lm.release());

  test('fit: the antonym fits the gap best', async () => {
    const [result] = await fillMask.fill({ text, masks: [big], topK: 5 });
    assert.equal(result.suggestions[0].word, 'small');
    const large = result.suggestions.findIndex((s) => s.word === 'large');
    assert.ok(large === -1 || large > 0);
  });

  test('meaning: the synonym wins, in one forward pass, with whole words too', async () => {
    const counter = countForwardPasses(lm);
    try {
      const [result] = await fillMask.fill({ text, masks: [big], topK: 5, alternatives: 'meaning' });
      assert.equal(counter.passes(), 1);
      const words = result.suggestions.map((s) => s.word);
      assert.equal(words[0], 'large', JSON.stringify(words));
      assert.ok(words.indexOf('small') > 0, JSON.stringify(words));
      assert.ok(!words.includes('big'));
      const [whole] = await fillMask.fill({ text, masks: [big], topK: 5, alternatives: 'meaning', wholeWords: true });
      assert.equal(whole.suggestions[0].word, 'large');
      assert.deepEqual(whole.span, big);
    } finally {
      counter.restore();
    }
  });

  test('a typed mask or a blank has no word to keep: meaning fills it as fit does', async () => {
    const masked = 'a [MASK] car .';
    const [fit] = await fillMask.fill({ text: masked, masks: [{ start: 2, end: 8 }], topK: 3 });
    const [meaning] = await fillMask.fill({ text: masked, masks: [{ start: 2, end: 8 }], topK: 3, alternatives: 'meaning' });
    assert.deepEqual(meaning.suggestions, fit.suggestions);
  });

  test('rejects an unknown value with the offending value', async () => {
    await assert.rejects(fillMask.fill({ text, masks: [big], alternatives: 'synonyms' as never }), { name: 'TypeError', message: /`alternatives` to be 'fit' or 'meaning', got `synonyms`/ });
  });
});

describe('alternatives through the worker', () => {
  const tiny = useTinyEngine({ modelDir: MEANING });

  test('meaning crosses the thread boundary', async () => {
    const [result] = await tiny.engine.fill({ text, masks: [big], topK: 3, alternatives: 'meaning' });
    assert.equal(result.suggestions[0].word, 'large');
  });
});
