import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildWindow, findMaskTokens, type MaskWindow } from '../../src/engine/window/mask-window';
import { matchCase, rankSuggestions, softmax } from '../../src/engine/decode/rank-suggestions';
import type { Span } from '../../src/engine/types';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { SMALL_PIECES, SMALL_WORDS, logitsWith, needsRealBert, realBert, smallBert, smallBertJson, smallRoberta } from '../helpers/small-tokenizer';

const id = (tokenizer: WordTokenizer, token: string): number => {
  const found = tokenizer.tokenToId(token);
  assert.ok(found !== undefined, `no ${token} in the vocabulary`);
  return found;
};

/** A logits row where the given tokens score from high to low (50, 49.5, 49, …) and the rest -50. */
const ranked = (tokenizer: WordTokenizer, tokens: readonly string[]): Float32Array =>
  logitsWith(tokenizer.vocabSize, Object.fromEntries(tokens.map((t, i) => [id(tokenizer, t), 50 - i * 0.5])), -50);

const typed = (tokenizer: WordTokenizer, doc: string): MaskWindow => buildWindow(doc, findMaskTokens(doc, tokenizer.maskToken), tokenizer);

const replacing = (tokenizer: WordTokenizer, doc: string, word: string, from = 0): MaskWindow => {
  const start = doc.indexOf(word, from);
  const span: Span = { start, end: start + word.length };
  return buildWindow(doc, [span], tokenizer);
};

describe('rankSuggestions with the real bert-base-uncased', needsRealBert, () => {
  const tokenizer = realBert() as WordTokenizer;

  it('gives the pipeline fields for a typed mask, unfiltered', () => {
    const window = typed(tokenizer, 'What is [MASK] name?');
    const logits = ranked(tokenizer, ['your', 'my', '##berries', '[UNK]', 'his', 'the']);
    const result = rankSuggestions(logits, { tokenizer, window, maskIndex: 0 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), ['your', 'my', '##berries', '[UNK]', 'his']);
    assert.deepEqual(result.suggestions[0], {
      score: softmax(logits)[2115],
      token: 2115,
      token_str: 'your',
      sequence: 'what is your name?',
      word: 'your',
    });
    assert.equal(result.suggestions[2].sequence, 'what isberries name?');
    assert.equal(result.suggestions[2].word, 'berries');
    assert.equal(result.suggestions[3].sequence, 'what is name?');
    assert.equal(result.isMaskToken, true);
    assert.equal(result.original, undefined);
    assert.deepEqual(result.span, { start: 8, end: 14 });
  });

  it("reports a replaced word's own score when it is one token", () => {
    const window = replacing(tokenizer, 'The capital of France is Paris.', 'Paris');
    const logits = ranked(tokenizer, ['paris', 'lyon', 'london']);
    const result = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 2 });
    assert.deepEqual(result.suggestions.map((s) => s.word), ['Lyon', 'London']);
    assert.deepEqual(result.suggestions.map((s) => s.sequence), ['the capital of france is lyon.', 'the capital of france is london.']);
    assert.deepEqual(result.original, { token: id(tokenizer, 'paris'), score: softmax(logits)[id(tokenizer, 'paris')] });
  });

  it('has no original score for a word the vocabulary splits', () => {
    const window = replacing(tokenizer, 'I like strawberries a lot.', 'strawberries');
    const result = rankSuggestions(ranked(tokenizer, ['apples', 'grapes']), { tokenizer, window, maskIndex: 0 });
    assert.equal(result.original, undefined);
    assert.equal(result.suggestions[0].word, 'apples');
  });
});

describe('rankSuggestions (small BERT-style)', () => {
  const tokenizer = smallBert();

  it('drops special tokens, placeholders, word pieces, punctuation and the original word', () => {
    const window = replacing(tokenizer, 'The capital of France is Paris.', 'Paris');
    const logits = ranked(tokenizer, ['paris', '[UNK]', '[MASK]', '[unused0]', '##s', ',', '$', 'london', 'city', 'home']);
    const result = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 2 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), ['london', 'city']);
    assert.equal(result.isMaskToken, false);
    assert.equal(result.text, 'Paris');
  });

  it('keeps the scores the model gives, not renormalized after filtering', () => {
    const window = replacing(tokenizer, 'The cat sat on the mat.', 'mat');
    const logits = ranked(tokenizer, ['[UNK]', 'mat', 'dog', 'cat']);
    const probabilities = softmax(logits);
    const result = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 2 });
    for (const s of result.suggestions) assert.equal(s.score, probabilities[s.token]);
    assert.deepEqual(result.original, { token: id(tokenizer, 'mat'), score: probabilities[id(tokenizer, 'mat')] });
  });

  it('keeps taking candidates past topK until enough survive the filter', () => {
    const window = replacing(tokenizer, 'The cat sat on the mat.', 'mat');
    const pieces = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('').map((c) => `##${c}`);
    const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
    const logits = ranked(tokenizer, [...pieces, ...punctuation, 'dog', 'cat', 'home']);
    const result = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 3 });
    assert.deepEqual(result.suggestions.map((s) => s.word), ['dog', 'cat', 'home']);
  });

  it('drops stray single letters, but keeps a and I, and letters for a one-letter word', () => {
    const logits = ranked(tokenizer, ['e', 'l', 'a', 'i', 'dog']);
    const longer = rankSuggestions(logits, { tokenizer, window: replacing(tokenizer, 'the cat sat', 'cat'), maskIndex: 0, topK: 3 });
    assert.deepEqual(longer.suggestions.map((s) => s.token_str), ['a', 'i', 'dog']);
    const letter = rankSuggestions(logits, { tokenizer, window: replacing(tokenizer, 'plan b sat', 'b'), maskIndex: 0, topK: 2 });
    assert.deepEqual(letter.suggestions.map((s) => s.token_str), ['e', 'l']);
  });

  it('keeps punctuation when the replaced word is punctuation', () => {
    const window = replacing(tokenizer, 'the cat , the dog', ',');
    const result = rankSuggestions(ranked(tokenizer, [',', '.', ';', 'and']), { tokenizer, window, maskIndex: 0, topK: 3 });
    assert.deepEqual(result.suggestions.map((s) => s.word), ['.', ';', 'and']);
  });

  it('matches case: ALL CAPS, Capitalized, sentence start, otherwise as the token', () => {
    const word = (doc: string, target: string, from = 0): string =>
      rankSuggestions(ranked(tokenizer, ['dog', 'cat']), { tokenizer, window: replacing(tokenizer, doc, target, from), maskIndex: 0, topK: 1 }).suggestions[0].word;
    assert.equal(word('THE CAT SAT', 'CAT'), 'DOG');
    assert.equal(word('the Cat sat', 'Cat'), 'Dog');
    assert.equal(word('well. mat sat', 'mat'), 'Dog');
    assert.equal(word('mat sat', 'mat'), 'Dog');
    assert.equal(word('the mat sat', 'mat'), 'dog');
    // A one-letter word's capital says nothing: "and I sat" is not a sentence start.
    assert.equal(word('and I sat', 'I'), 'dog');
    assert.equal(word('I sat', 'I'), 'Dog');
  });

  it('capitalizes a typed mask at a sentence start, and nowhere else', () => {
    const result = rankSuggestions(ranked(tokenizer, ['the', 'a']), { tokenizer, window: typed(tokenizer, '[MASK] cat sat. [MASK] dog sat, [MASK] mat'), maskIndex: 0 });
    assert.equal(result.suggestions[0].word, 'The');
    assert.equal(result.suggestions[0].token_str, 'the');
    const window = typed(tokenizer, '[MASK] cat sat. [MASK] dog sat, [MASK] mat');
    assert.equal(rankSuggestions(ranked(tokenizer, ['the']), { tokenizer, window, maskIndex: 1 }).suggestions[0].word, 'The');
    assert.equal(rankSuggestions(ranked(tokenizer, ['the']), { tokenizer, window, maskIndex: 2 }).suggestions[0].word, 'the');
  });

  it('filters a typed mask only when asked to', () => {
    const window = typed(tokenizer, 'the cat sat on the [MASK].');
    const logits = ranked(tokenizer, ['[UNK]', '##s', '.', 'mat', 'dog']);
    const none = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 3 });
    assert.deepEqual(none.suggestions.map((s) => s.token_str), ['[UNK]', '##s', '.']);
    const words = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 2, filter: 'words' });
    assert.deepEqual(words.suggestions.map((s) => s.token_str), ['mat', 'dog']);
  });

  it('can leave a replaced word unfiltered', () => {
    const window = replacing(tokenizer, 'the cat sat', 'cat');
    const result = rankSuggestions(ranked(tokenizer, ['cat', '##s']), { tokenizer, window, maskIndex: 0, topK: 2, filter: 'none' });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), ['cat', '##s']);
  });

  it('drops duplicates once case is matched', () => {
    const { tokenizerJson, tokenizerConfig } = smallBertJson([...SMALL_WORDS, 'Dog', 'DOG', 'Cat'], SMALL_PIECES, { lowercase: false });
    const cased = WordTokenizer.fromJson(tokenizerJson, tokenizerConfig);
    const window = replacing(cased, 'the Cat sat', 'Cat');
    const result = rankSuggestions(ranked(cased, ['dog', 'Dog', 'DOG', 'cat', 'mat']), { tokenizer: cased, window, maskIndex: 0, topK: 2 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), ['dog', 'mat']);
    assert.deepEqual(result.suggestions.map((s) => s.word), ['Dog', 'Mat']);
    assert.deepEqual(result.original?.token, id(cased, 'Cat'));
  });

  it('keeps the other masks in the sequence when the window holds several, as the pipeline does', () => {
    const window = typed(tokenizer, 'The [MASK] sat on the [MASK].');
    const result = rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 0, topK: 1 });
    assert.equal(result.suggestions[0].sequence, '[CLS] the cat sat on the [MASK]. [SEP]');
  });

  it('breaks ties by the lower id', () => {
    const window = typed(tokenizer, 'the [MASK] sat');
    const logits = logitsWith(tokenizer.vocabSize, { [id(tokenizer, 'dog')]: 5, [id(tokenizer, 'cat')]: 5 });
    const tokens = rankSuggestions(logits, { tokenizer, window, maskIndex: 0, topK: 2 }).suggestions.map((s) => s.token);
    assert.deepEqual(tokens, [Math.min(id(tokenizer, 'dog'), id(tokenizer, 'cat')), Math.max(id(tokenizer, 'dog'), id(tokenizer, 'cat'))]);
  });

  it('has no original score for a word outside the vocabulary', () => {
    const window = replacing(tokenizer, 'the zebra sat', 'zebra');
    assert.equal(rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 0 }).original, undefined);
  });

  it('rejects a topK of 0', () => {
    const window = typed(tokenizer, 'the [MASK]');
    assert.throws(() => rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 0, topK: 0 }), {
      name: 'RangeError',
      message: 'Expected `topK` to be an integer from 1 to 50, got `0`',
    });
  });

  it('rejects a topK over 50 or not an integer', () => {
    const window = typed(tokenizer, 'the [MASK]');
    assert.throws(() => rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 0, topK: 51 }), RangeError);
    assert.throws(() => rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 0, topK: 2.5 }), RangeError);
  });

  it('rejects an empty logits row', () => {
    const window = typed(tokenizer, 'the [MASK]');
    assert.throws(() => rankSuggestions(new Float32Array(0), { tokenizer, window, maskIndex: 0 }), RangeError);
  });

  it('rejects a maskIndex outside the window', () => {
    const window = typed(tokenizer, 'the [MASK]');
    assert.throws(() => rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 1 }), { name: 'RangeError', message: /`1`/ });
    assert.throws(() => rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: -1 }), RangeError);
  });

  it('rejects an unknown filter', () => {
    const window = typed(tokenizer, 'the [MASK]');
    assert.throws(() => rankSuggestions(ranked(tokenizer, ['cat']), { tokenizer, window, maskIndex: 0, filter: 'all' as 'none' }), TypeError);
  });
});

describe('rankSuggestions (small RoBERTa-style BPE)', () => {
  const tokenizer = smallRoberta();

  it('prints token_str with its space and the sequence as the pipeline does', () => {
    const window = typed(tokenizer, 'The capital of France is <mask>.');
    const result = rankSuggestions(ranked(tokenizer, ['\u0120Paris', 'Paris']), { tokenizer, window, maskIndex: 0, topK: 2 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), [' Paris', 'Paris']);
    assert.deepEqual(result.suggestions.map((s) => s.sequence), ['The capital of France is Paris.', 'The capital of France isParis.']);
    assert.deepEqual(result.suggestions.map((s) => s.word), ['Paris', 'Paris']);
  });

  it('after a space, drops pieces without the word-start marker', () => {
    const window = replacing(tokenizer, 'The capital of France is London.', 'London');
    const result = rankSuggestions(ranked(tokenizer, ['Paris', '\u0120London', '\u0120Paris', '\u0120city']), { tokenizer, window, maskIndex: 0, topK: 2 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), [' Paris', ' city']);
    assert.deepEqual(result.suggestions.map((s) => s.word), ['Paris', 'City']);
    assert.deepEqual(result.original?.token, id(tokenizer, '\u0120London'));
  });

  it('at the start of the text, keeps bare pieces and drops case-matched duplicates', () => {
    const window = replacing(tokenizer, 'London is the capital.', 'London');
    const result = rankSuggestions(ranked(tokenizer, ['Paris', '\u0120Paris', '\u0120paris', 'London', 'city']), { tokenizer, window, maskIndex: 0, topK: 2 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), ['Paris', 'city']);
    assert.deepEqual(result.suggestions.map((s) => s.word), ['Paris', 'City']);
    assert.deepEqual(result.original?.token, id(tokenizer, 'London'));
  });
});

describe('rankSuggestions word filter on byte tokens', () => {
  it('drops control characters and partial UTF-8 bytes', () => {
    const tokenizer = smallRoberta();
    const window = replacing(tokenizer, 'London is big.', 'London');
    const result = rankSuggestions(ranked(tokenizer, ['\u0100', '\u00c3', 'Paris']), { tokenizer, window, maskIndex: 0, topK: 1 });
    assert.deepEqual(result.suggestions.map((s) => s.token_str), ['Paris']);
  });
});

describe('softmax', () => {
  it('sums to 1 and matches the direct formula', () => {
    const logits = [1, 2, 3, -1];
    const direct = logits.map((x) => Math.exp(x) / logits.reduce((s, y) => s + Math.exp(y), 0));
    const p = softmax(logits);
    p.forEach((v, i) => assert.ok(Math.abs(v - direct[i]) < 1e-15));
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  });

  it('stays finite for large logits', () => {
    const p = softmax(new Float32Array([1000, 1001, 1002]));
    assert.ok(p.every((v) => Number.isFinite(v)));
    assert.ok(Math.abs(p[2] - 1 / (1 + Math.exp(-1) + Math.exp(-2))) < 1e-12);
  });

  it('rejects an empty row', () => {
    assert.throws(() => softmax([]), RangeError);
  });
});

describe('matchCase', () => {
  it('follows the replaced word, then the sentence start', () => {
    assert.equal(matchCase('paris', 'LONDON', false), 'PARIS');
    assert.equal(matchCase('paris', 'London', false), 'Paris');
    assert.equal(matchCase('paris', 'london', true), 'Paris');
    assert.equal(matchCase('paris', 'london', false), 'paris');
    assert.equal(matchCase('paris', undefined, true), 'Paris');
    assert.equal(matchCase('école', undefined, true), 'École');
    assert.equal(matchCase('', 'London', true), '');
    assert.equal(matchCase('x', 'A1', false), 'X');
  });
});
