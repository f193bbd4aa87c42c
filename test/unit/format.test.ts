import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, escapeMarkdown, percent } from '../../src/editor/format';

test('formats probabilities with precision that fits their size', () => {
  assert.equal(percent(0.4234), '42%');
  assert.equal(percent(0.031), '3.1%');
  assert.equal(percent(0.00042), '0.04%');
  assert.equal(percent(0.0000001), '<0.01%');
});

test('draws a bar proportional to the score', () => {
  assert.equal(bar(0), '░░░░░░░░░░');
  assert.equal(bar(0.5), '█████░░░░░');
  assert.equal(bar(1), '██████████');
  assert.equal(bar(2, 4), '████');
});

test('escapes document text so it cannot link, format or inject HTML', () => {
  const hostile = '[click](command:workbench.action.quit) <img src=x onerror=alert(1)> *bold* `code`';
  const escaped = escapeMarkdown(hostile);
  assert.doesNotMatch(escaped, /(?<!\\)[[\]()<>*`]/);
  assert.doesNotMatch(escaped, /(?<!\\):/);
  assert.equal(escaped.replace(/\\(.)/g, '$1'), hostile);
});

test('folds line breaks into spaces', () => {
  assert.equal(escapeMarkdown('a\r\nb\nc'), 'a b c');
});
