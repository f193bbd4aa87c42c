/**
 * Compares two sets of logits rows (one per mask) as the head-at-mask
 * rewrite's contract states it: scores (softmax over the vocabulary) within a
 * tolerance, and the same ids in rank order wherever a score stands more than
 * that tolerance apart from both neighbours (closer ones may swap).
 */

/** Softmax over a whole logits row, in float64 as rankSuggestions computes it. */
export function scoresOf(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i] - max);
  for (let i = 0; i < row.length; i++) out[i] /= sum;
  return out;
}

export interface RowComparison {
  /** The largest |score difference| over all rows and vocabulary ids. */
  maxScoreDiff: number;
  /** The largest |logit difference|. */
  maxLogitDiff: number;
  /** Ranks (within `topK`) whose id differs although the reference's score there is isolated by more than `tolerance`. */
  mismatches: string[];
  /** Whether the top-`topK` ids agree exactly, ties included. */
  sameTopIds: boolean;
}

/**
 * @param reference - rows from the stock graph.
 * @param candidate - rows from the rewritten graph, in the same order.
 * @param tolerance - the score tolerance (1e-5 for fp32, 1e-4 for int8).
 * @param topK - how many ranks to check for the id rule.
 */
export function compareRows(reference: ArrayLike<number>[], candidate: ArrayLike<number>[], tolerance: number, topK = 20): RowComparison {
  if (reference.length !== candidate.length) throw new RangeError(`Expected ${reference.length} rows, got ${candidate.length}`);
  let maxScoreDiff = 0;
  let maxLogitDiff = 0;
  const mismatches: string[] = [];
  let sameTopIds = true;
  reference.forEach((refRow, r) => {
    const candRow = candidate[r];
    if (refRow.length !== candRow.length) throw new RangeError(`Row ${r}: ${refRow.length} vs ${candRow.length} values`);
    const a = scoresOf(refRow);
    const b = scoresOf(candRow);
    for (let i = 0; i < a.length; i++) {
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs(a[i] - b[i]));
      maxLogitDiff = Math.max(maxLogitDiff, Math.abs(refRow[i] - candRow[i]));
    }
    const order = (s: Float64Array) => Array.from(s.keys()).sort((x, y) => s[y] - s[x] || x - y).slice(0, topK + 1);
    const ra = order(a);
    const rb = order(b);
    for (let k = 0; k < topK; k++) {
      if (ra[k] !== rb[k]) sameTopIds = false;
      const gapAbove = k === 0 ? Infinity : a[ra[k - 1]] - a[ra[k]];
      const gapBelow = a[ra[k]] - a[ra[k + 1]];
      if (gapAbove > tolerance && gapBelow > tolerance && ra[k] !== rb[k]) {
        mismatches.push(`row ${r} rank ${k}: id ${ra[k]} (score ${a[ra[k]]}) vs id ${rb[k]} (score ${b[rb[k]]})`);
      }
    }
  });
  return { maxScoreDiff, maxLogitDiff, mismatches, sameTopIds };
}
