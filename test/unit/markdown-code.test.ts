import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blankSpans, markdownCodeSpans, overlapsAny } from '../../src/text/markdown-code';

const text = ['Intro [MASK] text.', '```js', 'const x = "[MASK]";', '```', 'Use `[MASK]` or ``a ` b`` here.', '~~~', 'open fence'].join('\n');

test('finds fenced blocks, inline code and an unclosed fence', () => {
  const { spans, insideFence } = markdownCodeSpans(text);
  const pieces = spans.map((s) => text.slice(s.start, s.end));
  assert.deepEqual(pieces, ['```js\nconst x = "[MASK]";\n```', '`[MASK]`', '``a ` b``', '~~~\nopen fence']);
  assert.equal(insideFence, true);
});

test('a slice that starts inside a fence treats its first lines as code', () => {
  const { spans } = markdownCodeSpans('still code\n```\nprose', true);
  assert.deepEqual(spans, [{ start: 0, end: 14 }]);
});

test('blanking keeps length and line breaks, and removes the code', () => {
  const { spans } = markdownCodeSpans(text);
  const blanked = blankSpans(text, spans);
  assert.equal(blanked.length, text.length);
  assert.equal(blanked.split('\n').length, text.split('\n').length);
  assert.equal(blanked.match(/\[MASK\]/g)?.length, 1);
  assert.ok(blanked.startsWith('Intro [MASK] text.'));
});

test('reports overlap with code spans', () => {
  const { spans } = markdownCodeSpans(text);
  const inCode = text.indexOf('[MASK]', 20);
  assert.equal(overlapsAny({ start: inCode, end: inCode + 6 }, spans), true);
  assert.equal(overlapsAny({ start: 6, end: 12 }, spans), false);
});
