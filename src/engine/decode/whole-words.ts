import type { MaskWindow } from '../window/mask-window';
import type { MaskedLm } from '../worker/masked-lm';
import { logSumExp } from './rank-suggestions';
import type { WordTokenizer } from '../window/word-tokenizer';

/**
 * Multi-piece words at one mask: a word the vocabulary splits into `k` pieces
 * (`strawberries` → `straw ##berries`) cannot come out of a single mask, so
 * the mask is widened to `k` consecutive mask ids and filled left to right.
 *
 * Scoring is the chain rule, left to right: with the mask widened to `k` ids,
 * piece `j` is scored by the model's log-softmax at mask `j` given pieces
 * `0..j-1` filled in and pieces `j+1..k-1` still masked. A word's
 * `logProb` is the sum over its pieces (natural log); candidates of different
 * lengths are compared by the mean, `logProb / k`, so that a word is not
 * penalised merely for having more pieces (a one-piece word's mean is its own
 * log-probability, the pipeline's score in log space).
 */

/** A word of one or more pieces, with its chain-rule log-probability. */
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
  /** Partial words kept after each step, 1 to 16. */
  beam: number;
}

/** Mean log-probability per piece: how candidates of different piece counts are ranked. */
export function meanLogProb(candidate: PieceCandidate): number {
  return candidate.logProb / candidate.ids.length;
}

/**
 * Beam search for words of 2 to `maxPieces` pieces at `window.masks[maskIndex]`.
 * For each piece count `k` it runs `k` forward passes, each over all beams at
 * once (one batched `run`); the first piece is drawn from word-start tokens,
 * the others from continuation pieces (`##x`, never the previous piece again), keeping the `beam` best partial
 * words by summed log-probability after each step.
 * @returns Complete words of every piece count, best mean log-probability first.
 *   Piece counts whose widened window would exceed the model's positions are skipped.
 */
export async function searchWholeWords(lm: MaskedLm, window: MaskWindow, maskIndex: number, search: WholeWordSearch): Promise<PieceCandidate[]> {
  const kinds = pieceKinds(lm.tokenizer);
  const mask = window.masks[maskIndex];
  const afterSpace = mask.textOffset > 0 && /\s/.test(window.text[mask.textOffset - 1]);
  const found: PieceCandidate[] = [];
  for (let k = 2; k <= search.maxPieces; k++) {
    const widened = widen(window, mask.position, k);
    if (widened.inputIds.length > lm.config.maxPositions) break;
    let beams: PieceCandidate[] = [{ ids: [], logProb: 0 }];
    for (let j = 0; j < k; j++) {
      const rows = beams.map((b) => fillPieces(widened.inputIds, mask.position, b.ids));
      const logits = await lm.logitsAtBatch(rows, widened.tokenTypeIds, [mask.position + j]);
      const next: PieceCandidate[] = [];
      beams.forEach((b, i) => {
        const row = logits[i][0];
        const logZ = logSumExp(row);
        const allowed = (id: number): boolean => {
          const kind = kinds[id];
          // The same continuation twice in a row (`straw ##berries ##berries`) is a
          // degenerate beam, not a word.
          if (j > 0) return kind === CONTINUATION && id !== b.ids[j - 1];
          // A bare BPE piece starts a word where no space precedes the mask.
          return kind === WORD_START || (kind === CONTINUATION && lm.tokenizer.kind !== 'wordpiece' && !afterSpace);
        };
        for (const id of bestAllowed(row, search.beam, allowed)) next.push({ ids: [...b.ids, id], logProb: b.logProb + row[id] - logZ });
      });
      beams = next.sort((a, b) => b.logProb - a.logProb).slice(0, search.beam);
    }
    found.push(...beams);
  }
  return found.sort((a, b) => meanLogProb(b) - meanLogProb(a));
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

// 0: neither a word start nor a continuation.
const WORD_START = 1;
const CONTINUATION = 2;
const kindCache = new WeakMap<WordTokenizer, Uint8Array>();

/**
 * Per vocabulary id: a word start (has a letter or digit, not special or a
 * placeholder like `[unused3]`), a continuation piece with a letter or digit,
 * or neither (punctuation, special tokens).
 */
function pieceKinds(tokenizer: WordTokenizer): Uint8Array {
  let kinds = kindCache.get(tokenizer);
  if (kinds) return kinds;
  kinds = new Uint8Array(tokenizer.vocabSize);
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const token = tokenizer.idToToken(id);
    if (token === undefined || tokenizer.specialIds.has(id) || /^(\[[^\]]+\]|<[^>]+>)$/.test(token)) continue;
    if (!/[\p{L}\p{N}]/u.test(token) || /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\uFFFD]/u.test(token)) continue;
    kinds[id] = tokenizer.isContinuation(id) ? CONTINUATION : WORD_START;
  }
  kindCache.set(tokenizer, kinds);
  return kinds;
}

/** The `n` ids with the largest values among the allowed ones, largest first (ties: lower id first). */
function bestAllowed(values: ArrayLike<number>, n: number, allowed: (id: number) => boolean): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (best.length === n && !(v > values[best[n - 1]])) continue;
    if (!allowed(i)) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]] < v) at--;
    best.splice(at, 0, i);
    if (best.length > n) best.pop();
  }
  return best;
}
