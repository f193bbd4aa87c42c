/**
 * The fill section: one word of a held-out paragraph masked at a time (every
 * k-th chunk, alphabetic words only), filled through the engine with the
 * request the editor sends for a typed mask, and the suggestions as the
 * editor shows them compared with the word (case-insensitively). The count
 * baselines answer the same items.
 */
import { performance } from 'node:perf_hooks';
import type { Engine, FillRequest } from '../../src/engine';
import type { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { everyKth, shuffledIndexes, timing, type WordAt } from './corpus';
import { neighboursOf, type TrainingCounts } from './baselines';

/** The editor's defaults (`cloze.topK`, `cloze.maxContextTokens`) and the mask it types. */
export const EDITOR_TOP_K = 5;
export const EDITOR_MAX_TOKENS = 128;
export const TYPED_MASK = '[MASK]';

export interface FillItem {
  paragraph: number;
  word: string;
  /** The paragraph with the word replaced by {@link TYPED_MASK}, and the mask's span. */
  masked: string;
  start: number;
  /** Whether the model's vocabulary has the word as one piece. */
  onePiece: boolean;
  left: string;
  right: string;
}

/** Top-1 and top-5 accuracy over `n` items. */
export interface Accuracy {
  n: number;
  top1: number;
  top5: number;
}

/** One condition's results: the model, the two baselines, on the same items. */
export interface FillCondition {
  model: Accuracy;
  frequent: Accuracy;
  bigram: Accuracy;
  /** Milliseconds per request (posting to answer). */
  ms: { median: number; p95: number; n: number };
}

export interface FillReport {
  every: number;
  items: number;
  /** `wholeWords` off, the items whose word is one vocabulary piece. */
  onePiece: FillCondition;
  /** `wholeWords` on, every item. */
  wholeWords: FillCondition;
}

/**
 * The fill items of `paragraphs` in a seeded order: every `every`-th chunk
 * that is an alphabetic word, at most `maxItems`.
 */
export function fillItems(paragraphs: readonly string[], options: { every: number; maxItems: number; random: () => number; tokenizer: WordTokenizer }): FillItem[] {
  const { tokenizer } = options;
  const items: FillItem[] = [];
  for (const p of shuffledIndexes(paragraphs.length, options.random)) {
    const text = paragraphs[p];
    for (const w of everyKth(text, options.every)) {
      if (items.length >= options.maxItems) return items;
      items.push(fillItem(text, w, tokenizer, p));
    }
  }
  return items;
}

/** The item that masks the word `w` of `text` (paragraph number `paragraph`). */
export function fillItem(text: string, w: WordAt, tokenizer: WordTokenizer, paragraph = 0): FillItem {
  const masked = text.slice(0, w.start) + TYPED_MASK + text.slice(w.end);
  // As the engine splits a word it replaces (rank-suggestions.ts): with its space where the vocabulary encodes spaces.
  const pieces = tokenizer.encodePiece(tokenizer.encodesWhitespace && /\s/.test(text[w.start - 1] ?? '') ? ` ${w.word}` : w.word);
  const onePiece = pieces.length === 1 && pieces[0] !== tokenizer.unkTokenId;
  return { paragraph, word: w.word, masked, start: w.start, onePiece, ...neighboursOf(text, w.start, w.end) };
}

/** Runs both conditions over `items`. */
export async function evaluateFill(engine: Engine, items: readonly FillItem[], counts: TrainingCounts, every: number): Promise<FillReport> {
  const onePiece = items.filter((i) => i.onePiece);
  return {
    every,
    items: items.length,
    onePiece: await condition(engine, onePiece, counts, false),
    wholeWords: await condition(engine, items, counts, true),
  };
}

async function condition(engine: Engine, items: readonly FillItem[], counts: TrainingCounts, wholeWords: boolean): Promise<FillCondition> {
  const model = tally();
  const frequent = tally();
  const bigram = tally();
  const ms: number[] = [];
  const top = counts.mostFrequent(EDITOR_TOP_K);
  for (const item of items) {
    const request: FillRequest = {
      text: item.masked,
      masks: [{ start: item.start, end: item.start + TYPED_MASK.length }],
      topK: EDITOR_TOP_K,
      maxTokens: EDITOR_MAX_TOKENS,
      maskToken: TYPED_MASK,
      filter: 'words',
      wholeWords,
    };
    const started = performance.now();
    const [result] = await engine.fill(request);
    ms.push(performance.now() - started);
    model.add(item.word, result.suggestions.map((s) => s.word));
    frequent.add(item.word, top);
    bigram.add(item.word, counts.bigram(item.left, item.right, EDITOR_TOP_K));
  }
  return { model: model.result(), frequent: frequent.result(), bigram: bigram.result(), ms: timing(ms) };
}

function tally() {
  let n = 0;
  let top1 = 0;
  let top5 = 0;
  return {
    add(word: string, proposed: readonly string[]) {
      const wanted = word.toLowerCase();
      const rank = proposed.slice(0, 5).findIndex((p) => p.toLowerCase() === wanted);
      n++;
      if (rank === 0) top1++;
      if (rank >= 0) top5++;
    },
    result: (): Accuracy => ({ n, top1: n === 0 ? 0 : top1 / n, top5: n === 0 ? 0 : top5 / n }),
  };
}
