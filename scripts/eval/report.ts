/** The quality report as readable tables (the `--json` output is the report object itself). */
import type { AlternativesReport } from './alternatives-eval';
import type { FillCondition, FillReport } from './fill-eval';
import type { HintReport } from './hint-eval';
import type { EvalReport } from './eval';

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) => row.map((cell, c) => (/^[-\d.,%]+(?: ms)?$/.test(cell) && c > 0 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** `every 7th word`, `every word`. */
const everyWord = (k: number) => (k === 1 ? 'every word' : `every ${k}${k % 10 === 2 && k % 100 !== 12 ? 'nd' : k % 10 === 3 && k % 100 !== 13 ? 'rd' : 'th'} word`);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ms = (t: { median: number; p95: number }) => `${t.median.toFixed(1)} / ${t.p95.toFixed(1)} ms`;

/** The whole report as text. */
export function formatReport(report: EvalReport): string {
  const out: string[] = [];
  const m = report.model;
  out.push(`Model: ${m.name} (${m.dir}): ${m.size}, ${m.config}; graph ${m.graph}, loaded in ${Math.round(m.loadMs)} ms`);
  out.push(`Corpus: ${report.corpus.dir}: ${report.corpus.heldoutParagraphs} held-out paragraphs; training text ${report.corpus.trainParagraphs} paragraphs, ${report.corpus.trainWords} words, ${report.corpus.vocabulary} distinct words`);
  out.push(`Seed ${report.options.seed}, ${everyWord(report.options.every)}, at most ${report.options.maxItems.fill} fill items, ${report.options.maxItems.hints} planted sentences, ${report.options.maxItems.alternatives} alternatives words`);
  if (report.fill) out.push('', formatFill(report.fill));
  if (report.hints) out.push('', formatHints(report.hints));
  out.push('', report.alternatives ? formatAlternatives(report.alternatives) : `Alternatives: skipped (${report.notes.alternatives ?? 'not run'})`);
  out.push('', `Total ${(report.totalMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

function formatFill(fill: FillReport): string {
  const rows = (name: string, c: FillCondition) => [
    [name, 'model (as the editor shows)', c.model.n, pct(c.model.top1), pct(c.model.top5), ms(c.ms)],
    ['', 'most frequent training words', c.frequent.n, pct(c.frequent.top1), pct(c.frequent.top5), ''],
    ['', 'left+right bigram counts', c.bigram.n, pct(c.bigram.top1), pct(c.bigram.top5), ''],
  ];
  return [
    `Fill: one word masked at a time (${everyWord(fill.every)}, alphabetic only), ${fill.items} items; a hit matches the word ignoring case`,
    table(['words', 'predictor', 'items', 'top-1', 'top-5', 'median / p95 per item'], [
      ...rows('one-piece words (wholeWords off)', fill.onePiece),
      ...rows('all words (wholeWords on)', fill.wholeWords),
    ]),
  ].join('\n');
}

function formatHints(h: HintReport): string {
  const d = h.defaults;
  const curveRow = (s: HintReport['curve'][number]) => [s.minScore, s.minRatio, pct(s.precision), pct(s.recall), s.f1.toFixed(3), s.truePositives, s.falsePositives, s.falseMarksPer1000.toFixed(2)];
  const pairs = h.pairs.slice(0, 40).map((p) => [`${p.wrong} for ${p.right}`, p.planted, p.flagged, pct(p.planted === 0 ? 0 : p.flagged / p.planted)]);
  return [
    `Hints: ${h.planted} errors planted in ${h.paragraphs} paragraphs (${h.sentences} sentences, one error per sentence with a confusable word); ${h.words} words checked, ${h.cleanWords} in the clean text`,
    `${h.plantedSkipped} planted words were not scored (several vocabulary pieces, such as it's and they're, or unknown to the vocabulary) and count as missed.`,
    `At ${h.thresholdsFrom === 'model' ? "the model's own thresholds (its cloze.json)" : 'the defaults'} (minRatio ${d.minRatio}, minScore ${d.minScore}, similar spelling only): precision ${pct(d.precision)}, recall ${pct(d.recall)}, F1 ${d.f1.toFixed(3)}; `
      + `${d.truePositives} of ${h.planted} planted errors flagged (${d.corrected} with the right word first), ${d.falsePositives} other words flagged; `
      + `${d.falseMarksPer1000.toFixed(2)} false marks per 1,000 words of clean text`,
    `Of the ${h.plantedAlternatives.scored} planted words scored, ${h.plantedAlternatives.rightAmongThem} have the right word among their 8 alternatives and ${h.plantedAlternatives.alikeAmongThem} an alternative spelled alike; `
      + `the best of those: median score ${h.plantedAlternatives.alikeScore.toPrecision(2)}, median ratio to the planted word ${h.plantedAlternatives.alikeRatio.toPrecision(3)}`,
    `Time per check request (at most 120 words): ${ms(h.ms)} (${h.ms.n} requests)`,
    '',
    table(['minScore', 'minRatio', 'precision', 'recall', 'F1', 'flagged planted', 'flagged other', 'false marks / 1,000 clean words'], h.curve.map(curveRow)),
    '',
    table(['planted (wrong for right)', 'planted', h.thresholdsFrom === 'model' ? "flagged at the model's thresholds" : 'flagged at defaults', 'recall'], pairs),
  ].join('\n');
}

function formatAlternatives(a: AlternativesReport): string {
  const rows = a.modes.map((m) => [m.mode, m.shown, pct(m.synonymShare), pct(m.antonymShare), pct(m.wordsWithSynonym), pct(m.wordsWithAntonym), pct(m.synonymFirst), pct(m.antonymFirst), ms(m.ms)]);
  return [
    `Alternatives: ${a.items} held-out words with WordNet synonyms (${a.withAntonyms} also with antonyms), replaced as the editor replaces a word; top 5 compared with WordNet`,
    table(['mode', 'shown', 'synonyms', 'antonyms', 'words with a synonym', 'words with an antonym', 'synonym first', 'antonym first', 'median / p95 per item'], rows),
  ].join('\n');
}
