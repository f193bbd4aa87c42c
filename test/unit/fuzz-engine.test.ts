// Property tests of the whole engine (client, worker, window, model, ranking)
// on the tiny planted model: random Unicode text with random mask spans. The
// window's own mapping is fuzzed in mask-window.test.ts; this checks what a
// caller relies on — the answer's ranges — through the real worker.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { useTinyEngine } from '../helpers/tiny-model';
import type { MaskResult, Span } from '../../src/engine/types';

const RUNS = 300;

/** A piece of a document: context, or a span to predict (a typed mask or a word to replace). */
type Piece = { mask: boolean; text: string };

const context = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('the', 'cat', 'drinks', 'milk', ' ', ' ', '.', '\n', '\r\n', '\n\n') },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
    // Lone surrogates, NUL, combining marks, ZWJ, RTL, CJK, a literal mask.
    { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udc00', '\0', '\u0301', '\u200d', 'שלום', '中', '[MASK]', '😀') },
  ),
  maxLength: 12,
});
const maskPiece = fc.oneof(
  { weight: 3, arbitrary: fc.constant('[MASK]') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) },
);
/** Context, then 1–3 times (span, context). */
const documents = fc
  .tuple(context, fc.array(fc.tuple(maskPiece, context), { minLength: 1, maxLength: 3 }))
  .map(([head, rest]): Piece[] => [{ mask: false, text: head }, ...rest.flatMap(([m, c]) => [{ mask: true, text: m }, { mask: false, text: c }])]);

function layout(pieces: Piece[]): { text: string; masks: Span[] } {
  let text = '';
  const masks: Span[] = [];
  for (const piece of pieces) {
    if (piece.mask) masks.push({ start: text.length, end: text.length + piece.text.length });
    text += piece.text;
  }
  return { text, masks };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
/** True when offset `at` falls between the two halves of a surrogate pair. */
const splitsPair = (text: string, at: number) => at > 0 && at < text.length && isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at));

describe('engine fuzzing: random Unicode text and mask spans through the worker', () => {
  const tiny = useTinyEngine({ load: true });

  test(`${RUNS} random documents: ranges inside the text, spans as requested, replacing changes only the span`, async () => {
    const started = Date.now();
    let answered = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(documents, fc.constantFrom<'words' | 'none'>('words', 'none'), fc.integer({ min: 1, max: 10 }), async (pieces, filter, topK) => {
        const { text, masks } = layout(pieces);
        // Spans are built from whole pieces, but a lone high surrogate at the end of one piece
        // and a lone low one at the start of the next form a pair: a span may then split it.
        const splits = masks.some((m) => splitsPair(text, m.start) || splitsPair(text, m.end));
        let results: MaskResult[];
        try {
          results = await tiny.engine.fill({ text, masks, filter, topK });
        } catch (error) {
          assert.ok(splits, `rejected ${JSON.stringify(text)} ${JSON.stringify(masks)}: ${(error as Error).message}`);
          assert.ok(error instanceof RangeError && /surrogate/.test(error.message), String(error));
          rejected++;
          return;
        }
        assert.ok(!splits, `accepted a span splitting a surrogate pair in ${JSON.stringify(text)}`);
        answered++;
        assert.equal(results.length, masks.length);
        results.forEach((result, i) => {
          assert.deepEqual(result.span, masks[i]);
          assert.ok(result.span.start >= 0 && result.span.start < result.span.end && result.span.end <= text.length);
          assert.equal(result.text, text.slice(result.span.start, result.span.end));
          assert.equal(result.isMaskToken, result.text === '[MASK]');
          assert.ok(result.suggestions.length >= 1 && result.suggestions.length <= topK);
          for (const s of result.suggestions) {
            assert.ok(s.word.length > 0, 'an empty word');
            if (filter === 'words') assert.doesNotMatch(s.word, /\s/, `a word with whitespace: ${JSON.stringify(s.word)}`);
          }
        });
        // Apply the top word of every span, last first so earlier offsets stay valid: the
        // context pieces must come through untouched, in order.
        let applied = text;
        for (const result of [...results].sort((a, b) => b.span.start - a.span.start)) {
          applied = applied.slice(0, result.span.start) + result.suggestions[0].word + applied.slice(result.span.end);
        }
        let expected = '';
        let k = 0;
        for (const piece of pieces) expected += piece.mask ? results[k++].suggestions[0].word : piece.text;
        assert.equal(applied, expected);
      }),
      { numRuns: RUNS },
    );
    const elapsed = Date.now() - started;
    console.log(`${RUNS} runs in ${elapsed} ms: ${answered} answered, ${rejected} rejected (span splitting a surrogate pair)`);
    assert.ok(elapsed < 60_000, `${elapsed} ms`);
    assert.ok(answered > RUNS / 2);
  });

  test(`${RUNS} arbitrary spans, valid or not: an answer for exactly valid spans, a TypeError/RangeError for the rest`, async () => {
    const started = Date.now();
    let answered = 0;
    const span = (length: number) =>
      fc.oneof(
        { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 0, max: length }), fc.integer({ min: 1, max: 8 })) },
        { weight: 1, arbitrary: fc.tuple(fc.integer({ min: -2, max: length + 2 }), fc.integer({ min: -1, max: 2 })) },
      ).map(([start, width]) => ({ start, end: start + width }));
    const spans = (length: number) => fc.array(span(length), { minLength: 0, maxLength: 2 });
    const isValid = (text: string, masks: Span[]) => {
      if (masks.length === 0) return false;
      // An empty span is a blank inserted there; two blanks at one offset overlap.
      const sorted = [...masks].sort((a, b) => a.start - b.start || a.end - b.end);
      return sorted.every(
        (m, i) =>
          m.start >= 0 && m.start <= m.end && m.end <= text.length &&
          !splitsPair(text, m.start) && !splitsPair(text, m.end) &&
          (i === 0 || (sorted[i - 1].end <= m.start && !(sorted[i - 1].start === sorted[i - 1].end && m.start === m.end && m.start === sorted[i - 1].start))),
      );
    };
    await fc.assert(
      fc.asyncProperty(
        context.chain((text) => fc.tuple(fc.constant(text), spans(text.length))),
        async ([text, masks]) => {
          const valid = isValid(text, masks);
          let results: MaskResult[];
          try {
            results = await tiny.engine.fill({ text, masks, filter: 'words' });
          } catch (error) {
            assert.ok(!valid, `rejected valid spans ${JSON.stringify(masks)} in ${JSON.stringify(text)}: ${String(error)}`);
            assert.ok(error instanceof TypeError || error instanceof RangeError, `${JSON.stringify(text)} ${JSON.stringify(masks)}: ${String(error)}`);
            return;
          }
          assert.ok(valid, `answered invalid spans ${JSON.stringify(masks)} in ${JSON.stringify(text)}`);
          answered++;
          assert.deepEqual(results.map((r) => r.span), masks);
          for (const r of results) assert.equal(r.text, text.slice(r.span.start, r.span.end));
        },
      ),
      { numRuns: RUNS },
    );
    const elapsed = Date.now() - started;
    console.log(`${RUNS} runs of arbitrary spans in ${elapsed} ms: ${answered} answered, the rest rejected as malformed`);
    assert.ok(elapsed < 60_000, `${elapsed} ms`);
    assert.ok(answered >= RUNS / 20, `only ${answered} answered`);
  });
});
