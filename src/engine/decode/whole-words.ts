import type { MaskWindow } from '../window/mask-window';
import type { MaskedLm } from '../worker/masked-lm';
import { logSumExp } from './rank-suggestions';
import { topIndices } from './top-k';
import { pieceWords } from './word-pieces';

/**
 * Multi-piece words at one mask: a word the vocabulary splits into `k` pieces
 * (`strawberries` → `straw ##berries`) cannot come out of a single mask, so
 * the mask is widened to `k` consecutive mask ids.
 *
 * Only words of the English word list are proposed (see `word-pieces.ts`):
 * with the candidates known in advance, one batched forward pass over the
 * window widened to 2, 3 (and 4) masks scores all of them. A word's
 * `logProb` is the sum over its pieces of the log-softmax at each piece's
 * position with every piece masked (the first step of mask-predict; the
 * list, not the chain rule, keeps the pieces together as a word). Candidates
 * of different lengths are compared by the mean, `logProb / k`, so that a word
 * is not penalised merely for having more pieces (a one-piece word's mean is
 * its own log-probability, the pipeline's score in log space). Targets
 * (`scorePieces`) are scored by the exact chain rule instead.
 */

/** A word of one or more pieces, with its log-probability. */
export interface PieceCandidate {
  /** The vocabulary ids of the pieces, in order. */
  ids: number[];
  /** Sum of the pieces' log-probabilities (natural log, ≤ 0). */
  logProb: number;
}

/** Options of {@link searchWholeWords}. */
export interface WholeWordSearch {
  /** Largest number of pieces, 2 to 4. */
  maxPieces: number;
  /** How many multi-piece words to return at least, 1 to 16 (the merge takes `topK` if more). */
  beam: number;
}

/** English inflectional endings (see {@link isInflectionOf}). */
const ENDINGS = new Set(['s', 'es', 'd', 'ed', 'ing', 'er', 'ers', 'est', 'ly', 'y', "'s"]);

/**
 * Whether lower-case `word` is lower-case `stem` with an English inflectional
 * ending: `green` → `greens`, `greened`, `greening`; with the final consonant
 * doubled (`wet` → `wetting`), a final `e` dropped (`bake` → `baking`) or `y`
 * become `i` (`carry` → `carried`). Not a compound or another word that
 * merely starts alike (`greenery`, `strawberries`), nor a stem of one or two letters.
 */
export function isInflectionOf(word: string, stem: string): boolean {
  // Shorter stems (`be` → `bed`, `a` → `as`) make other words.
  if (stem.length < 3) return false;
  const bases = [stem, stem + stem[stem.length - 1]];
  if (stem.endsWith('e')) bases.push(stem.slice(0, -1));
  if (stem.endsWith('y')) bases.push(`${stem.slice(0, -1)}i`);
  return bases.some((base) => word.length > base.length && word.startsWith(base) && ENDINGS.has(word.slice(base.length)));
}

/** Mean log-probability per piece: how candidates of different piece counts are ranked. */
export function meanLogProb(candidate: PieceCandidate): number {
  return candidate.logProb / candidate.ids.length;
}

/**
 * The listed words of 2 to `maxPieces` pieces that fit `window.masks[maskIndex]`
 * best, by mean log-probability per piece. Costs one batched forward pass (one
 * row per piece count, padded to a common length), or one pass per piece count
 * for a model without an `attention_mask` input.
 * @param limit How many words to return.
 * @param exclude Words never to return, given the word and its first piece's
 *   id (the replaced word grown by pieces, a suffix glued onto a word shown anyway).
 * @returns Best mean log-probability first. Piece counts whose widened window
 *   would exceed the model's positions are skipped.
 */
export async function searchWholeWords(
  lm: MaskedLm,
  window: MaskWindow,
  maskIndex: number,
  search: WholeWordSearch,
  limit: number = search.beam,
  exclude: (word: string, firstPiece: number) => boolean = () => false,
): Promise<PieceCandidate[]> {
  const mask = window.masks[maskIndex];
  const position = mask.position;
  const afterSpace = mask.textOffset > 0 && /\s/.test(window.text[mask.textOffset - 1]);
  const lists = pieceWords(lm.tokenizer, afterSpace);
  const counts: number[] = [];
  for (let k = 2; k <= search.maxPieces; k++) {
    if (lists.byPieces.has(k) && window.inputIds.length - 1 + k <= lm.config.maxPositions) counts.push(k);
  }
  if (counts.length === 0) return [];
  const rows = counts.map((k) => widen(window, position, k));
  const longest = rows[rows.length - 1].inputIds.length;
  const positions = Array.from({ length: counts[counts.length - 1] }, (_, j) => position + j);
  let logits: Float32Array[][];
  if (rows.length === 1) {
    logits = await lm.logitsAtBatch([rows[0].inputIds], rows[0].tokenTypeIds, positions);
  } else if (lm.canPad) {
    const pad = (row: number[], value: number): number[] => [...row, ...new Array<number>(longest - row.length).fill(value)];
    logits = await lm.logitsAtBatch(
      rows.map((r) => pad(r.inputIds, lm.tokenizer.padTokenId ?? 0)),
      undefined,
      positions,
      { lengths: rows.map((r) => r.inputIds.length), tokenTypeIds: rows.map((r) => pad(r.tokenTypeIds, 0)) },
    );
  } else {
    logits = [];
    for (const [i, r] of rows.entries()) logits.push(await lm.logitsAtBatch([r.inputIds], r.tokenTypeIds, positions.slice(0, counts[i])).then((l) => l[0]));
  }

  const found: PieceCandidate[] = [];
  counts.forEach((k, r) => {
    const { ids, words } = lists.byPieces.get(k) as { ids: Int32Array; words: string[] };
    const steps = Array.from({ length: k }, (_, j) => ({ row: logits[r][j], logZ: logSumExp(logits[r][j]) }));
    const scores = new Float64Array(words.length);
    for (let w = 0; w < words.length; w++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += steps[j].row[ids[w * k + j]] - steps[j].logZ;
      scores[w] = sum / k;
    }
    for (const w of topIndices(scores, limit, (i) => !exclude(words[i], ids[i * k]))) {
      found.push({ ids: Array.from(ids.subarray(w * k, (w + 1) * k)), logProb: scores[w] * k });
    }
  });
  return found.sort((a, b) => meanLogProb(b) - meanLogProb(a)).slice(0, limit);
}

/**
 * Scores given piece sequences at `window.masks[maskIndex]` by the chain rule
 * (see the file comment), batching the sequences of equal length: a word of
 * `k` pieces costs its share of `k` batched forward passes.
 * @param words - each a non-empty list of vocabulary ids.
 * @returns One candidate per word, in the input order. A word that makes the
 *   window longer than the model allows gets `logProb` `-Infinity`.
 */
export async function scorePieces(lm: MaskedLm, window: MaskWindow, maskIndex: number, words: readonly (readonly number[])[]): Promise<PieceCandidate[]> {
  const position = window.masks[maskIndex].position;
  const results: PieceCandidate[] = words.map((ids) => ({ ids: [...ids], logProb: 0 }));
  const byLength = new Map<number, number[]>();
  words.forEach((ids, i) => byLength.set(ids.length, [...(byLength.get(ids.length) ?? []), i]));
  for (const [k, members] of byLength) {
    const widened = widen(window, position, k);
    if (widened.inputIds.length > lm.config.maxPositions) {
      for (const i of members) results[i].logProb = -Infinity;
      continue;
    }
    for (let j = 0; j < k; j++) {
      const rows = members.map((i) => fillPieces(widened.inputIds, position, words[i].slice(0, j)));
      const logits = await lm.logitsAtBatch(rows, widened.tokenTypeIds, [position + j]);
      members.forEach((i, b) => {
        const row = logits[b][0];
        results[i].logProb += row[words[i][j]] - logSumExp(row);
      });
    }
  }
  return results;
}

/** The window's ids with the mask at `position` widened to `k` mask ids. */
export function widen(window: MaskWindow, position: number, k: number): { inputIds: number[]; tokenTypeIds: number[] } {
  const at = window.inputIds[position];
  const segment = window.tokenTypeIds[position];
  return {
    inputIds: [...window.inputIds.slice(0, position), ...new Array<number>(k).fill(at), ...window.inputIds.slice(position + 1)],
    tokenTypeIds: [...window.tokenTypeIds.slice(0, position), ...new Array<number>(k).fill(segment), ...window.tokenTypeIds.slice(position + 1)],
  };
}

/** `inputIds` with `pieces` written from `position` on. */
export function fillPieces(inputIds: readonly number[], position: number, pieces: readonly number[]): number[] {
  const row = inputIds.slice();
  pieces.forEach((id, j) => (row[position + j] = id));
  return row;
}
