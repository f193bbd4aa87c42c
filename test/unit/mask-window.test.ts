import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildWindow, findMaskTokens, tokenSpan, type MaskWindow } from '../../src/engine/window/mask-window';
import { wordAt } from '../../src/text/words';
import type { Span } from '../../src/engine/types';
import type { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { needsRealBert, realBert, smallBert, smallRoberta } from '../helpers/small-tokenizer';

/**
 * Checks that a window maps back to the document exactly: segments tile the context span and
 * the ids, each text segment's document text tokenizes to its ids, each mask is one mask id,
 * the window text is the context with masks replaced, and the window fits `maxTokens`.
 */
function assertMapsBack(doc: string, masks: readonly Span[], window: MaskWindow, tokenizer: WordTokenizer, maxTokens = 128): void {
  const { inputIds, segments, contextSpan } = window;
  assert.ok(inputIds.length <= maxTokens, `window has ${inputIds.length} ids, more than ${maxTokens}`);
  assert.equal(window.tokenTypeIds.length, inputIds.length);
  assert.ok(window.tokenTypeIds.every((t) => t === 0));
  assert.equal(window.attentionMask.length, inputIds.length);
  assert.ok(window.attentionMask.every((m) => m === 1));
  assert.ok(contextSpan.start >= 0 && contextSpan.start <= contextSpan.end && contextSpan.end <= doc.length);

  let at = contextSpan.start;
  let id = 0;
  for (const segment of segments) {
    assert.equal(segment.span.start, at, `segment ${JSON.stringify(segment)} does not start where the last ended`);
    assert.ok(segment.span.end >= segment.span.start);
    assert.equal(segment.start, id);
    const ids = inputIds.slice(segment.start, segment.end);
    if (segment.kind === 'text') {
      assert.deepEqual(ids, tokenizer.encodePiece(doc.slice(segment.span.start, segment.span.end)), `ids of ${JSON.stringify(doc.slice(segment.span.start, segment.span.end))}`);
    } else if (segment.kind === 'mask') {
      assert.deepEqual(ids, [tokenizer.maskTokenId]);
      const mask = masks[segment.mask as number];
      assert.ok(segment.span.start <= mask.start && mask.end <= segment.span.end);
      assert.ok(doc.slice(segment.span.start, mask.start).trim() === '' && doc.slice(mask.end, segment.span.end).trim() === '');
    } else {
      assert.equal(segment.span.start, segment.span.end);
    }
    at = segment.span.end;
    id = segment.end;
  }
  assert.equal(at, contextSpan.end);
  assert.equal(id, inputIds.length);

  assert.equal(window.masks.length, masks.length);
  let expected = '';
  let cursor = contextSpan.start;
  const sorted = masks.map((m, i) => ({ ...m, i })).sort((a, b) => a.start - b.start);
  for (const mask of sorted) {
    const info = window.masks[mask.i];
    assert.deepEqual(info.span, { start: mask.start, end: mask.end });
    assert.deepEqual(window.spans[mask.i], { start: mask.start, end: mask.end });
    assert.equal(info.text, doc.slice(mask.start, mask.end));
    assert.equal(window.maskPositions[mask.i], info.position);
    assert.equal(inputIds[info.position], tokenizer.maskTokenId);
    assert.deepEqual(tokenSpan(window, info.position), { start: mask.start, end: mask.end });
    assert.ok(mask.start >= contextSpan.start && mask.end <= contextSpan.end, 'mask outside the context span');
    expected += doc.slice(cursor, mask.start);
    assert.equal(info.textOffset, expected.length);
    expected += tokenizer.maskToken;
    cursor = mask.end;
  }
  expected += doc.slice(cursor, contextSpan.end);
  assert.equal(window.text, expected);
}

const words = (doc: string, word: string): Span => {
  const start = doc.indexOf(word);
  assert.ok(start >= 0, `no ${word} in ${doc}`);
  return { start, end: start + word.length };
};

const TRICKY_DOCS = [
  'Café naïve — “quoted” (the) [MASK], semi;colons: and... ellipses!',
  '中文字 日本語のテキスト [MASK] 한국어 中文',
  'The 👨‍👩‍👧 family [MASK] 👍🏽 emoji.',
  'tabs\tand [MASK]\r\nCRLF\r\nlines\tend',
  'שלום עולם [MASK] مرحبا بالعالم \u200Fend',
  'e\u0301 combining [MASK] a\u0308 marks',
  'zero\u200Bwidth\uFEFFjoined [MASK]\fform\vfeed',
  "[MASK] at the start, don't well-known U.S.A. 3.14 $5",
  'at the end [MASK]',
  '[MASK]',
];

const TOKENIZERS: [string, () => WordTokenizer | undefined, { skip?: string }][] = [
  ['small BERT', smallBert, {}],
  ['small RoBERTa', smallRoberta, {}],
  ['real bert-base-uncased', realBert, needsRealBert],
];

for (const [name, make, skip] of TOKENIZERS) {
  describe(`buildWindow (${name})`, skip, () => {
    const tokenizer = make() as WordTokenizer;
    const marker = (doc: string): string => doc.replaceAll('[MASK]', tokenizer.maskToken);

    it('maps tricky text back to the document exactly', () => {
      for (const raw of TRICKY_DOCS) {
        const doc = marker(raw);
        const masks = findMaskTokens(doc, tokenizer.maskToken);
        const window = buildWindow(doc, masks, tokenizer);
        assertMapsBack(doc, masks, window, tokenizer);
        assert.deepEqual(window.inputIds, tokenizer.encode(window.text), JSON.stringify(doc));
        assert.ok(window.masks.every((m) => m.isMaskToken));
      }
    });

    it('replaces a word with the mask token, and keeps the ids of the whole window text', () => {
      const doc = 'The capital of France is Paris. It is a big city.';
      const masks = [words(doc, 'Paris')];
      const window = buildWindow(doc, masks, tokenizer);
      assertMapsBack(doc, masks, window, tokenizer);
      assert.equal(window.text, `The capital of France is ${tokenizer.maskToken}. It is a big city.`);
      assert.deepEqual(window.inputIds, tokenizer.encode(window.text));
      assert.equal(window.masks[0].isMaskToken, false);
      assert.equal(window.masks[0].text, 'Paris');
    });

    it('reports every mask, in the order the caller gave them', () => {
      const doc = 'The cat sat on the mat and the dog sat on the cat.';
      const masks = [words(doc, 'dog'), words(doc, 'cat'), words(doc, 'mat')];
      const window = buildWindow(doc, masks, tokenizer);
      assertMapsBack(doc, masks, window, tokenizer);
      assert.equal(window.maskPositions.length, 3);
      assert.ok(window.maskPositions[1] < window.maskPositions[2] && window.maskPositions[2] < window.maskPositions[0]);
      assert.deepEqual(window.inputIds, tokenizer.encode(window.text));
    });

    it('takes the paragraph around the mask, not its neighbours', () => {
      for (const newline of ['\n', '\r\n']) {
        const doc = ['First paragraph here.', 'The cat sat on the [MASK].', 'Last paragraph.'].map(marker).join(`${newline}${newline}`);
        const masks = findMaskTokens(doc, tokenizer.maskToken);
        const window = buildWindow(doc, masks, tokenizer);
        assertMapsBack(doc, masks, window, tokenizer);
        assert.equal(doc.slice(window.contextSpan.start, window.contextSpan.end), marker('The cat sat on the [MASK].'));
      }
    });

    it('handles a mask at the very start and the very end of the document', () => {
      for (const raw of ['[MASK] is a city.', 'Paris is a [MASK]', '[MASK]']) {
        const doc = marker(raw);
        const masks = findMaskTokens(doc, tokenizer.maskToken);
        const window = buildWindow(doc, masks, tokenizer);
        assertMapsBack(doc, masks, window, tokenizer);
        assert.deepEqual(window.contextSpan, { start: 0, end: doc.length });
      }
    });

    it('falls back to the sentences around the mask when the paragraph does not fit', () => {
      const filler = 'The big dog sat on the small red mat in the city of London.';
      const target = marker('It was a very good [MASK] to be home.');
      const doc = [...Array<string>(20).fill(filler), target, ...Array<string>(20).fill(filler)].join(' ');
      const masks = findMaskTokens(doc, tokenizer.maskToken);
      const maxTokens = 48;
      const window = buildWindow(doc, masks, tokenizer, { maxTokens });
      assertMapsBack(doc, masks, window, tokenizer, maxTokens);
      const context = doc.slice(window.contextSpan.start, window.contextSpan.end);
      assert.ok(context.includes(target), context);
      // Whole sentences only: the context starts and ends on a sentence boundary.
      assert.match(context, /^(The|It)\b/);
      assert.match(context, /\.$/);
    });

    it('cuts at word boundaries, balanced around the mask, when a sentence does not fit', () => {
      const left = Array<string>(80).fill('cat').join(' ');
      const right = Array<string>(80).fill('mat').join(' ');
      const doc = marker(`${left} [MASK] ${right}`);
      const masks = findMaskTokens(doc, tokenizer.maskToken);
      const maxTokens = 33;
      const window = buildWindow(doc, masks, tokenizer, { maxTokens });
      assertMapsBack(doc, masks, window, tokenizer, maxTokens);
      const position = window.maskPositions[0];
      const before = position - tokenizer.prefixIds.length;
      const after = window.inputIds.length - tokenizer.suffixIds.length - position - 1;
      assert.ok(Math.abs(before - after) <= 1, `unbalanced: ${before} before, ${after} after`);
      assert.ok(window.inputIds.length >= maxTokens - 1);
      const context = doc.slice(window.contextSpan.start, window.contextSpan.end).trim();
      assert.match(context, /^cat\b/);
      assert.match(context, /\bmat$/);
    });

    it('never exceeds maxTokens and keeps all masks', () => {
      const doc = marker('The [MASK] sat on the mat. '.repeat(30) + 'The cat [MASK] on the [MASK].');
      const all = findMaskTokens(doc, tokenizer.maskToken);
      const masks = all.slice(-2);
      for (const maxTokens of [6, 7, 10, 16, 32, 64, 512]) {
        const window = buildWindow(doc, masks, tokenizer, { maxTokens });
        assertMapsBack(doc, masks, window, tokenizer, maxTokens);
      }
    });

    it('does not tokenize a 1 MB single line', () => {
      const line = 'the cat sat on the mat '.repeat(50_000);
      const doc = `${line}${tokenizer.maskToken} ${line}`;
      const masks = findMaskTokens(doc, tokenizer.maskToken);
      let chars = 0;
      const counting = make() as WordTokenizer;
      const encodePiece = counting.encodePiece.bind(counting);
      counting.encodePiece = (text: string): number[] => {
        chars += text.length;
        return encodePiece(text);
      };
      const started = performance.now();
      const window = buildWindow(doc, masks, counting);
      const ms = performance.now() - started;
      assertMapsBack(doc, masks, window, tokenizer);
      assert.ok(chars < 128 * 12 * 2 + 100, `tokenized ${chars} characters`);
      assert.ok(window.inputIds.length >= 120);
      assert.ok(ms < 1000, `took ${ms} ms`);
    });

    it('fills the window from CJK text without spaces', () => {
      const doc = marker(`${'中文字'.repeat(200)}[MASK]${'日本'.repeat(200)}`);
      const masks = findMaskTokens(doc, tokenizer.maskToken);
      const window = buildWindow(doc, masks, tokenizer, { maxTokens: 64 });
      assertMapsBack(doc, masks, window, tokenizer, 64);
      assert.deepEqual(window.inputIds, tokenizer.encode(window.text));
      if (tokenizer.kind === 'wordpiece') assert.equal(window.inputIds.length, 64);
    });

    it('accepts a typed [MASK] for any model through the maskToken option', () => {
      const doc = 'The capital of France is [MASK].';
      const masks = findMaskTokens(doc, '[MASK]');
      const window = buildWindow(doc, masks, tokenizer, { maskToken: '[MASK]' });
      assertMapsBack(doc, masks, window, tokenizer);
      assert.equal(window.masks[0].isMaskToken, true);
      assert.equal(window.text, `The capital of France is ${tokenizer.maskToken}.`);
    });
  });
}

describe('buildWindow details', () => {
  const tokenizer = smallBert();

  it('flags masks that start a sentence', () => {
    const doc = '[MASK] one. [MASK] two! "[MASK] three" and [MASK]\n\n[MASK] four e.g.[MASK] x';
    const masks = findMaskTokens(doc, '[MASK]');
    const window = buildWindow(doc, masks, tokenizer);
    assert.deepEqual(window.masks.map((m) => m.sentenceStart), [true, true, true, false, true, false]);
  });

  it('maps each id to the word it came from', () => {
    const doc = 'The strawberries are [MASK].';
    const window = buildWindow(doc, findMaskTokens(doc, '[MASK]'), tokenizer);
    const straw = window.inputIds.indexOf(tokenizer.tokenToId('straw') as number);
    assert.deepEqual(tokenSpan(window, straw), { start: 3, end: 16 });
    assert.equal(doc.slice(tokenSpan(window, straw + 1).start, tokenSpan(window, straw + 1).end).trim(), 'strawberries');
    assert.deepEqual(tokenSpan(window, 0), { start: 0, end: 0 });
    assert.deepEqual(tokenSpan(window, window.inputIds.length - 1), { start: doc.length, end: doc.length });
  });

  it('widens a RoBERTa mask segment over the space <mask> strips', () => {
    const roberta = smallRoberta();
    const doc = 'The capital of France is Paris.';
    const window = buildWindow(doc, [words(doc, 'Paris')], roberta);
    const segment = window.segments.find((s) => s.kind === 'mask');
    assert.deepEqual(segment?.span, { start: 24, end: 30 });
    assert.deepEqual(window.spans[0], { start: 25, end: 30 });
  });

  it('rejects a span outside the text', () => {
    assert.throws(() => buildWindow('hello', [{ start: 3, end: 9 }], tokenizer), { name: 'RangeError', message: /\{"start":3,"end":9\}/ });
    assert.throws(() => buildWindow('hello', [{ start: -1, end: 2 }], tokenizer), RangeError);
  });

  it('inserts a blank at an empty span, the text on both sides as it is', () => {
    const doc = 'The weather today is ';
    const window = buildWindow(doc, [{ start: doc.length, end: doc.length }], tokenizer);
    assert.equal(window.text, `The weather today is ${tokenizer.maskToken}`);
    assert.equal(window.masks[0].isMaskToken, true);
    assert.equal(window.masks[0].text, '');
    assert.deepEqual(window.spans, [{ start: doc.length, end: doc.length }]);
    assertMapsBack(doc, [{ start: doc.length, end: doc.length }], window, tokenizer);
    const between = 'a  house';
    const inner = buildWindow(between, [{ start: 2, end: 2 }], tokenizer);
    assert.equal(inner.text, `a ${tokenizer.maskToken} house`);
  });

  it('puts a blank before a word that starts at the same offset, and rejects two blanks at one offset', () => {
    const window = buildWindow('a house', [{ start: 2, end: 7 }, { start: 2, end: 2 }], tokenizer);
    assert.equal(window.text, `a ${tokenizer.maskToken}${tokenizer.maskToken}`);
    assert.throws(() => buildWindow('hello', [{ start: 2, end: 2 }, { start: 2, end: 2 }], tokenizer), { name: 'RangeError', message: /overlap/ });
  });

  it('rejects a span with non-integer offsets', () => {
    assert.throws(() => buildWindow('hello', [{ start: 0.5, end: 2 }], tokenizer), RangeError);
  });

  it('rejects a span that is not an object', () => {
    assert.throws(() => buildWindow('hello', [null as unknown as Span], tokenizer), TypeError);
    assert.throws(() => buildWindow('hello', [{ start: '0', end: 2 } as unknown as Span], tokenizer), TypeError);
  });

  it('rejects overlapping spans', () => {
    assert.throws(() => buildWindow('hello world', [{ start: 0, end: 5 }, { start: 4, end: 8 }], tokenizer), { name: 'RangeError', message: /overlap/ });
  });

  it('rejects a span that splits a surrogate pair', () => {
    assert.throws(() => buildWindow('a 😀 b', [{ start: 3, end: 4 }], tokenizer), { name: 'RangeError', message: /surrogate/ });
  });

  it('rejects a mask span in an empty document', () => {
    assert.throws(() => buildWindow('', [{ start: 0, end: 1 }], tokenizer), RangeError);
  });

  it('rejects a call without masks', () => {
    assert.throws(() => buildWindow('hello', [], tokenizer), { name: 'RangeError', message: /at least one mask/ });
  });

  it('rejects text that is not a string', () => {
    assert.throws(() => buildWindow(42 as unknown as string, [{ start: 0, end: 1 }], tokenizer), TypeError);
  });

  it('rejects a maxTokens that is not an integer', () => {
    assert.throws(() => buildWindow('[MASK]', [{ start: 0, end: 6 }], tokenizer, { maxTokens: 12.5 }), { name: 'RangeError', message: /`12\.5`/ });
  });

  it('rejects a maxTokens too small for the special tokens and masks', () => {
    assert.throws(() => buildWindow('[MASK] [MASK]', [{ start: 0, end: 6 }, { start: 7, end: 13 }], tokenizer, { maxTokens: 3 }), { name: 'RangeError', message: /at least 4/ });
    assert.doesNotThrow(() => buildWindow('[MASK] [MASK]', [{ start: 0, end: 6 }, { start: 7, end: 13 }], tokenizer, { maxTokens: 4 }));
  });

  it('rejects masks further apart than maxTokens allows', () => {
    const doc = `[MASK] ${'cat '.repeat(40)}[MASK]`;
    assert.throws(() => buildWindow(doc, findMaskTokens(doc, '[MASK]'), tokenizer, { maxTokens: 20 }), { name: 'RangeError', message: /within `maxTokens`/ });
  });

  it('rejects an empty maskToken', () => {
    assert.throws(() => buildWindow('hello', [{ start: 0, end: 5 }], tokenizer, { maskToken: '' }), RangeError);
  });
});

describe('findMaskTokens', () => {
  it('lists every typed mask, left to right', () => {
    assert.deepEqual(findMaskTokens('a [MASK] b [MASK][MASK]', '[MASK]'), [
      { start: 2, end: 8 },
      { start: 11, end: 17 },
      { start: 17, end: 23 },
    ]);
  });

  it('matches exactly and case-sensitively', () => {
    assert.deepEqual(findMaskTokens('[mask] <MASK> [MASK', '[MASK]'), []);
    assert.deepEqual(findMaskTokens('', '[MASK]'), []);
    assert.deepEqual(findMaskTokens('x<mask>', '<mask>'), [{ start: 1, end: 7 }]);
  });

  it('rejects an empty mask token', () => {
    assert.throws(() => findMaskTokens('text', ''), RangeError);
  });
});

describe('wordAt', () => {
  const at = (text: string, offset: number): string | undefined => {
    const span = wordAt(text, offset);
    return span === undefined ? undefined : text.slice(span.start, span.end);
  };

  it('finds the word containing or just before the offset', () => {
    assert.equal(at('hello world', 0), 'hello');
    assert.equal(at('hello world', 3), 'hello');
    assert.equal(at('hello world', 5), 'hello');
    assert.equal(at('hello world', 6), 'world');
    assert.equal(at('hello world', 11), 'world');
    assert.equal(at('hello  world', 6), undefined);
    assert.equal(at('', 0), undefined);
    assert.equal(at('a, b', 2), undefined);
  });

  it("keeps apostrophes inside words (don't, it’s) but not around them", () => {
    assert.equal(at("I don't know", 4), "don't");
    assert.equal(at('it’s fine', 1), 'it’s');
    assert.equal(at("'quoted'", 3), 'quoted');
  });

  it('splits at hyphens', () => {
    assert.equal(at('a well-known fact', 3), 'well');
    assert.equal(at('a well-known fact', 9), 'known');
  });

  it('handles accents, combining marks, digits and other scripts', () => {
    assert.equal(at('un café noir', 5), 'café');
    assert.equal(at('e\u0301te\u0301 ici', 1), 'e\u0301te\u0301');
    assert.equal(at('route 66b', 7), '66b');
    assert.equal(at('שלום עולם', 2), 'שלום');
    assert.equal(at('مرحبا بالعالم', 8), 'بالعالم');
    assert.equal(at('𝐀𝐁 x', 2), '𝐀𝐁');
    assert.equal(at('𝐀𝐁 x', 1), '𝐀𝐁');
  });

  it('treats each CJK ideograph as a word', () => {
    assert.equal(at('中文字', 1), '文');
    assert.equal(at('日本語のテキスト', 2), '語');
    assert.equal(at('日本語のテキスト', 3), 'のテキスト');
    assert.equal(at('日本語のテキスト', 5), 'のテキスト');
  });

  it('finds no word in emoji, punctuation or whitespace', () => {
    assert.equal(at('👨‍👩‍👧', 2), undefined);
    assert.equal(at('...', 1), undefined);
    assert.equal(at('\t\r\n', 1), undefined);
  });

  it('rejects an offset outside the text', () => {
    assert.throws(() => wordAt('abc', 4), { name: 'RangeError', message: /`4`/ });
    assert.throws(() => wordAt('abc', -1), RangeError);
    assert.throws(() => wordAt('abc', 1.5), RangeError);
  });
});

describe('buildWindow properties', () => {
  // Text from a mix of scripts, whitespace, punctuation, emoji and the mask token itself.
  const pieces = [
    'the', 'cat', 'Café', 'naïve', 'e\u0301', '中', '文字', 'のテ', 'שלום', 'مرحبا', '👨‍👩‍👧', '👍🏽', '😀',
    ' ', '  ', '\t', '\n', '\r\n', '\n\n', '\u00A0', '\u3000', '\u200B', '\u200D', '\u200F', '\uFEFF', '\f',
    '.', ',', '!', '?', "'", '-', '"', '(', ')', '…', '[MASK]', '<mask>', '[', 'MASK', ']',
  ];
  const documentArb = fc.oneof(
    fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => parts.join('')),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
  ).filter((doc) => doc.length > 0);

  /** Random non-empty, non-overlapping spans that do not split surrogate pairs. */
  const caseArb = documentArb.chain((doc) => {
    const edges = [...Array(doc.length + 1).keys()].filter(
      (i) => i === 0 || i === doc.length || !(/[\uD800-\uDBFF]/.test(doc[i - 1]) && /[\uDC00-\uDFFF]/.test(doc[i])),
    );
    return fc
      .uniqueArray(fc.constantFrom(...edges), { minLength: 2, maxLength: 8 })
      .map((picked) => {
        const sorted = [...picked].sort((a, b) => a - b);
        const spans: Span[] = [];
        for (let i = 0; i + 1 < sorted.length; i += 2) spans.push({ start: sorted[i], end: sorted[i + 1] });
        return { doc, spans };
      })
      .chain(({ doc: d, spans }) => fc.shuffledSubarray(spans, { minLength: 1 }).map((s) => ({ doc: d, spans: s })));
  });

  const tokenizers: [string, WordTokenizer | undefined][] = [
    ['small BERT', smallBert()],
    ['small RoBERTa', smallRoberta()],
    ['real bert-base-uncased', realBert()],
  ];

  for (const [name, tokenizer] of tokenizers) {
    it(`round-trips offsets exactly for random text and spans (${name})`, tokenizer === undefined ? needsRealBert : {}, () => {
      const t = tokenizer as WordTokenizer;
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 8, max: 40 }), ({ doc, spans }, maxTokens) => {
          let window: MaskWindow;
          try {
            window = buildWindow(doc, spans, t, { maxTokens });
          } catch (error) {
            // Masks too far apart for the budget is the one refusal allowed for valid spans.
            if (error instanceof RangeError && /within `maxTokens`/.test(error.message)) return;
            throw error;
          }
          assertMapsBack(doc, spans, window, t, maxTokens);
          assert.deepEqual(window.inputIds, t.encode(window.text), JSON.stringify(window.text));
          for (const span of window.spans) assert.ok(span.start >= 0 && span.end <= doc.length && span.start < span.end);
        }),
        { numRuns: 300 },
      );
    });
  }
});
