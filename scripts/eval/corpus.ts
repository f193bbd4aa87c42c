/**
 * The evaluation corpus: a folder with `heldout.txt` and `train.txt`, one
 * paragraph per line (scripts/train-model/extract_corpus.py writes it), and
 * the small helpers every section shares: a seeded shuffle, the words of a
 * paragraph, medians and percentiles.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** The environment variable naming the default corpus folder. */
export const CORPUS_ENV = 'CLOZE_EVAL_CORPUS';

export interface Corpus {
  dir: string;
  heldoutPath: string;
  trainPath: string;
}

/**
 * The corpus folder `dir` (or `$CLOZE_EVAL_CORPUS`), checked.
 * @throws {Error} naming what is missing and how to make a corpus.
 */
export function openCorpus(dir: string | undefined): Corpus {
  const chosen = dir ?? process.env[CORPUS_ENV];
  const howTo = 'Make one with scripts/train-model/extract_corpus.py (branch train-model): it writes heldout.txt and train.txt, one paragraph per line.';
  if (!chosen) throw new Error(`No corpus: pass \`--corpus DIR\` or set ${CORPUS_ENV}. ${howTo}`);
  const corpus = { dir: chosen, heldoutPath: path.join(chosen, 'heldout.txt'), trainPath: path.join(chosen, 'train.txt') };
  for (const file of [corpus.heldoutPath, corpus.trainPath]) {
    if (!fs.existsSync(file)) throw new Error(`The corpus folder \`${chosen}\` has no ${path.basename(file)}. ${howTo}`);
  }
  return corpus;
}

/** The held-out paragraphs: the non-empty lines of `heldout.txt`, trimmed. */
export function readHeldout(corpus: Corpus): string[] {
  return fs.readFileSync(corpus.heldoutPath, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
}

/** Calls `onParagraph` for each non-empty line of `train.txt`, reading it as a stream. */
export async function forEachTrainingParagraph(corpus: Corpus, onParagraph: (paragraph: string) => void): Promise<void> {
  const lines = readline.createInterface({ input: fs.createReadStream(corpus.trainPath, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const paragraph = line.trim();
    if (paragraph.length > 0) onParagraph(paragraph);
  }
}

/** A deterministic generator of numbers in [0, 1) (mulberry32), so that a seed repeats a run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The indexes `0 … n-1` in a seeded random order (Fisher–Yates). */
export function shuffledIndexes(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A word of a paragraph and where it stands. */
export interface WordAt {
  word: string;
  start: number;
  end: number;
}

/** Prose punctuation that may surround a word; anything else (`` ` ``, `_`, `/`…) makes the chunk code. */
const PROSE_PUNCTUATION = /^["'“”‘’([{]*(.*?)["'“”‘’)\]},.;:!?]*$/su;

/**
 * The whitespace-separated chunks of `text`, each with its word when the
 * chunk is one alphabetic word in prose punctuation (`(word),` yes;
 * `file.ts`, `` `code` ``, `x2`, `don't` no). Chunks without one have
 * `word` undefined but count as positions (see `everyKth`).
 */
export function chunksOf(text: string): { word: WordAt | undefined }[] {
  const out: { word: WordAt | undefined }[] = [];
  for (const m of text.matchAll(/\S+/gu)) {
    const inner = PROSE_PUNCTUATION.exec(m[0]);
    const core = inner?.[1] ?? '';
    if (!/^\p{L}+$/u.test(core)) {
      out.push({ word: undefined });
      continue;
    }
    const start = m.index + m[0].indexOf(core);
    out.push({ word: { word: core, start, end: start + core.length } });
  }
  return out;
}

/** The alphabetic words at every `k`-th chunk of `text` (the k-th, 2k-th…). */
export function everyKth(text: string, k: number): WordAt[] {
  return chunksOf(text)
    .filter((_, i) => i % k === k - 1)
    .flatMap((c) => (c.word ? [c.word] : []));
}

/**
 * The lowercase tokens of `text` for the count models: words (with inner
 * apostrophes), runs of digits, and single punctuation marks, with offsets.
 */
export function countTokens(text: string): { token: string; start: number; end: number }[] {
  return [...text.matchAll(/\p{L}+(?:['’]\p{L}+)*|\p{N}+|[^\s\p{L}\p{N}]/gu)].map((m) => ({ token: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length }));
}

/** Whether a count token is a word a baseline may propose: letters only. */
export const isAlphabetic = (token: string): boolean => /^\p{L}+$/u.test(token);

/** Median and 95th percentile (nearest rank) of `values`, in their unit; zeros for none. */
export function timing(values: readonly number[]): { median: number; p95: number; n: number } {
  if (values.length === 0) return { median: 0, p95: 0, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, p95: rank(0.95), n: sorted.length };
}
