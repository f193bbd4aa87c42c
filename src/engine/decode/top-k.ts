/**
 * The indices of the `n` largest values, largest first; ties keep the lower index first.
 * Keeps a sorted buffer of the best so far (an insertion per value that beats the worst kept),
 * which is linear in practice for a small `n`; sorts everything when `n` is a large share.
 * @param values Any numbers; NaN never makes the cut.
 * @param n How many to keep, 0 or more.
 * @param allowed When given, only indices for which it holds count. It is called only for
 *   values that would make the cut, so a costly test runs rarely.
 */
export function topIndices(values: ArrayLike<number>, n: number, allowed?: (index: number) => boolean): number[] {
  if (n <= 0) return [];
  if (allowed === undefined && n >= values.length / 8) {
    return Array.from({ length: values.length }, (_, i) => i)
      .filter((i) => !Number.isNaN(values[i]))
      .sort((a, b) => values[b] - values[a] || a - b)
      .slice(0, n);
  }
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v) || (best.length === n && !(v > values[best[n - 1]]))) continue;
    if (allowed !== undefined && !allowed(i)) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]] < v) at--;
    best.splice(at, 0, i);
    if (best.length > n) best.pop();
  }
  return best;
}
