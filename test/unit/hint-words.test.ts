import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkableWords } from '../../src/text/hint-words';
import { paragraphAt, paragraphsOf, sentencesOf } from '../../src/text/words';
import type { Span } from '../../src/engine/types';

const texts = (text: string, spans: Span[]) => spans.map((s) => text.slice(s.start, s.end));

describe('checkableWords', () => {
  test('keeps the words of plain prose, sentence-initial capitals included', () => {
    const text = 'They sold there house. Then we left, didn’t we?';
    assert.deepEqual(texts(text, checkableWords(text)), ['They', 'sold', 'there', 'house', 'Then', 'we', 'left', 'didn’t', 'we']);
  });

  test('skips URLs, e-mail addresses, paths, tags and Markdown link labels and targets', () => {
    const text = 'See https://example.com/their/page and mail bob@example.org or read ./docs/then.md, <br> the [Their Guide](http://x.y/z "then") here.';
    assert.deepEqual(texts(text, checkableWords(text)), ['See', 'and', 'mail', 'or', 'read', 'the', 'here']);
  });

  test('skips names, capitals, identifiers and words joined to digits or code punctuation', () => {
    const text = 'we met Alice at the API desk with v2 and foo_bar in file.ts using --verbose and camelCase then, e.g. x a';
    assert.deepEqual(texts(text, checkableWords(text)), ['we', 'met', 'at', 'the', 'desk', 'with', 'and', 'in', 'using', 'and', 'then']);
  });

  test('treats a list item or heading as a sentence start', () => {
    const text = '# Their plan\n- There is more\n1. Then go';
    assert.deepEqual(texts(text, checkableWords(text)), ['Their', 'plan', 'There', 'is', 'more', 'Then', 'go']);
  });

  test('handles odd Unicode without splitting a character', () => {
    const text = 'naïve café 😀 Straße ﬁne Ｗide';
    for (const w of checkableWords(text)) assert.ok(!/[\uD800-\uDFFF]/.test(text.slice(w.start, w.end)) || /\p{L}/u.test(text.slice(w.start, w.end)));
    assert.deepEqual(texts(text, checkableWords(text)).slice(0, 2), ['naïve', 'café']);
  });
});

describe('paragraphsOf and sentencesOf', () => {
  test('splits paragraphs at blank lines and sentences after end punctuation', () => {
    const text = 'One here. Two "there!" Three\nstill three?\n\n  \nNew para… Last';
    const paragraphs = paragraphsOf(text);
    assert.deepEqual(texts(text, paragraphs), ['One here. Two "there!" Three\nstill three?', 'New para… Last']);
    assert.deepEqual(texts(text, sentencesOf(text, paragraphs[0])), ['One here.', 'Two "there!"', 'Three\nstill three?']);
    assert.deepEqual(texts(text, sentencesOf(text, paragraphs[1])), ['New para…', 'Last']);
  });

  test('cuts before list items and keeps decimals and abbreviations-free text whole', () => {
    const text = 'Steps:\n- first one\n- second one';
    assert.deepEqual(texts(text, sentencesOf(text)), ['Steps:', '- first one', '- second one']);
    assert.deepEqual(texts('Pi is 3.14 today', sentencesOf('Pi is 3.14 today')), ['Pi is 3.14 today']);
  });
});

describe('paragraphAt', () => {
  const text = 'First para line one\nline two.\n\nSecond para here.\n\n';

  test('finds the paragraph that holds the offset, or ends at it', () => {
    const at = (offset: number) => {
      const p = paragraphAt(text, offset);
      return p && text.slice(p.start, p.end);
    };
    assert.equal(at(0), 'First para line one\nline two.');
    assert.equal(at(text.indexOf('two')), 'First para line one\nline two.');
    assert.equal(at(text.indexOf('line two.') + 9), 'First para line one\nline two.');
    assert.equal(at(text.indexOf('here')), 'Second para here.');
    assert.equal(at(text.length), undefined);
    assert.equal(paragraphAt('a\n\n\nb', 2), undefined);
  });

  test('cuts a long paragraph to the length asked for, around the offset, at whitespace', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}`);
    const long = words.join(' ');
    const offset = long.indexOf('w1000');
    const p = paragraphAt(long, offset, 200);
    assert.ok(p);
    assert.ok(p.end - p.start <= 200, `${p.end - p.start} characters`);
    assert.ok(p.start <= offset && offset < p.end);
    const slice = long.slice(p.start, p.end);
    assert.match(slice, /^w\d+( w\d+)*$/, 'whole words only');
    assert.ok(slice.split(' ').length > 30);
    // Near an end, the cut keeps that end.
    const first = paragraphAt(long, 3, 200);
    assert.equal(first?.start, 0);
    const last = paragraphAt(long, long.length, 200);
    assert.equal(last?.end, long.length);
  });

  test('cuts a paragraph without whitespace anywhere', () => {
    const long = 'x'.repeat(10_000);
    const p = paragraphAt(long, 5000, 100);
    assert.deepEqual(p && [p.end - p.start, p.start <= 5000 && 5000 <= p.end], [100, true]);
  });

  test('rejects an offset outside the text and a length below 1', () => {
    assert.throws(() => paragraphAt('abc', 4), RangeError);
    assert.throws(() => paragraphAt('abc', -1), /offset/);
    assert.throws(() => paragraphAt('abc', 0, 0), /maxLength/);
  });
});
