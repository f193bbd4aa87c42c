// The quality report (scripts/eval) on the planted tiny model and a tiny
// corpus built from its sentences (test/fixtures/eval-corpus), with a
// made-up WordNet in the data files' format: numbers that must come out
// exactly, without /work/data or an installed WordNet.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { DEFAULT_HINT_THRESHOLDS } from '../../src/text/unlikely-word';
import { alternativesItems, evaluateAlternatives } from '../../scripts/eval/alternatives-eval';
import { TrainingCounts } from '../../scripts/eval/baselines';
import { chunksOf, everyKth, openCorpus, readHeldout, seededRandom, timing } from '../../scripts/eval/corpus';
import { confusionMap, CONFUSION_PAIRS, inCaseOf } from '../../scripts/eval/confusions';
import { parseArgs, runEval } from '../../scripts/eval/eval';
import { evaluateFill, fillItem } from '../../scripts/eval/fill-eval';
import { CURVE_RATIOS, CURVE_SCORES, evaluateHints, plantErrors } from '../../scripts/eval/hint-eval';
import { formatReport } from '../../scripts/eval/report';
import { WordNet } from '../../scripts/eval/wordnet';
import { testGraphCache, TINY, tinyEngine, useTinyEngine } from '../helpers/tiny-model';

const CORPUS = path.join(__dirname, '../fixtures/eval-corpus');
const WORDNET = path.join(CORPUS, 'wordnet');
/** The planted model with a synonym (`large`) and an antonym (`small`) of `big`. */
const MEANING = path.join(__dirname, '../fixtures/models/tiny-meaning');
const corpus = openCorpus(CORPUS);
const heldout = readHeldout(corpus);
const answers = JSON.parse(fs.readFileSync(path.join(TINY, 'answers.json'), 'utf8')) as { text: string; top1: string }[];

/** Each held-out line with its planted answer masked: the line is an answers.json sentence with the answer filled in. */
function plantedItems(tokenizer: WordTokenizer) {
  return heldout.map((line, i) => {
    const answer = answers.find((a) => a.text.replace('[MASK]', a.top1) === line);
    assert.ok(answer, `held-out line ${i} is a planted sentence`);
    const start = answer.text.indexOf('[MASK]');
    return fillItem(line, { word: answer.top1, start, end: start + answer.top1.length }, tokenizer, i);
  });
}

describe('eval: corpus and count baselines', () => {
  test('takes every k-th chunk that is an alphabetic word in prose punctuation', () => {
    assert.deepEqual(everyKth('one (two), file.ts `code` five six', 1).map((w) => w.word), ['one', 'two', 'five', 'six']);
    assert.deepEqual(everyKth('a b c d e f g', 3).map((w) => w.word), ['c', 'f']);
    assert.equal(chunksOf('x2 don\'t ok.').filter((c) => c.word).length, 1);
    assert.deepEqual(timing([5, 1, 3, 2, 4]), { median: 3, p95: 5, n: 5 });
  });

  test('the baselines answer what the training counts say', async () => {
    const counts = await TrainingCounts.fromCorpus(corpus);
    assert.equal(counts.paragraphs, 12);
    assert.equal(counts.words, 57);
    // the 8, is 4, then i, like, to 3 each (ties alphabetical).
    assert.deepEqual(counts.mostFrequent(5), ['the', 'is', 'i', 'like', 'to']);
    // (count(drinks, w) + 1) * (count(w, .) + 1): milk and water 4, the other words before `.` 2.
    assert.deepEqual(counts.bigram('drinks', '.'), ['milk', 'water', 'ball', 'blue', 'bread']);
    assert.deepEqual(counts.bigram('the', '.').slice(0, 3), ['ball', 'capital', 'cat']);
    // Unknown neighbours: every word scores 1, the most frequent first.
    assert.deepEqual(counts.bigram('zebra', 'quokka'), ['the', 'is', 'i', 'like', 'to']);
  });

  test('rejects a missing corpus saying how to make one', () => {
    const saved = process.env.CLOZE_EVAL_CORPUS;
    delete process.env.CLOZE_EVAL_CORPUS;
    try {
      assert.throws(() => openCorpus(undefined), /--corpus DIR.*CLOZE_EVAL_CORPUS.*extract_corpus\.py/s);
      assert.throws(() => openCorpus(WORDNET), /has no heldout\.txt/);
    } finally {
      if (saved !== undefined) process.env.CLOZE_EVAL_CORPUS = saved;
    }
  });

  test('parses the command line and names a bad option', () => {
    assert.deepEqual(parseArgs(['--model', 'm', '--json', '--max-items', '40', '--every', '3', '--sections', 'fill,hints']), {
      model: 'm', json: true, maxItems: 40, every: 3, sections: ['fill', 'hints'],
    });
    assert.deepEqual(parseArgs(['--model', 'm', '--max-items', 'fill=400,alternatives=150']).maxItems, { fill: 400, alternatives: 150 });
    assert.throws(() => parseArgs(['--model', 'm', '--max-items', 'speed=3']), /fill=N,hints=N,alternatives=N, got `speed=3`/);
    assert.throws(() => parseArgs(['--model', 'm', '--every', '0']), /`--every` to be an integer of at least 1, got `0`/);
    assert.throws(() => parseArgs(['--model', 'm', '--sections', 'fill,speed']), /got `speed`/);
    assert.throws(() => parseArgs(['--json']), /--model DIR/);
  });
});

describe('eval: WordNet', () => {
  const wordnet = WordNet.load(WORDNET);

  test('reads synonyms (one-word lemmas of the same synsets) and antonyms, indirect ones for satellite adjectives', () => {
    assert.ok(wordnet);
    assert.equal(wordnet.size, 9);
    assert.deepEqual([...wordnet.synonyms('big')], ['large']);
    assert.deepEqual([...wordnet.synonyms('tea')], ['coffee']);
    assert.deepEqual([...wordnet.antonyms('big')].sort(), ['little', 'small']);
    // `huge` is a satellite of `big`: it takes the head's antonyms (indirect antonyms).
    assert.deepEqual([...wordnet.antonyms('huge')].sort(), ['little', 'small']);
    assert.deepEqual([...wordnet.antonyms('tiny')].sort(), ['big', 'large']);
    assert.deepEqual([...wordnet.antonyms('large')], [], 'the antonym pointer is from `big`, word 1, only');
    assert.equal(wordnet.isContentWord('house'), true);
    assert.equal(wordnet.isContentWord('quokka'), false);
  });

  test('is absent where there are no data files', () => {
    assert.equal(WordNet.load(CORPUS), undefined);
  });
});

describe('eval on the planted model', () => {
  const tiny = useTinyEngine({ load: true });

  test('fill: the planted answers top-1 every time; the baselines as counted', async () => {
    const counts = await TrainingCounts.fromCorpus(corpus);
    const items = plantedItems(WordTokenizer.fromFolder(TINY));
    const fill = await evaluateFill(tiny.engine, items, counts, 1);
    for (const condition of [fill.onePiece, fill.wholeWords]) {
      assert.deepEqual(condition.model, { n: 7, top1: 1, top5: 1 });
      // None of milk, ball, tea, blue, their, than, france is among the five most frequent words.
      assert.deepEqual(condition.frequent, { n: 7, top1: 0, top5: 0 });
      // Every answer but tea first (coffee ties with it and sorts first), all in the top five.
      assert.deepEqual(condition.bigram, { n: 7, top1: 6 / 7, top5: 1 });
    }
  });

  test('hints: planted there-for-their and then-for-than are flagged, nothing else', async () => {
    const first = () => 0;
    const paragraphs = ['we love their house .', 'we have more than you .'].map((text) => plantErrors(text, first));
    assert.deepEqual(paragraphs.map((p) => p.planted), ['we love there house .', 'we have more then you .']);
    assert.deepEqual(paragraphs[0].plants, [{ start: 8, end: 13, right: 'their', wrong: 'there' }]);
    const hints = await evaluateHints(tiny.engine, paragraphs);
    assert.equal(hints.planted, 2);
    assert.equal(hints.plantedSkipped, 0);
    assert.equal(hints.words, 9);
    assert.deepEqual(
      { p: hints.defaults.precision, r: hints.defaults.recall, fp: hints.defaults.falsePositives, corrected: hints.defaults.corrected, clean: hints.defaults.falseMarksPer1000 },
      { p: 1, r: 1, fp: 0, corrected: 2, clean: 0 },
    );
    assert.deepEqual([hints.plantedAlternatives.scored, hints.plantedAlternatives.rightAmongThem, hints.plantedAlternatives.alikeAmongThem], [2, 2, 2]);
    assert.ok(hints.plantedAlternatives.alikeRatio > DEFAULT_HINT_THRESHOLDS.minRatio);
    assert.equal(hints.curve.length, CURVE_SCORES.length * CURVE_RATIOS.length);
    assert.ok(hints.curve.every((s) => s.recall === 1 && s.falseMarksPer1000 === 0), JSON.stringify(hints.curve));
  });

  test('alternatives: the made-up synonyms and antonyms are counted among the top five', async () => {
    const wordnet = WordNet.load(WORDNET);
    assert.ok(wordnet);
    const items = alternativesItems(heldout, wordnet, { every: 1, maxItems: 10, random: seededRandom(1) });
    assert.deepEqual(items.map((i) => i.word).sort(), ['blue', 'house', 'milk', 'tea']);
    const report = await evaluateAlternatives(tiny.engine, items);
    assert.equal(report.withAntonyms, 1);
    const [fit, meaning] = report.modes;
    assert.equal(fit.mode, 'fit');
    assert.equal(fit.shown, 20);
    assert.equal(fit.synonymShare, 2 / 20);
    assert.equal(fit.wordsWithSynonym, 2 / 4);
    // With the sentence first, milk keeps water, tea coffee and blue dark: three of the four words keep a synonym first.
    assert.equal(meaning.mode, 'meaning');
    assert.equal(meaning.synonymShare, 3 / 20);
    assert.equal(meaning.synonymFirst, 3 / 4);
  });

  test('alternatives: on the model planted with a synonym and an antonym of big, fit puts the antonym first and meaning the synonym', async () => {
    const wordnet = WordNet.load(WORDNET);
    assert.ok(wordnet);
    const engine = tinyEngine({ modelDir: MEANING });
    try {
      const items = alternativesItems(['a big car .'], wordnet, { every: 1, maxItems: 10, random: seededRandom(1) });
      assert.deepEqual(items.map((i) => [i.word, [...i.synonyms], [...i.antonyms].sort()]), [['big', ['large'], ['little', 'small']]]);
      const [fit, meaning] = (await evaluateAlternatives(engine, items)).modes;
      assert.deepEqual([fit.antonymFirst, fit.synonymFirst], [1, 0]);
      assert.deepEqual([meaning.antonymFirst, meaning.synonymFirst], [0, 1]);
    } finally {
      await engine.dispose();
    }
  });

  test('the whole report runs from a corpus folder, and says why alternatives were skipped', async () => {
    const report = await runEval({ model: TINY, corpus: CORPUS, wordnet: CORPUS, every: 1, seed: 18, threads: 1, graphCacheDir: testGraphCache() });
    assert.equal(report.model.name, 'tiny-planted');
    assert.match(report.model.config, /bert, 2 layers, hidden 32, 4 heads, vocabulary 223/);
    assert.deepEqual(report.corpus, { dir: CORPUS, heldoutParagraphs: 7, trainParagraphs: 12, trainWords: 57, vocabulary: 35 });
    assert.equal(report.fill?.items, 33);
    // Four held-out sentences hold a confusable word (to, their, than, of).
    assert.equal(report.hints?.planted, 4);
    assert.equal(report.alternatives, undefined);
    assert.match(report.notes.alternatives ?? '', /no WordNet data files/);
    const text = formatReport(report);
    assert.match(text, /^Model: tiny-planted/);
    assert.match(text, /Alternatives: skipped \(no WordNet data files/);
  });
});

describe('eval: confusions', () => {
  test('at least 30 pairs, both directions, case kept', () => {
    assert.ok(CONFUSION_PAIRS.length >= 30);
    const map = confusionMap();
    assert.deepEqual(map.get('their'), ['there', "they're"]);
    assert.deepEqual(map.get('than'), ['then']);
    assert.equal(inCaseOf('there', 'Their'), 'There');
    assert.equal(inCaseOf('there', 'THEIR'), 'THERE');
  });

  test('plants the confusable word planted least so far', () => {
    const counts = new Map([['to', 3]]);
    const { planted, plants } = plantErrors('I want to see their house. Go to it.', () => 0, Infinity, counts);
    assert.equal(planted, 'I want to see there house. Go too it.');
    assert.deepEqual(plants.map((p) => p.wrong), ['there', 'too']);
    assert.deepEqual([...counts], [['to', 4], ['their', 1]]);
  });
});
