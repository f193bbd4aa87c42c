/**
 * The two count baselines the fill section compares the model with, both
 * learnt from the corpus's training text:
 * - `frequent`: always the five most frequent training words;
 * - `bigram`: the words between the left and right neighbours, scored
 *   `(count(left, w) + 1) * (count(w, right) + 1)` over the training
 *   vocabulary (add-one smoothing), ties to the more frequent word.
 */
import { type Corpus, countTokens, forEachTrainingParagraph, isAlphabetic } from './corpus';

/** The boundary tokens a paragraph's first and last word have as neighbours. */
export const START = '<s>';
export const END = '</s>';

/** Word counts from the training text. */
export class TrainingCounts {
  /** Token -> id; ids index `unigram`. */
  private readonly ids = new Map<string, number>();
  private readonly tokens: string[] = [];
  /** How often each token occurs (every token, punctuation too). */
  private readonly unigram: number[] = [];
  /** left id -> (word id -> count), for alphabetic words only. */
  private readonly after = new Map<number, Map<number, number>>();
  /** right id -> (word id -> count), for alphabetic words only. */
  private readonly before = new Map<number, Map<number, number>>();
  private topCache: string[] | undefined;
  paragraphs = 0;
  words = 0;

  /** Counts `train.txt` of `corpus`, streamed. */
  static async fromCorpus(corpus: Corpus): Promise<TrainingCounts> {
    const counts = new TrainingCounts();
    await forEachTrainingParagraph(corpus, (p) => counts.add(p));
    return counts;
  }

  /** Adds one paragraph's counts. */
  add(paragraph: string): void {
    const ids = [START, ...countTokens(paragraph).map((t) => t.token), END].map((t) => this.idOf(t));
    this.paragraphs++;
    for (let i = 1; i < ids.length - 1; i++) {
      this.unigram[ids[i]]++;
      if (!isAlphabetic(this.tokens[ids[i]])) continue;
      this.words++;
      bump(this.after, ids[i - 1], ids[i]);
      bump(this.before, ids[i + 1], ids[i]);
    }
    this.topCache = undefined;
  }

  /** The number of distinct alphabetic training words (the baselines' vocabulary). */
  get vocabularySize(): number {
    return this.tokens.filter(isAlphabetic).length;
  }

  /** The `n` most frequent alphabetic training words, most frequent first (ties alphabetical). */
  mostFrequent(n = 5): string[] {
    if (!this.topCache || this.topCache.length < n) {
      this.topCache = this.tokens
        .map((token, id) => ({ token, count: this.unigram[id] }))
        .filter((t) => isAlphabetic(t.token) && t.count > 0)
        .sort((a, b) => b.count - a.count || compare(a.token, b.token))
        .slice(0, Math.max(n, 50))
        .map((t) => t.token);
    }
    return this.topCache.slice(0, n);
  }

  /**
   * The bigram baseline's `n` best words between `left` and `right` (count
   * tokens, or {@link START} / {@link END}), best first.
   */
  bigram(left: string, right: string, n = 5): string[] {
    const l = this.ids.get(left);
    const r = this.ids.get(right);
    const afterLeft = l === undefined ? undefined : this.after.get(l);
    const beforeRight = r === undefined ? undefined : this.before.get(r);
    const scored = new Map<number, number>();
    for (const [w, c] of afterLeft ?? []) scored.set(w, (c + 1) * ((beforeRight?.get(w) ?? 0) + 1));
    for (const [w, c] of beforeRight ?? []) if (!scored.has(w)) scored.set(w, c + 1);
    const best = [...scored]
      .sort(([a, sa], [b, sb]) => sb - sa || this.unigram[b] - this.unigram[a] || compare(this.tokens[a], this.tokens[b]))
      .slice(0, n)
      .map(([w]) => this.tokens[w]);
    // Every other word scores 1: the most frequent of them fill the rest.
    for (const word of this.mostFrequent(n + best.length)) {
      if (best.length >= n) break;
      if (!best.includes(word)) best.push(word);
    }
    return best;
  }

  private idOf(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.ids.set(token, id);
      this.tokens.push(token);
      this.unigram.push(0);
    }
    return id;
  }
}

function bump(table: Map<number, Map<number, number>>, key: number, word: number): void {
  let row = table.get(key);
  if (!row) table.set(key, (row = new Map()));
  row.set(word, (row.get(word) ?? 0) + 1);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The neighbours of the word at `[start, end)` of `text` as the bigram baseline sees them. */
export function neighboursOf(text: string, start: number, end: number): { left: string; right: string } {
  const tokens = countTokens(text);
  const left = tokens.filter((t) => t.end <= start).at(-1)?.token ?? START;
  const right = tokens.find((t) => t.start >= end)?.token ?? END;
  return { left, right };
}
