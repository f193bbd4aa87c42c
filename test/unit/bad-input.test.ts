// Bad and extreme input through the real engine (worker, tiny planted model):
// each request either answers with spans inside the text or rejects with a
// TypeError/RangeError, and in bounded time. The editor-side counterparts are
// in test/editor/suite/robustness.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine';
import { MAX_MASKS_PER_REQUEST } from '../../src/engine/posting';
import { TINY, tinyEngine } from '../helpers/tiny-model';
import { findMaskTokens } from '../../src/engine/window/mask-window';
import type { FillRequest, MaskResult, Span } from '../../src/engine/types';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';

/** Proves there was no hang; far above what any of these requests takes. */
const NO_HANG_MS = 10_000;

const masksOf = (text: string) => findMaskTokens(text, '[MASK]');

/** Checks what every answer must satisfy: one result per span, the span itself, its text, words to put there. */
function assertAnswers(request: FillRequest, results: MaskResult[]): void {
  assert.equal(results.length, request.masks.length);
  results.forEach((result, i) => {
    assert.deepEqual(result.span, request.masks[i]);
    assert.equal(result.text, request.text.slice(result.span.start, result.span.end));
    assert.ok(result.suggestions.length > 0, `no suggestion for ${JSON.stringify(result.text)}`);
    for (const s of result.suggestions) {
      assert.ok(s.word.length > 0 && s.score >= 0 && s.score <= 1, JSON.stringify(s));
    }
  });
}

describe('bad and extreme input to the engine', () => {
  let engine: Engine;
  const fill = async (request: FillRequest): Promise<MaskResult[]> => {
    const started = Date.now();
    try {
      return await engine.fill(request);
    } finally {
      assert.ok(Date.now() - started < NO_HANG_MS, `took ${Date.now() - started} ms`);
    }
  };
  before(async () => {
    engine = tinyEngine();
    await engine.load();
  });
  after(() => engine.dispose());

  test('an empty text: TypeError without masks, an answer for a blank (an empty span), RangeError for a span past its end', async () => {
    await assert.rejects(fill({ text: '', masks: [] }), TypeError);
    const [blank] = await fill({ text: '', masks: [{ start: 0, end: 0 }] });
    assert.deepEqual(blank.span, { start: 0, end: 0 });
    assert.equal(blank.isMaskToken, true);
    await assert.rejects(fill({ text: '', masks: [{ start: 0, end: 1 }] }), /lie inside the text \(0\.\.0\)/);
  });

  test('a text that is only [MASK] gets words', async () => {
    const request = { text: '[MASK]', masks: [{ start: 0, end: 6 }], filter: 'words' as const };
    const results = await fill(request);
    assertAnswers(request, results);
    assert.ok(results[0].suggestions.every((s) => /^\p{L}+$/u.test(s.word)), JSON.stringify(results[0].suggestions));
  });

  test('[MASK] at the very start and the very end of the text', async () => {
    const text = '[MASK] cat drinks milk . the cat drinks [MASK]';
    const request = { text, masks: masksOf(text) };
    const results = await fill(request);
    assertAnswers(request, results);
    assert.deepEqual(results.map((r) => r.span), [{ start: 0, end: 6 }, { start: text.length - 6, end: text.length }]);
    assert.equal(results[1].suggestions[0].token_str, 'milk');
  });

  test(`1,000 masks: rejected with a RangeError before anything reaches the worker (at most ${MAX_MASKS_PER_REQUEST} per request)`, async () => {
    const text = '[MASK] '.repeat(1000);
    const posted = engine.stats.posted;
    await assert.rejects(fill({ text, masks: masksOf(text) }), /at most 512 mask spans per request, got 1000/);
    assert.equal(engine.stats.posted, posted);
    // Fewer than the cap but more than one window holds: the worker says so, fast.
    const some = '[MASK] '.repeat(200);
    await assert.rejects(fill({ text: some, masks: masksOf(some) }), RangeError);
    const [result] = await fill({ text: 'the sky is [MASK] .', masks: masksOf('the sky is [MASK] .') });
    assert.equal(result.suggestions[0].token_str, 'blue');
  });

  test('a 50 MB text: the answer comes from a window around the mask, mapped back to the whole text', async () => {
    const filler = 'the quick brown fox jumps over the lazy dog . '.repeat(560_000);
    const text = `${filler}\n\nthe cat drinks [MASK] .\n\n${filler}`;
    assert.ok(text.length > 50_000_000);
    const request = { text, masks: masksOf(text) };
    const results = await fill(request);
    assertAnswers(request, results);
    assert.equal(results[0].suggestions[0].token_str, 'milk');
  });

  test('a single line of 1 MB, mask in the middle and at either end', async () => {
    const half = 'lorem ipsum dolor sit amet '.repeat(20_000);
    const text = `[MASK] ${half}the cat drinks [MASK] . ${half}[MASK]`;
    assert.ok(text.length > 1_000_000 && !text.includes('\n'));
    const masks = masksOf(text);
    for (const mask of masks) {
      const results = await fill({ text, masks: [mask] });
      assertAnswers({ text, masks: [mask] }, results);
    }
    // The model saw a window around the mask, not the line.
    const [middle] = await fill({ text, masks: [masks[1]] });
    assert.match(middle.suggestions[0].sequence, /the cat drinks \w+\./);
    assert.ok(middle.suggestions[0].sequence.length < 2000, `a sequence of ${middle.suggestions[0].sequence.length} characters`);
  });

  test('binary-looking text: NULs, control characters, lone surrogates, U+FFFD', async () => {
    const text = 'the cat\0\0 drinks \u0001\u007f\ud800 [MASK] \udfff\ufffd.\0';
    const request = { text, masks: masksOf(text) };
    assertAnswers(request, await fill(request));
    // A word of lone surrogates and NULs to replace: a span, not a mask token.
    const odd = 'the cat drinks \ud800\0\udc00x .';
    const start = odd.indexOf('\ud800');
    const span = { start, end: start + 4 };
    assertAnswers({ text: odd, masks: [span] }, await fill({ text: odd, masks: [span] }));
  });

  test('a span that splits a surrogate pair is a RangeError', async () => {
    const text = 'the cat drinks 😀 .';
    const at = text.indexOf('😀');
    await assert.rejects(fill({ text, masks: [{ start: at + 1, end: at + 2 }] }), RangeError);
    await assert.rejects(fill({ text, masks: [{ start: at, end: at + 1 }] }), RangeError);
  });

  test('RTL text, combining marks, emoji with ZWJ, CJK and Windows line endings', async () => {
    const samples = [
      'مرحبا بالعالم the cat drinks [MASK] . שלום',
      'cafe\u0301 the cat drinks [MASK] . nai\u0308ve',
      '👨‍👩‍👧‍👦 the cat drinks [MASK] . 🏳️‍🌈',
      '猫は the cat drinks [MASK] . 牛乳を飲む',
      'first line\r\n\r\nthe cat drinks [MASK] .\r\nlast line\r\n',
      '[MASK]👨‍👩‍👧[MASK]中[MASK]\u0301',
    ];
    for (const text of samples) {
      const request = { text, masks: masksOf(text) };
      assertAnswers(request, await fill(request));
    }
    const [crlf] = await fill({ text: samples[4], masks: masksOf(samples[4]) });
    assert.equal(crlf.suggestions[0].token_str, 'milk');
  });

  test('a mask right after a CJK ideograph or an emoji, with no space', async () => {
    for (const text of ['中[MASK]', '😀[MASK]', '[MASK]😀', 'a\u0301[MASK]b\u0301']) {
      const request = { text, masks: masksOf(text) };
      assertAnswers(request, await fill(request));
    }
  });

  test('a word longer than the tokenizer allows is [UNK], in the context or as the word to replace', async () => {
    const tokenizer = WordTokenizer.fromFolder(TINY);
    // WordPiece's max_input_chars_per_word is 100 in this tokenizer.json.
    assert.deepEqual(tokenizer.encodePiece('cat'.repeat(34)), [tokenizer.unkTokenId]);
    const long = 'cat'.repeat(10_000);
    const text = `the cat drinks ${long} [MASK] .`;
    const request = { text, masks: masksOf(text) };
    assertAnswers(request, await fill(request));
    const start = text.indexOf(long);
    const replace: Span = { start, end: start + long.length };
    const [result] = await fill({ text, masks: [replace], filter: 'words' });
    assert.equal(result.original, undefined);
    assert.equal(result.text, long);
    assert.ok(result.suggestions.length > 0);
  });

  test('whitespace-only and punctuation-only texts around a mask', async () => {
    for (const text of ['   [MASK]   ', '\n\n\n[MASK]\n\n\n', '\t[MASK]\t', '...[MASK]!!!', '[MASK][MASK][MASK]']) {
      const request = { text, masks: masksOf(text) };
      assertAnswers(request, await fill(request));
    }
  });

  test('still gives the planted answer after all of the above', async () => {
    const [result] = await fill({ text: 'the cat drinks [MASK] .', masks: masksOf('the cat drinks [MASK] .') });
    assert.equal(result.suggestions[0].token_str, 'milk');
  });
});
