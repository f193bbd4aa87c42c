/**
 * The hints section: real-word errors (confusions.ts) planted into held-out
 * sentences, one per sentence that holds a confusable word, and the words
 * checked as the editor's hints check them (src/editor/hints.ts: the
 * checkable words of each sentence, batches of at most 120 words, eight
 * alternatives each, the paragraph as context), then judged by the
 * unlikely-word rule. The same paragraphs, clean, give the false marks per
 * 1,000 words.
 */
import { performance } from 'node:perf_hooks';
import type { Engine, Span, WordCheck } from '../../src/engine';
import { checkableWords } from '../../src/text/hint-words';
import { sentencesOf } from '../../src/text/words';
import { DEFAULT_HINT_THRESHOLDS, type HintThresholds, spelledAlike, unlikelyWord } from '../../src/text/unlikely-word';
import { shuffledIndexes, timing } from './corpus';
import { confusionMap, inCaseOf } from './confusions';
import { EDITOR_MAX_TOKENS } from './fill-eval';

/** As src/editor/hints.ts: words per request, alternatives kept per word. */
const BATCH_WORDS = 120;
const ALTERNATIVES = 8;

/** The thresholds of the precision/recall curve. */
export const CURVE_RATIOS = [2, 5, 10, 20, 50, 100, 200, 500];
export const CURVE_SCORES = [0.3, 0.1, 0.03, 0.01];

/** An error planted into a paragraph: `wrong` where the writer meant `right`. */
export interface Plant {
  start: number;
  end: number;
  right: string;
  wrong: string;
}

/** A paragraph prepared for the hints: its clean and planted text and where the errors are. */
export interface HintParagraph {
  clean: string;
  planted: string;
  plants: Plant[];
}

type Scored = Pick<WordCheck, 'text' | 'score' | 'alternatives'>;

/** What the checks found in a paragraph: planted words (checked or not) and the others. */
interface Checked {
  plants: { plant: Plant; check: Scored | undefined }[];
  others: Scored[];
  clean: Scored[];
  cleanWords: number;
}

export interface HintScores {
  minRatio: number;
  minScore: number;
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
  /** Flags per 1,000 checkable words of the clean text. */
  falseMarksPer1000: number;
}

export interface HintReport {
  paragraphs: number;
  sentences: number;
  planted: number;
  /** Planted words the engine did not score (several vocabulary pieces): never flagged. */
  plantedSkipped: number;
  /** Checkable words of the planted text, and of the clean text. */
  words: number;
  cleanWords: number;
  /** At the thresholds in force (`thresholdsFrom`: the model's own `cloze.json`, or Cloze's defaults). */
  defaults: HintScores & { corrected: number };
  thresholdsFrom?: 'model' | 'defaults';
  curve: HintScores[];
  /**
   * Why planted words are missed: of the scored ones, how many have the right
   * word among their eight alternatives, how many any alternative spelled
   * alike, and for the best such one its score and its ratio to the planted
   * word's (medians), to set against `minScore` and `minRatio`.
   */
  plantedAlternatives: { scored: number; rightAmongThem: number; alikeAmongThem: number; alikeScore: number; alikeRatio: number };
  /** At the defaults, per confusion (`wrong` for `right`). */
  pairs: { right: string; wrong: string; planted: number; flagged: number }[];
  /** Milliseconds per check request (at most 120 words). */
  ms: { median: number; p95: number; n: number };
}

/**
 * Plants one error into each sentence of `text` that holds a checkable
 * confusable word: of the sentence's confusable words, one planted least so
 * far (by `counts`, which this updates; ties at random), so that `to` and
 * `of`, in nearly every sentence, do not crowd out `their` and `than`; then
 * one of its occurrences and one of its partners at random.
 */
export function plantErrors(text: string, random: () => number, limit = Number.POSITIVE_INFINITY, counts = new Map<string, number>()): HintParagraph {
  const confusions = confusionMap();
  const plants: Plant[] = [];
  for (const sentence of sentencesOf(text)) {
    if (plants.length >= limit) break;
    const words = checkableWords(text.slice(sentence.start, sentence.end)).map((w) => ({ start: w.start + sentence.start, end: w.end + sentence.start }));
    const candidates = words.filter((w) => confusions.has(normal(text.slice(w.start, w.end))));
    if (candidates.length === 0) continue;
    const kinds = [...new Set(candidates.map((w) => normal(text.slice(w.start, w.end))))];
    const fewest = Math.min(...kinds.map((k) => counts.get(k) ?? 0));
    const kind = pick(kinds.filter((k) => (counts.get(k) ?? 0) === fewest), random);
    counts.set(kind, fewest + 1);
    const at = pick(candidates.filter((w) => normal(text.slice(w.start, w.end)) === kind), random);
    const right = text.slice(at.start, at.end);
    plants.push({ ...at, right, wrong: inCaseOf(pick(confusions.get(kind) ?? [], random), right) });
  }
  let planted = '';
  let from = 0;
  const moved: Plant[] = [];
  for (const p of plants) {
    planted += text.slice(from, p.start);
    moved.push({ ...p, start: planted.length, end: planted.length + p.wrong.length });
    planted += p.wrong;
    from = p.end;
  }
  planted += text.slice(from);
  return { clean: text, planted, plants: moved };
}

/** The hint paragraphs of `paragraphs` in a seeded order, until `maxSentences` errors are planted (see {@link plantErrors}). */
export function hintParagraphs(paragraphs: readonly string[], maxSentences: number, random: () => number): HintParagraph[] {
  const out: HintParagraph[] = [];
  let planted = 0;
  const counts = new Map<string, number>();
  for (const p of shuffledIndexes(paragraphs.length, random)) {
    if (planted >= maxSentences) break;
    const paragraph = plantErrors(paragraphs[p], random, maxSentences - planted, counts);
    if (paragraph.plants.length === 0) continue;
    planted += paragraph.plants.length;
    out.push(paragraph);
  }
  return out;
}

/** Checks every paragraph, planted and clean, and scores the rule at the defaults and along the curve. */
export async function evaluateHints(engine: Engine, paragraphs: readonly HintParagraph[], thresholds: HintThresholds = DEFAULT_HINT_THRESHOLDS): Promise<HintReport> {
  const ms: number[] = [];
  const all: Checked[] = [];
  let sentences = 0;
  let words = 0;
  for (const paragraph of paragraphs) {
    sentences += sentencesOf(paragraph.planted).length;
    const planted = await checkText(engine, paragraph.planted, ms);
    const clean = await checkText(engine, paragraph.clean, ms);
    words += planted.words;
    const at = new Map(planted.checked.map((c) => [c.span.start, c]));
    const plantStarts = new Set(paragraph.plants.map((p) => p.start));
    all.push({
      plants: paragraph.plants.map((plant) => ({ plant, check: at.get(plant.start) })),
      others: planted.checked.filter((c) => !plantStarts.has(c.span.start)),
      clean: clean.checked,
      cleanWords: clean.words,
    });
  }
  const curve = CURVE_SCORES.flatMap((minScore) => CURVE_RATIOS.map((minRatio) => score(all, { ...thresholds, minRatio, minScore })));
  const defaults = score(all, thresholds);
  const pairs = new Map<string, { right: string; wrong: string; planted: number; flagged: number }>();
  let corrected = 0;
  for (const { plant, check } of all.flatMap((c) => c.plants)) {
    const key = `${normal(plant.wrong)} for ${normal(plant.right)}`;
    const row = pairs.get(key) ?? { right: normal(plant.right), wrong: normal(plant.wrong), planted: 0, flagged: 0 };
    row.planted++;
    const flag = check && unlikelyWord(check, thresholds);
    if (flag) row.flagged++;
    if (flag && normal(flag.word) === normal(plant.right)) corrected++;
    pairs.set(key, row);
  }
  const plants = all.flatMap((c) => c.plants);
  const scored = plants.flatMap((p) => (p.check ? [{ plant: p.plant, check: p.check }] : []));
  const alike = scored.flatMap(({ check }) => {
    const best = check.alternatives.find((a) => spelledAlike(check.text, a.word));
    return best ? [{ score: best.score, ratio: best.score / Math.max(check.score, Number.MIN_VALUE) }] : [];
  });
  return {
    paragraphs: paragraphs.length,
    sentences,
    planted: plants.length,
    plantedSkipped: plants.filter((p) => !p.check).length,
    words,
    cleanWords: all.reduce((sum, c) => sum + c.cleanWords, 0),
    defaults: { ...defaults, corrected },
    curve,
    plantedAlternatives: {
      scored: scored.length,
      rightAmongThem: scored.filter(({ plant, check }) => check.alternatives.some((a) => normal(a.word) === normal(plant.right))).length,
      alikeAmongThem: alike.length,
      alikeScore: timing(alike.map((a) => a.score)).median,
      alikeRatio: timing(alike.map((a) => a.ratio)).median,
    },
    pairs: [...pairs.values()].sort((a, b) => b.planted - a.planted || a.wrong.localeCompare(b.wrong)),
    ms: timing(ms),
  };
}

/** Checks the checkable words of each sentence of `text`, batched as the editor batches them. */
async function checkText(engine: Engine, text: string, ms: number[]): Promise<{ checked: WordCheck[]; words: number }> {
  const checked: WordCheck[] = [];
  let batch: Span[] = [];
  let words = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const started = performance.now();
    const result = await engine.check({ text, words: batch, topK: ALTERNATIVES, maxTokens: EDITOR_MAX_TOKENS });
    ms.push(performance.now() - started);
    checked.push(...result.checked);
    batch = [];
  };
  for (const sentence of sentencesOf(text)) {
    const spans = checkableWords(text.slice(sentence.start, sentence.end)).map((w) => ({ start: w.start + sentence.start, end: w.end + sentence.start }));
    words += spans.length;
    if (batch.length > 0 && batch.length + spans.length > BATCH_WORDS) await flush();
    batch.push(...spans);
  }
  await flush();
  return { checked, words };
}

function score(all: readonly Checked[], thresholds: HintThresholds): HintScores {
  let truePositives = 0;
  let falsePositives = 0;
  let planted = 0;
  let cleanMarks = 0;
  let cleanWords = 0;
  for (const c of all) {
    planted += c.plants.length;
    truePositives += c.plants.filter((p) => p.check && unlikelyWord(p.check, thresholds)).length;
    falsePositives += c.others.filter((o) => unlikelyWord(o, thresholds)).length;
    cleanMarks += c.clean.filter((o) => unlikelyWord(o, thresholds)).length;
    cleanWords += c.cleanWords;
  }
  const precision = truePositives + falsePositives === 0 ? 0 : truePositives / (truePositives + falsePositives);
  const recall = planted === 0 ? 0 : truePositives / planted;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const falseMarksPer1000 = cleanWords === 0 ? 0 : (1000 * cleanMarks) / cleanWords;
  return { minRatio: thresholds.minRatio, minScore: thresholds.minScore, precision, recall, f1, truePositives, falsePositives, falseMarksPer1000 };
}

const normal = (word: string) => word.toLowerCase().replace(/’/g, "'");

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}
