/**
 * The unlikely-word rule: when a word the model scored in place is worth a
 * hint. Shared by the editor's hints, Explain Suggestions and the quality
 * report; the scores come from the engine's `check`.
 */
import type { Suggestion, WordCheck } from '../engine/types';

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
 * The thresholds a model recommends for itself, measured on real prose with
 * `npm run eval` (a small model is never as sure as bert-base: its right
 * words have probabilities of a few percent). See `readModelProfile`.
 */
export type ModelHintThresholds = Partial<Pick<HintThresholds, 'minRatio' | 'minScore'>>;

/** The range of each threshold, for the settings and a model's own alike (package.json repeats them for the Settings editor). */
export const HINT_THRESHOLD_BOUNDS: Readonly<Record<keyof ModelHintThresholds, readonly [min: number, max: number]>> = {
  minRatio: [1, 1_000_000],
  minScore: [0, 1],
};

/**
 * The thresholds in force: each one the user set (`cloze.hints.*`), else the
 * model's own, else {@link DEFAULT_HINT_THRESHOLDS}.
 */
export function hintThresholds(set: { minRatio?: number; minScore?: number; similarOnly: boolean }, model?: ModelHintThresholds): HintThresholds {
  return {
    minRatio: set.minRatio ?? model?.minRatio ?? DEFAULT_HINT_THRESHOLDS.minRatio,
    minScore: set.minScore ?? model?.minScore ?? DEFAULT_HINT_THRESHOLDS.minScore,
    similarOnly: set.similarOnly,
  };
}

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
