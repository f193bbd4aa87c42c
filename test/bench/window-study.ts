/**
 * `npm run bench:window`: how many model tokens of context around a mask are
 * worth sending (`cloze.maxContextTokens`), measured for windows of 16 to 512
 * tokens in one run:
 *
 *   npx tsx test/bench/window-study.ts [--quick]
 *
 * 1. How much real prose fits whole. Prose paragraphs of the Markdown files
 *    under node_modules (test/bench/markdown-prose.ts), tokenized with the real
 *    bert-base-uncased tokenizer (../shared/bert-base-uncased; this part is
 *    skipped when it is absent). Every 7th word of each paragraph is a mask,
 *    and the window is what `buildWindow` gives for that word, as the engine
 *    sends it.
 * 2. What it costs. Per-suggestion latency on the bert-base-shaped random int8
 *    model (test/fixtures/models/bert-base-random-int8, built on first use from
 *    ../shared/bert-base-uncased), in-process (MaskedLm + FillMask, no result
 *    cache), 2 threads, on real prose long enough to fill each window; the
 *    windows take turns in blocks so that a busy moment of the machine does
 *    not land on one window only.
 * 3. What the model loses. On the planted tiny model (test/fixtures/models/
 *    tiny-planted, committed), a cue word at distance d from the mask among
 *    neutral filler words: whether the window sees it, whether the planted
 *    answer is still top-1, and whether the output differs from the same text
 *    without the cue. This shows the mechanism (context outside the window is
 *    not seen), not how much a real BERT relies on far context: no real
 *    weights are available here.
 *
 * --quick  few latency calls and distances: a smoke run, not a measurement
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { buildWindow } from '../../src/engine/window/mask-window';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { silentLogger, type Span } from '../../src/engine/types';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { markdownProse, sentenceSpans, wordSpans } from './markdown-prose';

process.env.ORT_DISABLE_TELEMETRY = '1';

const ROOT = path.resolve(__dirname, '../..');
const BERT_DIR = path.resolve(ROOT, '../shared/bert-base-uncased');
const INT8_DIR = path.join(ROOT, 'test/fixtures/models/bert-base-random-int8');
const TINY_DIR = path.join(ROOT, 'test/fixtures/models/tiny-planted');
/** The windows studied, in model tokens (`[CLS]` and `[SEP]` included). */
export const WINDOWS = [16, 32, 64, 96, 128, 256, 512];
/** Every how many words of a paragraph a mask is placed (the 7th, 14th, ... word). */
const MASK_EVERY = 7;
const THREADS = 2;

/**
 * The `q` quantile of `values` (0 ≤ q ≤ 1), interpolating linearly between the two nearest
 * ranks (as numpy's default). NaN for no values.
 * @throws {RangeError} When `q` is not a number from 0 to 1.
 */
export function percentile(values: readonly number[], q: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new RangeError(`Expected \`q\` to be a number from 0 to 1, got \`${q}\``);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

// ---------------------------------------------------------------------------
// 1. How much real prose fits whole

/** Prose paragraphs of documentation, and where they came from. */
export interface Corpus {
  /** Markdown files read (identical files once). */
  files: number;
  /** Files with at least one prose paragraph. */
  filesWithProse: number;
  /** Distinct prose paragraphs, in file order. */
  paragraphs: string[];
}

/** The prose of every `*.md` file under `dir` (symbolic links inside it are not followed). */
export function readCorpus(dir: string): Corpus {
  const files: string[] = [];
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.md$/i.test(entry.name)) files.push(full);
    }
  };
  walk(fs.realpathSync(dir));
  const seenFiles = new Set<string>();
  const seen = new Set<string>();
  let filesWithProse = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const hash = crypto.createHash('sha1').update(text).digest('hex');
    if (seenFiles.has(hash)) continue;
    seenFiles.add(hash);
    const prose = markdownProse(text);
    if (prose.length > 0) filesWithProse++;
    for (const p of prose) seen.add(p);
  }
  return { files: seenFiles.size, filesWithProse, paragraphs: [...seen] };
}

/** What part 1 measures for one window. */
interface FitRow {
  window: number;
  /** Paragraphs whose ids, `[CLS]` and `[SEP]` included, fit the window. */
  paragraphsWhole: number;
  /** Masks whose window holds their whole paragraph. */
  masksParagraphWhole: number;
  /** Masks whose window holds their whole sentence. */
  masksSentenceWhole: number;
  /** Mean context tokens in the window: its ids less `[CLS]`, `[SEP]` and the mask. */
  meanContext: number;
}

function fitStudy(paragraphs: string[], tokenizer: WordTokenizer): { rows: FitRow[]; paragraphTokens: number[]; sentenceTokens: number[]; masks: number } {
  const specials = tokenizer.prefixIds.length + tokenizer.suffixIds.length;
  const items = paragraphs.map((text) => {
    const sentences = sentenceSpans(text);
    const words = wordSpans(text);
    const masks: { word: Span; sentence: Span }[] = [];
    for (let k = MASK_EVERY - 1; k < words.length; k += MASK_EVERY) {
      const word = words[k];
      const sentence = sentences.find((s) => s.start <= word.start && word.start < s.end)!;
      masks.push({ word, sentence });
    }
    return { text, tokens: tokenizer.encodePiece(text).length, sentences, masks };
  });
  const sentenceTokens = items.flatMap((p) => p.sentences.map((s) => tokenizer.encodePiece(p.text.slice(s.start, s.end)).length));
  const masks = items.reduce((n, p) => n + p.masks.length, 0);
  const rows = WINDOWS.map((window): FitRow => {
    let paragraphWhole = 0;
    let sentenceWhole = 0;
    let context = 0;
    for (const p of items) {
      for (const m of p.masks) {
        const w = buildWindow(p.text, [m.word], tokenizer, { maxTokens: window });
        const covers = (s: Span) => w.contextSpan.start <= s.start && s.end <= w.contextSpan.end;
        if (covers({ start: 0, end: p.text.length })) paragraphWhole++;
        if (covers(m.sentence)) sentenceWhole++;
        context += w.inputIds.length - specials - 1;
      }
    }
    return {
      window,
      paragraphsWhole: items.filter((p) => p.tokens + specials <= window).length / items.length,
      masksParagraphWhole: paragraphWhole / masks,
      masksSentenceWhole: sentenceWhole / masks,
      meanContext: context / masks,
    };
  });
  return { rows, paragraphTokens: items.map((p) => p.tokens), sentenceTokens, masks };
}

// ---------------------------------------------------------------------------
// 2. What it costs

/** A text of real prose with one word to replace near its middle, long enough to fill `window`. */
interface LatencyInput {
  text: string;
  mask: Span;
}

/**
 * `count` inputs for `window`: runs of consecutive paragraphs joined into one (so the window
 * is not cut at a blank line) until they hold `window + 32` tokens, each run starting at a
 * different paragraph, with the word nearest the middle as the mask.
 */
function latencyInputs(paragraphs: string[], tokenizer: WordTokenizer, window: number, count: number, offset: number): LatencyInput[] {
  const inputs: LatencyInput[] = [];
  const step = Math.max(1, Math.floor(paragraphs.length / count));
  for (let k = 0; k < count; k++) {
    let at = (offset + k * step) % paragraphs.length;
    let text = paragraphs[at];
    for (let joined = 1; tokenizer.encodePiece(text).length < window + 32; joined++) {
      if (joined === paragraphs.length) throw new RangeError(`Expected the corpus to hold more than ${window + 32} tokens, got ${paragraphs.length} paragraphs with fewer`);
      at = (at + 1) % paragraphs.length;
      text += ` ${paragraphs[at]}`;
    }
    const words = wordSpans(text);
    const middle = text.length / 2;
    const mask = words.reduce((best, w) => (Math.abs(w.start - middle) < Math.abs(best.start - middle) ? w : best));
    inputs.push({ text, mask });
  }
  return inputs;
}

/**
 * `count` masks of the corpus, evenly spaced among all the every-7th-word masks of part 1, so
 * that their paragraphs have the corpus's mix of lengths (a window never holds more than the
 * paragraph).
 */
function corpusMasks(paragraphs: string[], count: number): LatencyInput[] {
  const all = paragraphs.flatMap((text) => wordSpans(text).filter((_, k) => k % MASK_EVERY === MASK_EVERY - 1).map((mask) => ({ text, mask })));
  return Array.from({ length: count }, (_, k) => all[Math.floor(((k + 0.5) * all.length) / count)]);
}

/** Latency at one window for one kind of input. */
interface LatencyRow {
  window: number;
  /** Mean ids sent (`[CLS]`, `[SEP]` and the mask included). */
  meanIds: number;
  p50: number;
  p95: number;
  calls: number;
}

async function latencyStudy(paragraphs: string[], quick: boolean, progress: (line: string) => void): Promise<{ filled: LatencyRow[]; corpus: LatencyRow[] }> {
  const graphCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-window-graphs-'));
  const lm = await MaskedLm.load(INT8_DIR, THREADS, silentLogger, { graphCacheDir });
  try {
    // No result cache: every call runs its forward pass.
    const fillMask = new FillMask(lm, 0);
    const blocks = quick ? 1 : 4;
    const filledPerBlock = quick ? 2 : 5;
    const corpusPerBlock = quick ? 2 : 10;
    const warmUp = 2;
    type Kind = 'filled' | 'corpus';
    const inputs: Record<Kind, Map<number, LatencyInput[]>> = {
      filled: new Map(WINDOWS.map((w, i) => [w, latencyInputs(paragraphs, lm.tokenizer, w, warmUp + blocks * (1 + filledPerBlock), i * 37)])),
      // The same masks at every window, so that the windows are compared on the same requests.
      corpus: new Map(WINDOWS.map((w) => [w, corpusMasks(paragraphs, blocks * corpusPerBlock)])),
    };
    const used = { filled: new Map(WINDOWS.map((w) => [w, 0])), corpus: new Map(WINDOWS.map((w) => [w, 0])) };
    const times = { filled: new Map(WINDOWS.map((w) => [w, [] as number[]])), corpus: new Map(WINDOWS.map((w) => [w, [] as number[]])) };
    const ids = { filled: new Map(WINDOWS.map((w) => [w, [] as number[]])), corpus: new Map(WINDOWS.map((w) => [w, [] as number[]])) };
    const call = async (kind: Kind, window: number, timed: boolean): Promise<void> => {
      const k = used[kind].get(window)!;
      used[kind].set(window, k + 1);
      const { text, mask } = inputs[kind].get(window)![k];
      const started = performance.now();
      await fillMask.fill({ text, masks: [mask], maxTokens: window, topK: 5, filter: 'words' });
      const ms = performance.now() - started;
      if (!timed) return;
      times[kind].get(window)!.push(ms);
      ids[kind].get(window)!.push(buildWindow(text, [mask], lm.tokenizer, { maxTokens: window }).inputIds.length);
    };
    for (const window of WINDOWS) for (let i = 0; i < warmUp; i++) await call('filled', window, false);
    for (let block = 0; block < blocks; block++) {
      progress(`latency block ${block + 1} of ${blocks}...`);
      // Rotate the order each block, so that no window always follows the same one.
      for (let k = 0; k < WINDOWS.length; k++) {
        const window = WINDOWS[(k + block * 3) % WINDOWS.length];
        await call('filled', window, false);
        for (let i = 0; i < filledPerBlock; i++) await call('filled', window, true);
        for (let i = 0; i < corpusPerBlock; i++) await call('corpus', window, true);
      }
    }
    const rows = (kind: Kind) => WINDOWS.map((window): LatencyRow => {
      const t = times[kind].get(window)!;
      const sent = ids[kind].get(window)!;
      return { window, meanIds: sent.reduce((a, b) => a + b, 0) / sent.length, p50: percentile(t, 0.5), p95: percentile(t, 0.95), calls: t.length };
    });
    return { filled: rows('filled'), corpus: rows('corpus') };
  } finally {
    await lm.release();
    fs.rmSync(graphCacheDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// 3. What the model loses (planted tiny model)

/**
 * Words of the tiny vocabulary that are neither cues nor answers of the planted model
 * (test/fixtures/model-gen/planted.ts), each one token.
 */
export const FILLER = ['the', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'was', 'for', 'on', 'with', 'as', 'at', 'by', 'from', 'or', 'but', 'not', 'all'];

/** A planted answer: the cue word that selects it. */
export interface CueCase {
  cue: string;
  answer: string;
}

/** The planted answers whose cue is one word to the left of the mask (answers.json without a `note`). */
export function cueCases(modelDir: string = TINY_DIR): CueCase[] {
  const answers = JSON.parse(fs.readFileSync(path.join(modelDir, 'answers.json'), 'utf8')) as { cue: string; top1: string; note?: string }[];
  return answers.filter((a) => a.note === undefined).map((a) => ({ cue: a.cue, answer: a.top1 }));
}

/** A text for the cue study; see {@link cueText}. */
export interface CueText {
  text: string;
  mask: Span;
  /** Where the cue is; undefined for the control text without a cue. */
  cue: Span | undefined;
}

/**
 * `2 × reach + 1` words, then ` .`: filler words (cycling through {@link FILLER}), the mask
 * token in the middle, and `cue` in place of the filler word `distance` words to the `side`
 * of the mask (none when `cue` is undefined: the control). The filler around the cue is the
 * same with or without it, so a window that does not reach the cue holds exactly the
 * control's ids.
 * @throws {RangeError} When `distance` is not an integer from 1 to `reach`.
 */
export function cueText(cue: string | undefined, side: 'left' | 'right', distance: number, reach = 150): CueText {
  if (!Number.isInteger(distance) || distance < 1 || distance > reach) {
    throw new RangeError(`Expected \`distance\` to be an integer from 1 to ${reach}, got \`${distance}\``);
  }
  const words = Array.from({ length: 2 * reach + 1 }, (_, i) => FILLER[i % FILLER.length]);
  words[reach] = '[MASK]';
  const cueAt = side === 'left' ? reach - distance : reach + distance;
  if (cue !== undefined) words[cueAt] = cue;
  let text = '';
  let mask: Span = { start: 0, end: 0 };
  let cueSpan: Span | undefined;
  words.forEach((word, i) => {
    if (i > 0) text += ' ';
    if (i === reach) mask = { start: text.length, end: text.length + word.length };
    if (i === cueAt && cue !== undefined) cueSpan = { start: text.length, end: text.length + word.length };
    text += word;
  });
  return { text: `${text} .`, mask, cue: cueSpan };
}

/** What the tiny model makes of one {@link CueText} at one window. */
export interface CueProbe {
  /** Whether the window holds the cue. */
  cueSeen: boolean;
  /** The top-5 words, best first. */
  top5: string[];
  /** Their scores, to compare outputs exactly. */
  scores: number[];
}

/** Fills the mask of `input` with the window `maxTokens` (clamped to the model's positions, as the engine does). */
export async function probeCue(lm: MaskedLm, fillMask: FillMask, input: CueText, maxTokens: number): Promise<CueProbe> {
  const [result] = await fillMask.fill({ text: input.text, masks: [input.mask], maxTokens, topK: 5, filter: 'words' });
  const window = buildWindow(input.text, [input.mask], lm.tokenizer, { maxTokens: Math.min(maxTokens, lm.config.maxPositions) });
  const cue = input.cue;
  return {
    cueSeen: cue !== undefined && window.contextSpan.start <= cue.start && cue.end <= window.contextSpan.end,
    top5: result.suggestions.map((s) => s.token_str),
    scores: result.suggestions.map((s) => s.score),
  };
}

interface CueRow {
  window: number;
  effective: number;
  /** The largest distance at which the window still sees a cue, to the left and to the right. */
  reach: { left: number; right: number };
  seen: number;
  unseen: number;
  /** Probes whose output differs from the control's exactly when the cue is seen. */
  differsIffSeen: number;
  top1WhenSeen: number;
  top1WhenUnseen: number;
  /** Cases and sides whose top-1 is the planted answer at every distance the window sees, and at none beyond. */
  flipsAtEdge: number;
  /** Mean share of the top 5 that is also in the top 5 at the largest window. */
  overlap: number;
}

async function cueStudy(quick: boolean): Promise<{ rows: CueRow[]; sweep: Map<number, Map<number, CueProbe>>; sweepCase: CueCase; maxPositions: number; cases: CueCase[]; distances: number[] }> {
  const graphCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-window-graphs-'));
  const lm = await MaskedLm.load(TINY_DIR, 1, silentLogger, { graphCacheDir });
  try {
    const fillMask = new FillMask(lm, 0);
    const cases = cueCases();
    const distances = Array.from({ length: 99 }, (_, i) => i + 2).filter((d) => !quick || d % 10 === 2 || d < 12);
    const sides = ['left', 'right'] as const;
    const effectiveOf = (w: number) => Math.min(w, lm.config.maxPositions);
    const effective = [...new Set(WINDOWS.map(effectiveOf))];
    const largest = Math.max(...effective);
    // Results per effective window: windows the model clamps alike give the same outputs.
    const probes = new Map<number, Map<string, CueProbe>>();
    const controls = new Map<number, CueProbe>();
    for (const window of effective) {
      const byKey = new Map<string, CueProbe>();
      controls.set(window, await probeCue(lm, fillMask, cueText(undefined, 'left', 1), window));
      for (const c of cases) {
        for (const side of sides) {
          for (const d of distances) byKey.set(`${c.cue}/${side}/${d}`, await probeCue(lm, fillMask, cueText(c.cue, side, d), window));
        }
      }
      probes.set(window, byKey);
    }
    const rows = WINDOWS.map((window): CueRow => {
      const e = effectiveOf(window);
      const row: CueRow = { window, effective: e, reach: { left: 0, right: 0 }, seen: 0, unseen: 0, differsIffSeen: 0, top1WhenSeen: 0, top1WhenUnseen: 0, flipsAtEdge: 0, overlap: 0 };
      for (const c of cases) {
        for (const side of sides) {
          const control = controls.get(e)!;
          let flips = true;
          for (const d of distances) {
            const probe = probes.get(e)!.get(`${c.cue}/${side}/${d}`)!;
            const atLargest = probes.get(largest)!.get(`${c.cue}/${side}/${d}`)!;
            const differs = probe.top5.join() !== control.top5.join() || probe.scores.some((s, i) => s !== control.scores[i]);
            if (differs === probe.cueSeen) row.differsIffSeen++;
            const top1 = probe.top5[0] === c.answer;
            if (top1 !== probe.cueSeen) flips = false;
            if (probe.cueSeen) {
              row.seen++;
              if (top1) row.top1WhenSeen++;
              row.reach[side] = Math.max(row.reach[side], d);
            } else {
              row.unseen++;
              if (top1) row.top1WhenUnseen++;
            }
            row.overlap += probe.top5.filter((w) => atLargest.top5.includes(w)).length / 5;
          }
          if (flips) row.flipsAtEdge++;
        }
      }
      row.overlap /= row.seen + row.unseen;
      return row;
    });
    // One case's sweep, left side, for the table of top-1 words by distance.
    const sweepCase = cases.find((c) => c.cue === 'paris') ?? cases[0];
    const sweep = new Map(effective.map((e) => [e, new Map(distances.map((d) => [d, probes.get(e)!.get(`${sweepCase.cue}/left/${d}`)!]))]));
    return { rows, sweep, sweepCase, maxPositions: lm.config.maxPositions, cases, distances };
  } finally {
    await lm.release();
    fs.rmSync(graphCacheDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

function table(header: string[], body: (string | number)[][]): string {
  const cells = [header, ...body.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const quantiles = (values: number[]) => [0.5, 0.9, 0.95, 0.99].map((q) => Math.round(percentile(values, q)));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  for (const arg of args) if (arg !== '--quick') throw new RangeError(`Unknown argument \`${arg}\`. Usage: window-study [--quick]`);
  const quick = args.includes('--quick');
  const progress = (line: string) => process.stderr.write(`window-study: ${line}\n`);
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];

  progress('reading the Markdown under node_modules...');
  const corpus = readCorpus(path.join(ROOT, 'node_modules'));

  console.log('\n1. How much real prose fits whole\n');
  const noProse = corpus.paragraphs.length === 0 ? 'Skipped: no prose paragraphs in the Markdown files under node_modules (run `npm ci`).' : undefined;
  if (noProse) console.log(noProse);
  else if (!fs.existsSync(path.join(BERT_DIR, 'tokenizer.json'))) {
    console.log(`Skipped: the bert-base-uncased tokenizer is not at ${BERT_DIR} (it is not in the repository).`);
  } else {
    const tokenizer = WordTokenizer.fromFolder(BERT_DIR);
    progress(`building ${WINDOWS.length} windows for every 7th word of ${corpus.paragraphs.length} paragraphs...`);
    const fit = fitStudy(corpus.paragraphs, tokenizer);
    console.log(`Corpus: prose paragraphs of the Markdown files under node_modules: ${corpus.files} distinct files (${corpus.filesWithProse} with prose), `
      + `${corpus.paragraphs.length} distinct paragraphs, ${fit.sentenceTokens.length} sentences, ${fit.masks} masks (every ${MASK_EVERY}th word). `
      + 'Tokens: bert-base-uncased, without [CLS]/[SEP].\n');
    console.log(table(['length in tokens', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'], [
      ['paragraph', Math.round(fit.paragraphTokens.reduce((a, b) => a + b, 0) / fit.paragraphTokens.length), ...quantiles(fit.paragraphTokens), Math.max(...fit.paragraphTokens)],
      ['sentence', Math.round(fit.sentenceTokens.reduce((a, b) => a + b, 0) / fit.sentenceTokens.length), ...quantiles(fit.sentenceTokens), Math.max(...fit.sentenceTokens)],
    ]));
    console.log('');
    console.log(table(['window', 'paragraphs whole', 'masks: sentence whole', 'masks: paragraph whole', 'mean context tokens', 'of the window'], fit.rows.map((r) => [
      r.window, pct(r.paragraphsWhole), pct(r.masksSentenceWhole), pct(r.masksParagraphWhole), r.meanContext.toFixed(1), pct(r.meanContext / (r.window - 3)),
    ])));
    console.log('\nContext tokens: the window\'s ids less [CLS], [SEP] and the mask; a window never holds more than the paragraph.');
  }

  console.log('\n2. What it costs\n');
  let int8Ready = fs.existsSync(path.join(INT8_DIR, 'model.onnx'));
  if (!int8Ready && fs.existsSync(path.join(BERT_DIR, 'tokenizer.json'))) {
    progress('building the bert-base-shaped random models (make-models --bert-base)...');
    const made = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/make-models.ts'), '--bert-base'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    int8Ready = made.status === 0 && fs.existsSync(path.join(INT8_DIR, 'model.onnx'));
  }
  if (noProse) console.log(noProse);
  else if (!int8Ready) {
    console.log(`Skipped: no ${path.relative(ROOT, INT8_DIR)}; \`npx tsx test/fixtures/make-models.ts --bert-base\` builds it from ${BERT_DIR}.`);
  } else {
    const { filled, corpus: real } = await latencyStudy(corpus.paragraphs, quick, progress);
    const base = filled.find((r) => r.window === 128)!;
    console.log(`Per suggestion (one mask, top 5), bert-base-shaped random int8 model, in-process, ${THREADS} threads; `
      + `${os.cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} at start. Windows take turns in blocks. `
      + `Filled: ${filled[0].calls} calls per window on prose long enough to fill it. `
      + `Corpus masks: the same ${real[0].calls} masks of part 1 at every window (short paragraphs send short windows).\n`);
    console.log(table(['window', 'filled: ids sent', 'p50 ms', 'p95 ms', 'p50 vs 128', 'corpus masks: mean ids sent', 'p50 ms', 'p95 ms'], filled.map((r, i) => [
      r.window, r.meanIds.toFixed(1), r.p50.toFixed(1), r.p95.toFixed(1), `${(r.p50 / base.p50).toFixed(2)}x`,
      real[i].meanIds.toFixed(1), real[i].p50.toFixed(1), real[i].p95.toFixed(1),
    ])));
  }

  console.log('\n3. What the model loses: the planted tiny model\n');
  progress('planted model: a cue at every distance...');
  const cue = await cueStudy(quick);
  console.log(`The tiny model answers from one cue word (${cue.cases.map((c) => `${c.cue} -> ${c.answer}`).join(', ')}). `
    + `The cue sits d words from the mask (d = ${cue.distances[0]} to ${cue.distances[cue.distances.length - 1]}), to its left or right, `
    + `in a run of filler words (${FILLER.slice(0, 6).join(', ')}, ...) that fills every window. The model has ${cue.maxPositions} positions, `
    + `so the engine clamps larger windows to ${cue.maxPositions}. The control is the same text without the cue.\n`);
  console.log(table(['window', 'clamped to', 'cue seen up to d (left/right)', 'output = control iff cue unseen', 'top-1 planted, cue seen', 'top-1 planted, cue unseen', 'top-1 flips at the edge', 'top-5 overlap with largest'], cue.rows.map((r) => [
    r.window, r.effective, `${r.reach.left} / ${r.reach.right}`, `${r.differsIffSeen} of ${r.seen + r.unseen}`,
    `${r.top1WhenSeen} of ${r.seen}`, `${r.top1WhenUnseen} of ${r.unseen}`, `${r.flipsAtEdge} of ${2 * cue.cases.length}`, pct(r.overlap),
  ])));
  const reaches = [...new Set(cue.rows.flatMap((r) => [r.reach.left, r.reach.left + 1]))];
  const shown = [...new Set([cue.distances[0], ...reaches, cue.distances[cue.distances.length - 1]])].filter((d) => cue.distances.includes(d)).sort((a, b) => a - b);
  console.log(`\nTop-1 for "${cue.sweepCase.cue} ... [MASK]" (planted answer: ${cue.sweepCase.answer}) by distance; · = the window does not reach the cue\n`);
  console.log(table(['d', ...WINDOWS.map(String)], shown.map((d) => [d, ...WINDOWS.map((w) => {
    const probe = cue.sweep.get(Math.min(w, cue.maxPositions))!.get(d)!;
    return `${probe.top5[0]}${probe.cueSeen ? '' : ' ·'}`;
  })])));
  console.log(`
This shows the mechanism, not BERT's real sensitivity to far context: no real weights are
available here. A cue the window does not reach changes nothing (the output equals the
control bit for bit); a cue it reaches changes the output. The tiny model averages its
context (near-uniform attention), so one cue among many filler words is diluted: in
windows of 32 tokens and more the planted answer can lose top-1 although the cue is seen.
A real BERT attends selectively; how much it gains from far context needs real weights.`);
  console.log(`\n(${Math.round((Date.now() - started) / 1000)} s; load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end)`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`window-study: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
