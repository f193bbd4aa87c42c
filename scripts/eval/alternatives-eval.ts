/**
 * The alternatives section: held-out words that have WordNet synonyms are
 * replaced as the editor replaces a word (the word is the span, the engine
 * proposes other words), and the top five are compared with the word's
 * WordNet synonyms and antonyms, in both alternatives modes (`fit`, `meaning`).
 */
import { performance } from 'node:perf_hooks';
import type { Alternatives, Engine, FillRequest } from '../../src/engine';
import { everyKth, shuffledIndexes, timing } from './corpus';
import { EDITOR_MAX_TOKENS, EDITOR_TOP_K } from './fill-eval';
import type { WordNet } from './wordnet';

/** Words too grammatical to ask alternatives for, though WordNet lists them. */
const SKIP = new Set(['be', 'is', 'are', 'was', 'were', 'been', 'have', 'has', 'had', 'do', 'does', 'did', 'can', 'will', 'may', 'must', 'might', 'should', 'would', 'could', 'shall', 'not', 'one', 'a', 'i']);

export interface AlternativesItem {
  paragraph: number;
  text: string;
  start: number;
  end: number;
  word: string;
  synonyms: Set<string>;
  antonyms: Set<string>;
}

export interface ModeScores {
  mode: Alternatives;
  /** Alternatives shown (at most five per word). */
  shown: number;
  /** Their share that are WordNet synonyms / antonyms of the word. */
  synonymShare: number;
  antonymShare: number;
  /** The share of words with at least one synonym / antonym among their five. */
  wordsWithSynonym: number;
  wordsWithAntonym: number;
  /** A synonym first / an antonym first. */
  synonymFirst: number;
  antonymFirst: number;
  ms: { median: number; p95: number; n: number };
}

export interface AlternativesReport {
  items: number;
  /** Of the items, how many have an antonym in WordNet. */
  withAntonyms: number;
  modes: ModeScores[];
}

/**
 * Words of `paragraphs` (every `every`-th chunk, in a seeded order) that are
 * lowercase noun, verb or adjective lemmas with at least one one-word synonym.
 */
export function alternativesItems(paragraphs: readonly string[], wordnet: WordNet, options: { every: number; maxItems: number; random: () => number }): AlternativesItem[] {
  const items: AlternativesItem[] = [];
  for (const p of shuffledIndexes(paragraphs.length, options.random)) {
    for (const w of everyKth(paragraphs[p], options.every)) {
      if (items.length >= options.maxItems) return items;
      if (w.word !== w.word.toLowerCase() || w.word.length < 3 || SKIP.has(w.word) || !wordnet.isContentWord(w.word)) continue;
      const synonyms = wordnet.synonyms(w.word);
      if (synonyms.size === 0) continue;
      items.push({ paragraph: p, text: paragraphs[p], start: w.start, end: w.end, word: w.word, synonyms, antonyms: wordnet.antonyms(w.word) });
    }
  }
  return items;
}

/** Asks for each item's alternatives in each of `modes` and compares them with WordNet. */
export async function evaluateAlternatives(engine: Engine, items: readonly AlternativesItem[], modes: readonly Alternatives[] = ['fit', 'meaning']): Promise<AlternativesReport> {
  const out: ModeScores[] = [];
  for (const mode of modes) {
    const ms: number[] = [];
    let shown = 0;
    let synonyms = 0;
    let antonyms = 0;
    let wordsWithSynonym = 0;
    let wordsWithAntonym = 0;
    let synonymFirst = 0;
    let antonymFirst = 0;
    for (const item of items) {
      // The editor replacing a word: filter `words` (the word itself never comes back) and, with the
      // default `cloze.wholeWords: words`, whole words; `cloze.alternatives` picks the mode.
      const request: FillRequest = {
        text: item.text,
        masks: [{ start: item.start, end: item.end }],
        topK: EDITOR_TOP_K,
        maxTokens: EDITOR_MAX_TOKENS,
        filter: 'words',
        wholeWords: true,
        alternatives: mode,
      };
      const started = performance.now();
      const [result] = await engine.fill(request);
      ms.push(performance.now() - started);
      const words = result.suggestions.slice(0, EDITOR_TOP_K).map((s) => s.word.toLowerCase());
      const isSynonym = words.map((w) => item.synonyms.has(w));
      const isAntonym = words.map((w) => item.antonyms.has(w));
      shown += words.length;
      synonyms += isSynonym.filter(Boolean).length;
      antonyms += isAntonym.filter(Boolean).length;
      if (isSynonym.some(Boolean)) wordsWithSynonym++;
      if (isAntonym.some(Boolean)) wordsWithAntonym++;
      if (isSynonym[0]) synonymFirst++;
      if (isAntonym[0]) antonymFirst++;
    }
    const share = (count: number, of: number) => (of === 0 ? 0 : count / of);
    out.push({
      mode,
      shown,
      synonymShare: share(synonyms, shown),
      antonymShare: share(antonyms, shown),
      wordsWithSynonym: share(wordsWithSynonym, items.length),
      wordsWithAntonym: share(wordsWithAntonym, items.length),
      synonymFirst: share(synonymFirst, items.length),
      antonymFirst: share(antonymFirst, items.length),
      ms: timing(ms),
    });
  }
  return { items: items.length, withAntonyms: items.filter((i) => i.antonyms.size > 0).length, modes: out };
}
