import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CancelledError } from '../../src/engine/errors';
import type { Span } from '../../src/engine/types';
import { checkWords, MIN_WORD_GAP, roundsFor } from '../../src/engine/worker/word-check';
import { DEFAULT_HINT_THRESHOLDS, type HintThresholds, spelledAlike, unlikelyWord } from '../../src/text/unlikely-word';
import { masksOf, TINY, tinyEngine, useTinyModel } from '../helpers/tiny-model';

/** Every run of letters or digits. */
function wordsOf(text: string): Span[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

const at = (text: string, word: string): Span => {
  const start = text.indexOf(word);
  assert.ok(start >= 0, `${word} in ${text}`);
  return { start, end: start + word.length };
};

describe('checkWords on the planted model', () => {
  const tiny = useTinyModel();

  test('flags the planted confusions there/their and then/than, and proposes the right word', async () => {
    for (const [text, wrong, right] of [
      ['we love there house .', 'there', 'their'],
      ['we have more then you .', 'then', 'than'],
    ]) {
      const { checked } = await checkWords(tiny.lm, { text, words: wordsOf(text) });
      const flagged = checked.flatMap((c) => {
        const alternative = unlikelyWord(c, DEFAULT_HINT_THRESHOLDS);
        return alternative ? [[c.text, alternative.word]] : [];
      });
      assert.deepEqual(flagged, [[wrong, right]], text);
      const check = checked.find((c) => c.text === wrong);
      assert.ok(check && check.score < 0.01, `${wrong} is unlikely: ${check?.score}`);
      assert.deepEqual(check.span, at(text, wrong));
    }
  });

  test('flags nothing in the planted sentences written correctly, runner-ups included', async () => {
    const sentences = ['we love their house .', 'we have more than you .'];
    const answers = JSON.parse(fs.readFileSync(path.join(TINY, 'answers.json'), 'utf8')) as { text: string; top1: string; runnersUp?: string[] }[];
    for (const a of answers) {
      for (const word of [a.top1, ...(a.runnersUp ?? [])]) if (!word.startsWith('##')) sentences.push(a.text.replace('[MASK]', word));
    }
    assert.ok(sentences.length > 20);
    for (const text of sentences) {
      const { checked } = await checkWords(tiny.lm, { text, words: wordsOf(text) });
      for (const c of checked) assert.equal(unlikelyWord(c, DEFAULT_HINT_THRESHOLDS), undefined, `${c.text} in "${text}"`);
    }
  });

  test('with similarOnly off, flags a word the context rules out (coffee for a cat)', async () => {
    const text = 'the cat drinks coffee .';
    const { checked } = await checkWords(tiny.lm, { text, words: [at(text, 'coffee')] });
    const any: HintThresholds = { ...DEFAULT_HINT_THRESHOLDS, similarOnly: false };
    assert.equal(unlikelyWord(checked[0], any)?.word, 'milk');
    assert.equal(unlikelyWord(checked[0], DEFAULT_HINT_THRESHOLDS), undefined);
  });

  test('scores in rounds about as masking each word alone does, and flags the same words', async () => {
    // Measured: the largest drift is about 1 nat, on words the model gives
    // a few per mille either way (the planted model's context is a mean over
    // all tokens, so every extra mask moves it); the median is about 0.2 nats.
    const drifts: number[] = [];
    for (const text of ['we love there house and it is good today .', 'we have more then you and we love it .']) {
      const words = wordsOf(text);
      const together = await checkWords(tiny.lm, { text, words });
      assert.equal(together.checked.length, words.length);
      const flags: string[][] = [[], []];
      for (const c of together.checked) {
        const [alone] = (await checkWords(tiny.lm, { text, words: [c.span] })).checked;
        drifts.push(Math.abs(Math.log(c.score) - Math.log(alone.score)));
        for (const [k, check] of [c, alone].entries()) {
          const alternative = unlikelyWord(check, DEFAULT_HINT_THRESHOLDS);
          if (alternative) flags[k].push(`${check.text}>${alternative.word}`);
        }
      }
      assert.deepEqual(flags[0], flags[1], text);
      assert.equal(flags[0].length, 1, text);
    }
    drifts.sort((a, b) => a - b);
    assert.ok(drifts[drifts.length - 1] < 1.5, `largest drift ${drifts[drifts.length - 1]} nats`);
    assert.ok(drifts[drifts.length >> 1] < 0.4, `median drift ${drifts[drifts.length >> 1]} nats`);
  });

  test('skips words the vocabulary splits into pieces, keeping the request order', async () => {
    const text = 'red sweet strawberries today .';
    const words = wordsOf(text);
    const { checked, skipped } = await checkWords(tiny.lm, { text, words });
    assert.deepEqual(skipped, [at(text, 'strawberries')]);
    assert.deepEqual(checked.map((c) => c.text), ['red', 'sweet', 'today']);
  });

  test('checks words further apart than one window in several windows', async () => {
    const sentence = 'the sky is blue . ';
    const text = sentence.repeat(12);
    const words = wordsOf(text);
    const { checked } = await checkWords(tiny.lm, { text, words, maxTokens: 32 });
    assert.equal(checked.length, words.length);
    const blue = checked.filter((c) => c.text === 'blue');
    assert.equal(blue.length, 12);
    assert.ok(blue.every((c) => c.alternatives.length > 0 && c.score > 0.5), 'blue is expected after the sky every time');
  });

  test('rejects malformed requests with a clear error', async () => {
    await assert.rejects(checkWords(tiny.lm, { text: 'the sky', words: [{ start: 4, end: 99 }] }), /word 0 to be a non-empty span/);
    await assert.rejects(checkWords(tiny.lm, { text: 'the sky', words: [at('the sky', 'sky'), { start: 5, end: 7 }] }), /overlap/);
    await assert.rejects(checkWords(tiny.lm, { text: 'the sky', words: [], topK: 0 }), /topK/);
    const empty = await checkWords(tiny.lm, { text: '', words: [] });
    assert.deepEqual([empty.checked, empty.skipped], [[], []]);
    assert.ok(empty.ms >= 0);
  });
});

describe('roundsFor', () => {
  test('masks about 15 % of the ids per pass, words at least five apart', () => {
    assert.equal(roundsFor(0, 10), 0);
    assert.equal(roundsFor(1, 10), 1);
    assert.equal(roundsFor(3, 10), 3);
    assert.equal(roundsFor(12, 16), 6);
    assert.equal(roundsFor(6, 40), MIN_WORD_GAP);
    assert.equal(roundsFor(40, 55), MIN_WORD_GAP);
    assert.equal(roundsFor(100, 128), 6);
    assert.equal(roundsFor(20, 20), 7);
  });
});

describe('spelledAlike', () => {
  test('pairs the confusions writers make and nothing else', () => {
    for (const [a, b] of [['than', 'then'], ['form', 'from'], ['their', 'there'], ['affect', 'effect'], ['quite', 'quiet'], ['Lose', 'loose'], ['to', 'too']]) {
      assert.ok(spelledAlike(a, b), `${a}/${b}`);
    }
    for (const [a, b] of [['in', 'at'], ['cat', 'dog'], ['the', 'milk'], ['we', 'their'], ['house', 'house'], ['House', 'house'], ['form', 'forum!!']]) {
      assert.ok(!spelledAlike(a, b), `${a}/${b}`);
    }
  });
});

describe('Engine.check', () => {
  test('answers through the worker, with offsets into a huge text', async () => {
    const engine = tinyEngine();
    try {
      const sentence = 'we love there house .';
      const text = `${'x '.repeat(50_000)}\n\n${sentence}`;
      const offset = text.length - sentence.length;
      const words = wordsOf(sentence).map((w) => ({ start: w.start + offset, end: w.end + offset }));
      const { checked } = await engine.check({ text, words });
      const there = checked.find((c) => c.text === 'there');
      assert.deepEqual(there?.span, { start: offset + 8, end: offset + 13 });
      assert.equal(text.slice(there.span.start, there.span.end), 'there');
      assert.equal(unlikelyWord(there, DEFAULT_HINT_THRESHOLDS)?.word, 'their');
    } finally {
      await engine.dispose();
    }
  });

  test('serves a queued suggestion before queued background checks', async () => {
    const engine = tinyEngine();
    try {
      await engine.load();
      const text = 'the sky is blue and the grass is green .';
      const order: string[] = [];
      const background = [0, 1, 2].map((i) =>
        engine.check({ text, words: wordsOf(text) }, { priority: 'background' }).then(() => order.push(`check ${i}`)),
      );
      const fill = engine.fill({ text: 'the sky is [MASK] .', masks: masksOf('the sky is [MASK] .') }).then(() => order.push('fill'));
      await Promise.all([...background, fill]);
      // The first check was posted at once; the fill overtakes the two still queued.
      assert.deepEqual(order, ['check 0', 'fill', 'check 1', 'check 2']);
    } finally {
      await engine.dispose();
    }
  });

  test('rejects an aborted check with a CancelledError', async () => {
    const engine = tinyEngine();
    try {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(engine.check({ text: 'the sky', words: [{ start: 4, end: 7 }] }, { signal: controller.signal }), CancelledError);
    } finally {
      await engine.dispose();
    }
  });
});
