import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { markdownProse, sentenceSpans, wordSpans } from '../bench/markdown-prose';

const slices = (text: string, spans: { start: number; end: number }[]): string[] => spans.map((s) => text.slice(s.start, s.end));

describe('markdownProse', () => {
  it('keeps prose paragraphs, each on one line', () => {
    const md = 'The parser reads the whole file\nand returns one tree for every module it finds.\n\nAnother paragraph that is long enough to count as prose here.\n';
    assert.deepEqual(markdownProse(md), [
      'The parser reads the whole file and returns one tree for every module it finds.',
      'Another paragraph that is long enough to count as prose here.',
    ]);
  });

  it('drops fenced code and blanks inline code', () => {
    const md = [
      '```js',
      'const answer = compute(the, whole, thing, for, every, module, here);',
      '```',
      '',
      'Call `compute()` once for every module that the build reads from disk.',
    ].join('\n');
    assert.deepEqual(markdownProse(md), ['Call once for every module that the build reads from disk.']);
  });

  it('drops headings, tables, lists, HTML blocks, rules, link definitions and badge lines', () => {
    const md = [
      '# A heading that has more than eight words in it',
      '',
      'A setext heading that has more than eight words in it',
      '======',
      '',
      '| Option | What it does to the thing you are building |',
      '| --- | --- |',
      '',
      '- a list item that reads like a sentence of prose in a list.',
      '',
      '<p align="center">An HTML block with enough words to look like prose.</p>',
      '',
      '[docs]: https://example.com/a/very/long/path/to/the/documentation/page',
      '',
      '[![npm](https://img.shields.io/npm/v/x.svg)](https://npmjs.com/x) ![ci](https://ci.example/badge.svg)',
      '',
      'This is the only paragraph that should be kept by the extraction.',
    ].join('\n');
    assert.deepEqual(markdownProse(md), ['This is the only paragraph that should be kept by the extraction.']);
  });

  it('keeps link text, drops link targets, images, tags, URLs and emphasis markers', () => {
    const md = 'See [the guide](https://example.com/guide) and ![logo](logo.png) the <b>bold</b> **notes** at https://example.com/notes for every *detail* you need.';
    assert.deepEqual(markdownProse(md), ['See the guide and the bold notes at for every detail you need.']);
  });

  it('drops blocks that do not look like prose: too short, too many non-words, no final punctuation', () => {
    const md = [
      'Too short to count.',
      '',
      'x = 1, y = 2, z = 3, w = 4, v = 5, u = 6, t = 7, s = 8 and so on.',
      '',
      'A long line of words that never ends with any punctuation at all',
    ].join('\n');
    assert.deepEqual(markdownProse(md), []);
    assert.deepEqual(markdownProse('Too short to count but kept now.', { minWords: 3 }), ['Too short to count but kept now.']);
  });

  it('keeps quoted paragraphs without the quote markers', () => {
    assert.deepEqual(markdownProse('> Quoted prose is still prose that a writer\n> may want suggestions for.'), ['Quoted prose is still prose that a writer may want suggestions for.']);
  });

  it('rejects a bad minWords', () => {
    assert.throws(() => markdownProse('text', { minWords: 0 }), RangeError);
  });
});

describe('sentenceSpans', () => {
  it('splits at final punctuation followed by whitespace, as the context window does', () => {
    const p = 'It works. Does it? Yes (mostly.) See e.g. this one!';
    assert.deepEqual(slices(p, sentenceSpans(p)), ['It works.', 'Does it?', 'Yes (mostly.)', 'See e.g.', 'this one!']);
  });

  it('gives one span for a paragraph without a full stop, and none for blank text', () => {
    assert.deepEqual(slices('no stop here  ', sentenceSpans('no stop here  ')), ['no stop here']);
    assert.deepEqual(sentenceSpans('   '), []);
  });

  it('does not split inside a number or a file name', () => {
    const p = 'Version 1.2 reads config.json first. Then it stops.';
    assert.deepEqual(slices(p, sentenceSpans(p)), ['Version 1.2 reads config.json first.', 'Then it stops.']);
  });
});

describe('wordSpans', () => {
  it('finds words without the punctuation around them', () => {
    const t = '"Don\'t" use well-known names (v1.2), ok?';
    assert.deepEqual(slices(t, wordSpans(t)), ["Don't", 'use', 'well-known', 'names', 'v1.2', 'ok']);
  });
});
