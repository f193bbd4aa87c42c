import { sumExp } from './sum-exp';
import { topIndices } from './top-k';
import type { MaskResult, Suggestion } from '../types';
import type { MaskWindow } from '../window/mask-window';
import type { WordTokenizer } from '../window/word-tokenizer';

/**
 * Which candidates {@link rankSuggestions} keeps:
 * - `none`: every candidate, in the model's order, as the Hugging Face fill-mask pipeline
 *   returns them (special tokens and `##` pieces included).
 * - `words`: only whole words fit to replace a word: no special or placeholder tokens
 *   (`[unused12]`), no word pieces, nothing without a letter or digit (punctuation is kept
 *   when the original is punctuation), no control characters or partial UTF-8 bytes, no
 *   repeats once case is matched, and not the original word itself.
 */
export type SuggestionFilter = 'none' | 'words';

/** Options for {@link rankSuggestions}. */
export interface RankOptions {
  /** The model's tokenizer (the one that built `window`). */
  tokenizer: WordTokenizer;
  /** The model input the logits came from. */
  window: MaskWindow;
  /** Which mask of `window.masks` the logits are for (the caller's order). */
  maskIndex: number;
  /**
   * How many suggestions to return, an integer from 1 to 50.
   * @default 5
   */
  topK?: number;
  /**
   * Which candidates to keep; see {@link SuggestionFilter}.
   * @default 'words' for a word being replaced, 'none' for a typed mask (pipeline parity)
   */
  filter?: SuggestionFilter;
}

/** The largest `topK`, as `FillRequest` documents. */
const MAX_TOP_K = 50;

/**
 * Turns the logits at one mask position into ranked suggestions.
 *
 * Scores are the softmax over the whole logits row, as the fill-mask pipeline computes them
 * (max subtracted, sums in float64); filtering never renormalizes them. Candidates are taken
 * best first (ties: lower id first) until `topK` survive the filter.
 *
 * `token_str` is `tokenizer.decode([id])` and `sequence` is the decoded window with the
 * candidate in place of this mask, both as the Python pipeline builds them: special tokens
 * are skipped when the window holds a single mask id, and kept (`[CLS] … [MASK] … [SEP]`)
 * when it holds several, because skipping them would also drop the other masks. `sequence` is
 * the window's text, which is the paragraph or a cut of it, not the whole document.
 *
 * `word` is `token_str` without the continuation prefix and surrounding spaces, with case
 * matched to the replaced word (see {@link matchCase}).
 *
 * @param logits The model's output row at this mask: one value per vocabulary id.
 * @param options See {@link RankOptions}.
 * @returns The mask's result; `original` is set when the replaced word is a single
 *   vocabulary token (its own score at this position).
 * @throws {RangeError} When `logits` is empty, `topK` is not an integer from 1 to 50, or
 *   `maskIndex` is not an index into `window.masks`.
 * @throws {TypeError} When `filter` is not `none` or `words`.
 */
export function rankSuggestions(logits: ArrayLike<number>, options: RankOptions): MaskResult {
  const { tokenizer, window, maskIndex } = options;
  const topK = options.topK ?? 5;
  if (logits.length === 0) throw new RangeError('Expected `logits` to hold one value per vocabulary id, got an empty array');
  if (!Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
    throw new RangeError(`Expected \`topK\` to be an integer from 1 to ${MAX_TOP_K}, got \`${topK}\``);
  }
  if (!Number.isInteger(maskIndex) || maskIndex < 0 || maskIndex >= window.masks.length) {
    throw new RangeError(`Expected \`maskIndex\` to be an integer from 0 to ${window.masks.length - 1}, got \`${maskIndex}\``);
  }
  const mask = window.masks[maskIndex];
  const filter = options.filter ?? (mask.isMaskToken ? 'none' : 'words');
  if (filter !== 'none' && filter !== 'words') {
    throw new TypeError(`Expected \`filter\` to be 'none' or 'words', got \`${String(filter)}\``);
  }

  const { max, sum } = softmaxTerms(logits);
  const score = (id: number): number => Math.exp(logits[id] - max) / sum;

  const afterSpace = mask.textOffset > 0 && /\s/.test(window.text[mask.textOffset - 1]);
  const original = mask.isMaskToken ? undefined : mask.text;
  const caseSource = original !== undefined && countLetters(original) === 1 ? undefined : original;
  const key = (s: string): string => tokenizer.normalize(s).trim().toLowerCase();
  const originalKey = original === undefined ? undefined : key(original);
  const originalIsPunctuation = original !== undefined && isPunctuation(original);

  const singleMask = window.inputIds.filter((id) => id === tokenizer.maskTokenId).length === 1;
  const suggestion = (id: number, tokenStr: string, word: string): Suggestion => {
    const filled = window.inputIds.slice();
    filled[mask.position] = id;
    // The pipeline drops padding ids before decoding, a predicted one included.
    const ids = filled.filter((x) => x !== tokenizer.padTokenId);
    return {
      score: score(id),
      token: id,
      token_str: tokenStr,
      sequence: tokenizer.decode(ids, { skipSpecialTokens: singleMask }),
      word,
    };
  };

  const suggestions: Suggestion[] = [];
  const seen = new Set<string>();
  let examined = 0;
  for (let want = filter === 'none' ? topK : Math.max(4 * topK, 32); suggestions.length < topK && examined < logits.length; want *= 4) {
    const candidates = topIndices(logits, Math.min(want, logits.length));
    for (; examined < candidates.length && suggestions.length < topK; examined++) {
      const id = candidates[examined];
      const tokenStr = tokenizer.decode([id]);
      const word = matchCase(bareWord(tokenStr, tokenizer), caseSource, mask.sentenceStart);
      if (filter === 'words') {
        const token = tokenizer.idToToken(id);
        if (token === undefined || tokenizer.specialIds.has(id) || /^(\[[^\]]+\]|<[^>]+>)$/.test(token)) continue;
        // A bare BPE piece is a word start where no space precedes the mask.
        if (tokenizer.isContinuation(id) && (tokenizer.kind === 'wordpiece' || afterSpace)) continue;
        if (!isWordLike(word) && !(originalIsPunctuation && isPunctuation(word))) continue;
        // Vocabularies hold every letter as a token; a lone `e` or `l` is
        // never a useful replacement for a longer word.
        if (isStrayLetter(word) && !(original !== undefined && [...original].length === 1)) continue;
        const wordKey = key(word);
        if (wordKey === originalKey || seen.has(wordKey)) continue;
        seen.add(wordKey);
      }
      suggestions.push(suggestion(id, tokenStr, word));
    }
  }

  let originalScore: MaskResult['original'];
  if (original !== undefined) {
    const ids = tokenizer.encodePiece(tokenizer.encodesWhitespace && afterSpace ? ` ${original}` : original);
    if (ids.length === 1 && ids[0] !== tokenizer.unkTokenId && ids[0] < logits.length) {
      originalScore = { token: ids[0], score: score(ids[0]) };
    }
  }

  return {
    span: { ...mask.span },
    text: mask.text,
    isMaskToken: mask.isMaskToken,
    ...(originalScore === undefined ? {} : { original: originalScore }),
    suggestions,
  };
}

/**
 * Softmax of a logits row, as the fill-mask pipeline computes it: `exp(x - max) / Σ exp(x - max)`,
 * summed in float64 so a 30k-wide row loses no precision.
 * @param logits Any finite values.
 * @returns Probabilities 0..1 summing to 1, one per input value.
 * @throws {RangeError} When `logits` is empty.
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  if (logits.length === 0) throw new RangeError('Expected `logits` to be non-empty, got an empty array');
  const { max, sum } = softmaxTerms(logits);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = Math.exp(logits[i] - max) / sum;
  return out;
}

/**
 * Gives a suggested word the capitalisation its place calls for: upper case when the replaced
 * word is ALL CAPS (two letters or more), a capital first letter when the replaced word has one
 * or the mask starts a sentence, otherwise the word as the model gave it.
 * @param word The suggestion (e.g. `paris`).
 * @param original The replaced word, or undefined for a typed mask (a one-letter word such as
 *   `I` says nothing about case and should be passed as undefined).
 * @param sentenceStart Whether the mask starts a sentence.
 */
export function matchCase(word: string, original: string | undefined, sentenceStart: boolean): string {
  if (original !== undefined && countLetters(original) >= 2 && original === original.toUpperCase() && original !== original.toLowerCase()) {
    return word.toUpperCase();
  }
  const firstLetter = original === undefined ? undefined : /\p{L}/u.exec(original)?.[0];
  const capitalized = firstLetter !== undefined && firstLetter !== firstLetter.toLowerCase();
  if (capitalized || sentenceStart) {
    const first = String.fromCodePoint(word.codePointAt(0) ?? 0);
    return word.length === 0 ? word : first.toUpperCase() + word.slice(first.length);
  }
  return word;
}

/** `token_str` as a word: no continuation prefix, no surrounding whitespace. */
function bareWord(tokenStr: string, tokenizer: WordTokenizer): string {
  const prefix = tokenizer.continuationPrefix;
  const bare = prefix !== undefined && tokenStr.startsWith(prefix) && tokenStr.length > prefix.length ? tokenStr.slice(prefix.length) : tokenStr;
  return bare.trim();
}

/** Has a letter or digit, and no control, format or replacement characters (partial UTF-8 bytes decode to U+FFFD). */
function isWordLike(s: string): boolean {
  return /[\p{L}\p{N}]/u.test(s) && !/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\uFFFD]/u.test(s);
}

/** A single letter that is not an English one-letter word (`a`, `I`). */
function isStrayLetter(s: string): boolean {
  return [...s].length === 1 && /\p{L}/u.test(s) && !/^[aAiI]$/.test(s);
}

function isPunctuation(s: string): boolean {
  return /^[\p{P}\p{S}\s]+$/u.test(s) && /\S/.test(s);
}

function countLetters(s: string): number {
  return (s.match(/\p{L}/gu) ?? []).length;
}

/** `log Σ exp(x)` of a logits row, computed stably (the log of the softmax's denominator). */
export function logSumExp(logits: ArrayLike<number>): number {
  const { max, sum } = softmaxTerms(logits);
  return max + Math.log(sum);
}

/** The softmax probability of `id` in a logits row, as {@link rankSuggestions} scores it. */
export function probabilityOf(logits: ArrayLike<number>, id: number): number {
  const { max, sum } = softmaxTerms(logits);
  return Math.exp(logits[id] - max) / sum;
}

function softmaxTerms(logits: ArrayLike<number>): { max: number; sum: number } {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  return { max, sum: sumExp(logits, max) };
}
