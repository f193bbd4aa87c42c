import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FillMask } from '../../src/engine/worker/fill-mask';
import type { MaskedLm } from '../../src/engine/worker/masked-lm';
import { loadTinyLm, TINY } from '../helpers/tiny-model';
import { markdownProse, sentenceSpans, wordSpans } from '../bench/markdown-prose';
import { cueCases, cueText, FILLER, percentile, probeCue } from '../bench/window-study';


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

describe('percentile', () => {
  it('interpolates between the nearest ranks of unsorted values', () => {
    const values = [4, 1, 3, 2];
    assert.equal(percentile(values, 0), 1);
    assert.equal(percentile(values, 1), 4);
    assert.equal(percentile(values, 0.5), 2.5);
    assert.equal(percentile([5, 1, 3], 0.5), 3);
    assert.ok(Math.abs(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) - 91) < 1e-9);
    assert.deepEqual(values, [4, 1, 3, 2], 'leaves its input alone');
  });

  it('gives NaN for no values and rejects a q outside 0..1', () => {
    assert.ok(Number.isNaN(percentile([], 0.5)));
    for (const q of [-0.1, 1.5, Number.NaN]) assert.throws(() => percentile([1], q), RangeError, String(q));
  });
});

describe('cueText', () => {
  it('puts the mask in the middle of filler words and the cue at the distance asked', () => {
    const left = cueText('cat', 'left', 3, 5);
    assert.equal(left.text, 'the of cat to in [MASK] it that was for on .');
    assert.equal(left.text.slice(left.mask.start, left.mask.end), '[MASK]');
    assert.equal(left.text.slice(left.cue!.start, left.cue!.end), 'cat');
    const right = cueText('cat', 'right', 1, 5);
    assert.equal(right.text, 'the of and to in [MASK] cat that was for on .');
  });

  it('gives the control: the same filler, no cue', () => {
    const control = cueText(undefined, 'left', 3, 5);
    assert.equal(control.text, 'the of and to in [MASK] it that was for on .');
    assert.equal(control.cue, undefined);
  });

  it('rejects a distance outside 1..reach', () => {
    for (const d of [0, 6, 1.5]) assert.throws(() => cueText('cat', 'left', d, 5), RangeError, String(d));
  });

  it('uses filler words that are neither cues nor answers of the planted model', () => {
    const planted = new Set(cueCases(TINY).flatMap((c) => [c.cue, c.answer]));
    assert.ok(cueCases(TINY).some((c) => c.cue === 'cat' && c.answer === 'milk'));
    assert.deepEqual(FILLER.filter((w) => planted.has(w)), []);
  });
});

describe('the planted model at a window (mechanism: context outside the window is not seen)', () => {
  let lm: MaskedLm;
  let fillMask: FillMask;
  before(async () => {
    lm = await loadTinyLm();
    fillMask = new FillMask(lm, 0);
  });
  after(() => lm.release());

  // With one-token filler words, a window of W ids has W - 3 context tokens, split around the
  // mask with the left side first: it reaches ceil((W - 3) / 2) words left, floor(...) right.
  for (const [window, reach] of [[16, { left: 7, right: 6 }], [32, { left: 15, right: 14 }]] as const) {
    for (const side of ['left', 'right'] as const) {
      it(`flips top-1 exactly when the cue leaves a ${window}-token window (${side} of the mask)`, async () => {
        const control = await probeCue(lm, fillMask, cueText(undefined, side, 1), window);
        for (let d = 2; d <= reach[side] + 3; d++) {
          const probe = await probeCue(lm, fillMask, cueText('paris', side, d), window);
          assert.equal(probe.cueSeen, d <= reach[side], `cue seen at d = ${d}`);
          assert.equal(probe.top5[0] === 'france', probe.cueSeen, `top-1 at d = ${d}: ${probe.top5.join(', ')}`);
          if (!probe.cueSeen) assert.deepEqual(probe, control, `d = ${d}: a cue outside the window changes nothing`);
        }
      });
    }
  }

  it('clamps a window beyond the model\'s positions as the engine does', async () => {
    const at128 = await probeCue(lm, fillMask, cueText('paris', 'left', 100), 128);
    const at512 = await probeCue(lm, fillMask, cueText('paris', 'left', 100), 512);
    assert.equal(lm.config.maxPositions, 128);
    assert.deepEqual(at512, at128);
    assert.equal(at512.cueSeen, false);
  });
});
