import { performance } from 'node:perf_hooks';
import { buildWindow, type MaskWindow } from '../window/mask-window';
import type { MaskedLm } from './masked-lm';
import { probabilityOf, rankSuggestions } from '../decode/rank-suggestions';
import type { CheckRequest, CheckResult, Span, WordCheck } from '../types';

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
