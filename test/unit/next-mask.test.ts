import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextMask } from '../../src/text/next-mask';

const md = { maskToken: '[MASK]', markdown: true };
const at = (text: string, from: number, options = md) => {
  const span = nextMask(text, from, options);
  return span && text.slice(0, span.start).length;
};

test('moves on to the next mask of the paragraph', () => {
  const text = 'the sky is blue . the grass is [MASK] .';
  assert.equal(at(text, 16), text.indexOf('[MASK]'));
});

test('never goes back past the text the writer is on', () => {
  // The tour's case: the only other mask is on the line above.
  const text = 'Put a [MASK] where a word should go:\nthe cat drinks milk .';
  assert.equal(at(text, text.indexOf('milk') + 4), undefined);
});

test('skips a mask inside a Markdown code span or a fenced block', () => {
  const text = 'Write `[MASK]` here, then [MASK] there.';
  assert.equal(at(text, 0), text.lastIndexOf('[MASK]'));
  const fenced = 'a word\n```\n[MASK]\n```';
  assert.equal(at(fenced, 0), undefined);
  // Outside Markdown, backticks are just characters.
  assert.equal(at('Write `[MASK]` here.', 0, { maskToken: '[MASK]', markdown: false }), 7);
});

test('stops at the end of the paragraph', () => {
  const text = 'the sky is blue .\n\nthe grass is [MASK] .';
  assert.equal(at(text, 0), undefined);
  assert.equal(at('one [MASK]\n  \ntwo [MASK]', 0), 4);
});

test('rejects an offset outside the text and an empty mask token', () => {
  assert.throws(() => nextMask('abc', 4, md), RangeError);
  assert.throws(() => nextMask('abc', -1, md), RangeError);
  assert.throws(() => nextMask('abc', 0, { maskToken: '', markdown: false }), RangeError);
});
