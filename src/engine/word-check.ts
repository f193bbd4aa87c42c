import { performance } from 'node:perf_hooks';
import { buildWindow, type MaskWindow } from './mask-window';
import type { MaskedLm } from './masked-lm';
import { probabilityOf, rankSuggestions } from './rank-suggestions';
import type { Span, Suggestion } from './types';

/** What `Engine.check` is asked for: how expected each word of a text is in its context. */
export interface CheckRequest {
  /** The document text, or any slice of it (offsets in `words` are into this string). */
  text: string;
  /** The words to score: non-empty, non-overlapping spans, each one word (see `wordAt`). At most 512. */
  words: Span[];
  /**
   * Alternatives kept per word, an integer from 1 to 50.
   * @default 5
   */
  topK?: number;
  /**
   * The most model tokens per forward pass, special tokens included.
   * @default 128
   */
  maxTokens?: number;
}

/** One word of a {@link CheckRequest}, scored in place. */
export interface WordCheck {
  span: Span;
  /** The document text in `span`. */
  text: string;
  /** The word's vocabulary id. */
  token: number;
  /**
   * The word's probability at its position with it masked (its term of the
   * text's pseudo-likelihood), 0..1.
   */
  score: number;
  /** The best other words at this position (the `words` filter, the word itself excluded), best first. */
  alternatives: Suggestion[];
}

/** What {@link checkWords} found. */
export interface CheckResult {
  /** The words that are a single vocabulary piece, in the order of the request. */
  checked: WordCheck[];
  /**
   * The words it did not score, in the order of the request: those the
   * vocabulary splits into several pieces (or does not know), whose
   * probability is not comparable with a one-piece alternative's.
   */
  skipped: Span[];
  /** Milliseconds the check took where it ran (in the worker: queueing and the round trip not included). */
  ms: number;
}

/**
 * The share of a window's ids masked in one forward pass. BERT was trained
 * with 15 % of its input masked, so this many masks at once is input it knows.
 */
export const MASK_RATE = 0.15;

/**
 * Words masked in the same forward pass are at least this many words apart,
 * so a word's neighbours are always in place when it is scored (`their` /
 * `there` depends on the word after it).
 */
export const MIN_WORD_GAP = 5;

/**
 * Scores each word where it stands: the word is masked and the model's
 * probability for the word itself is read, with the best alternatives.
 *
 * Masking every word alone costs one forward pass per word. Instead the
 * words are dealt into `r` rounds (word `i` into round `i mod r`), each one
 * forward pass with its words masked and every other word in place: `r` is
 * the smallest number that masks at most {@link MASK_RATE} of the window's
 * ids per pass, and at least {@link MIN_WORD_GAP} (fewer for fewer words), so
 * two masks in a pass are that many words apart. A 40-word paragraph of 48
 * tokens takes 6 passes instead of 40; `test/unit/word-check.test.ts` compares the
 * scores with one-at-a-time masking.
 *
 * Words too far apart for one window are checked in several windows.
 * @throws {TypeError|RangeError} for a malformed request (see `buildWindow`).
 */
export async function checkWords(lm: MaskedLm, request: CheckRequest): Promise<CheckResult> {
  const started = performance.now();
  const tokenizer = lm.tokenizer;
  const topK = request.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1 || topK > 50) {
    throw new RangeError(`Expected \`topK\` to be an integer from 1 to 50, got \`${topK}\``);
  }
  const maxTokens = Math.min(request.maxTokens ?? 128, lm.config.maxPositions);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new RangeError(`Expected \`maxTokens\` to be a positive integer, got \`${request.maxTokens}\``);
  }
  if (!Array.isArray(request.words) || request.words.length > 512) {
    throw new RangeError(`Expected \`words\` to be an array of at most 512 spans, got ${Array.isArray(request.words) ? request.words.length : typeof request.words}`);
  }
  const text = request.text;
  if (typeof text !== 'string') throw new TypeError(`Expected \`text\` to be a string, got ${typeof text}`);
  request.words.forEach((span, i) => {
    if (!span || !Number.isInteger(span.start) || !Number.isInteger(span.end) || span.start < 0 || span.end <= span.start || span.end > text.length) {
      throw new RangeError(`Expected word ${i} to be a non-empty span inside the text (length ${text.length}), got ${JSON.stringify(span)}`);
    }
  });
  const sorted = [...request.words].sort((a, b) => a.start - b.start);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k].start < sorted[k - 1].end) throw new RangeError(`Expected words not to overlap, got ${JSON.stringify(sorted[k - 1])} and ${JSON.stringify(sorted[k])}`);
  }
  // The id of each word written out, as the window would tokenize it.
  const ids = request.words.map((span) => {
    const word = text.slice(span.start, span.end);
    const afterSpace = span.start > 0 && /\s/.test(text[span.start - 1]);
    const pieces = tokenizer.encodePiece(tokenizer.encodesWhitespace && afterSpace ? ` ${word}` : word);
    return pieces.length === 1 && pieces[0] !== tokenizer.unkTokenId ? pieces[0] : undefined;
  });
  const single = request.words.map((_, i) => i).filter((i) => ids[i] !== undefined);
  const checks = new Map<number, WordCheck>();
  for (const group of await windowsFor(lm, text, single.map((i) => request.words[i]), maxTokens)) {
    const words = group.members.map((k) => single[k]);
    for (const [i, check] of (await checkWindow(lm, group.window, words.map((w) => ids[w] as number), topK)).entries()) {
      checks.set(words[i], check);
    }
  }
  const checked: WordCheck[] = [];
  const skipped: Span[] = [];
  request.words.forEach((span, i) => {
    const check = checks.get(i);
    if (check) checked.push(check);
    else skipped.push({ start: span.start, end: span.end });
  });
  return { checked, skipped, ms: performance.now() - started };
}

/**
 * How many forward passes {@link checkWords} runs for `words` words in a
 * window of `ids` ids.
 */
export function roundsFor(words: number, ids: number): number {
  if (words <= 1) return words;
  const perPass = Math.max(1, Math.floor(MASK_RATE * ids));
  return Math.min(words, Math.max(MIN_WORD_GAP, Math.ceil(words / perPass)));
}

/** Splits the words into runs that each fit one window, halving a run until it does. */
async function windowsFor(lm: MaskedLm, text: string, words: Span[], maxTokens: number): Promise<{ window: MaskWindow; members: number[] }[]> {
  const out: { window: MaskWindow; members: number[] }[] = [];
  const order = words.map((_, i) => i).sort((a, b) => words[a].start - words[b].start);
  const visit = (members: number[]): void => {
    if (members.length === 0) return;
    try {
      out.push({ window: buildWindow(text, members.map((k) => words[k]), lm.tokenizer, { maxTokens }), members });
    } catch (error) {
      // Only "does not fit" is worth a split; a malformed span fails the request.
      if (!(error instanceof RangeError) || members.length === 1 || !/`maxTokens`/.test(error.message)) throw error;
      const half = Math.ceil(members.length / 2);
      visit(members.slice(0, half));
      visit(members.slice(half));
    }
  };
  visit(order);
  return out;
}

/** Scores the masks of one window (every one a word of id `ids[i]`), in rounds. */
async function checkWindow(lm: MaskedLm, window: MaskWindow, ids: number[], topK: number): Promise<WordCheck[]> {
  const tokenizer = lm.tokenizer;
  const filled = window.inputIds.slice();
  window.maskPositions.forEach((p, i) => (filled[p] = ids[i]));
  // Rounds deal the words in text order, so neighbours land in different rounds.
  const byPosition = window.maskPositions.map((_, i) => i).sort((a, b) => window.maskPositions[a] - window.maskPositions[b]);
  const rounds = roundsFor(byPosition.length, window.inputIds.length);
  const out: WordCheck[] = new Array<WordCheck>(ids.length);
  for (let r = 0; r < rounds; r++) {
    const members = byPosition.filter((_, k) => k % rounds === r);
    const row = filled.slice();
    for (const i of members) row[window.maskPositions[i]] = tokenizer.maskTokenId;
    const logits = await lm.logitsAt({ inputIds: row, tokenTypeIds: window.tokenTypeIds, maskPositions: members.map((i) => window.maskPositions[i]) });
    const current: MaskWindow = { ...window, inputIds: row };
    members.forEach((i, k) => {
      const ranked = rankSuggestions(logits[k], { tokenizer, window: current, maskIndex: i, topK, filter: 'words' });
      out[i] = {
        span: { ...window.masks[i].span },
        text: window.masks[i].text,
        token: ids[i],
        score: ranked.original?.score ?? probabilityOf(logits[k], ids[i]),
        alternatives: ranked.suggestions,
      };
    });
  }
  return out;
}

/** When a checked word is worth a hint; see {@link unlikelyWord}. */
export interface HintThresholds {
  /** The alternative is at least this many times as probable as the word. */
  minRatio: number;
  /** The alternative's own probability is at least this. */
  minScore: number;
  /**
   * Only alternatives spelled like the word (see {@link spelledAlike}): the
   * confusions a writer makes (their/there, than/then, form/from), not every
   * word the model would have preferred.
   */
  similarOnly: boolean;
}

/**
 * The defaults of the `cloze.hints.*` settings. On the planted model
 * (test/unit/word-check.test.ts) the planted confusions `there` for `their`
 * and `then` for `than` have ratios of about 1,600 and 2,000 with the right
 * word at 0.86 and 0.92, while in the correct sentences no alternative spelled
 * alike comes within a ratio of 2 of the word: 50 flags the first and leaves
 * ample room below. 0.3 keeps hints to places where the model is sure.
 */
export const DEFAULT_HINT_THRESHOLDS: HintThresholds = { minRatio: 50, minScore: 0.3, similarOnly: true };

/**
 * The alternative to propose for a word the model finds unlikely where it
 * stands, or `undefined` when the word is fine by `thresholds`: the best
 * alternative (spelled alike, with `similarOnly`) whose probability is at
 * least `minScore` and `minRatio` times the word's.
 */
export function unlikelyWord(check: Pick<WordCheck, 'text' | 'score' | 'alternatives'>, thresholds: HintThresholds): Suggestion | undefined {
  for (const alternative of check.alternatives) {
    if (alternative.score < thresholds.minScore) return undefined;
    if (alternative.score < thresholds.minRatio * check.score) return undefined;
    if (!thresholds.similarOnly || spelledAlike(check.text, alternative.word)) return alternative;
  }
  return undefined;
}

/**
 * Whether two words are likely confused in writing: the optimal string
 * alignment distance (edits, with swapping two neighbours as one edit) of
 * their lowercase forms is 1, or 2 when both have at least five characters.
 * `than`/`then`, `form`/`from`, `their`/`there`, `affect`/`effect`,
 * `quite`/`quiet` are alike; `in`/`at`, `cat`/`dog` are not.
 */
export function spelledAlike(a: string, b: string): boolean {
  const x = [...a.toLowerCase()];
  const y = [...b.toLowerCase()];
  if (x.join('') === y.join('')) return false;
  const limit = Math.min(x.length, y.length) >= 5 ? 2 : 1;
  if (Math.abs(x.length - y.length) > limit) return false;
  return editDistance(x, y) <= limit;
}

/** Optimal string alignment distance between two arrays of characters. */
function editDistance(x: string[], y: string[]): number {
  const rows = x.length + 1;
  const cols = y.length + 1;
  const d = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1];
}
