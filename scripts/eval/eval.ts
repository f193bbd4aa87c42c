// `npm run eval -- --model DIR [--corpus DIR] [--json]`: the real-prose
// quality report of a model folder, measured through the engine with the
// requests the editor sends: fill accuracy against two count baselines, the
// unlikely-word hints on planted real-word errors, and how often replacement
// alternatives are WordNet synonyms or antonyms. Any model folder works, so
// a maintainer with bert-base-uncased gets the same report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine, type ModelInfo } from '../../src/engine';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { formatBytes } from '../../src/text/format-bytes';
import { alternativesItems, type AlternativesReport, evaluateAlternatives } from './alternatives-eval';
import { TrainingCounts } from './baselines';
import { openCorpus, readHeldout, seededRandom } from './corpus';
import { evaluateFill, fillItems, type FillReport } from './fill-eval';
import { DEFAULT_HINT_THRESHOLDS, hintThresholds } from '../../src/text/unlikely-word';
import { cacheDirs, graphCacheDir } from '../../src/models/cache-dirs';
import { readModelProfile } from '../../src/models/model-profile';
import { evaluateHints, type HintReport, hintParagraphs } from './hint-eval';
import { formatReport } from './report';
import { DEFAULT_WORDNET_DIR, WordNet } from './wordnet';

export interface EvalOptions {
  model: string;
  /** @default `$CLOZE_EVAL_CORPUS` */
  corpus?: string;
  /** Items per section: fill items, planted sentences, alternatives words; one number for all, or per section. @default 300 */
  maxItems?: number | Partial<Record<Section, number>>;
  /** Every how many words an item is taken. @default 7 */
  every?: number;
  /** @default 18 */
  seed?: number;
  /** @default /usr/share/wordnet */
  wordnet?: string;
  /** @default all three */
  sections?: Section[];
  threads?: number;
  /** Where the engine keeps rewritten graphs. @default the engine's own default */
  graphCacheDir?: string;
}

export type Section = 'fill' | 'hints' | 'alternatives';
const SECTIONS: Section[] = ['fill', 'hints', 'alternatives'];

export interface EvalReport {
  model: { name: string; dir: string; size: string; bytes: number; config: string; graph: ModelInfo['graph']; loadMs: number };
  corpus: { dir: string; heldoutParagraphs: number; trainParagraphs: number; trainWords: number; vocabulary: number };
  options: { maxItems: Record<Section, number>; every: number; seed: number };
  fill?: FillReport;
  hints?: HintReport;
  alternatives?: AlternativesReport;
  notes: { alternatives?: string };
  totalMs: number;
}

/** Runs the sections asked for and returns the report. */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const started = performance.now();
  const maxItems = sectionLimits(options.maxItems);
  const every = options.every ?? 7;
  const seed = options.seed ?? 18;
  const sections = options.sections ?? SECTIONS;
  const corpus = openCorpus(options.corpus);
  const heldout = readHeldout(corpus);
  // Rewritten graphs go where the command line keeps them, not into the model folder (a committed one, say).
  const graphs = options.graphCacheDir ?? graphCacheDir(cacheDirs().cloze);
  const engine = new Engine({ modelDir: options.model, threads: options.threads, graphCacheDir: graphs });
  try {
    const info = await engine.load();
    const report: EvalReport = {
      model: describeModel(options.model, info),
      corpus: { dir: corpus.dir, heldoutParagraphs: heldout.length, trainParagraphs: 0, trainWords: 0, vocabulary: 0 },
      options: { maxItems, every, seed },
      notes: {},
      totalMs: 0,
    };
    if (sections.includes('fill')) {
      const counts = await TrainingCounts.fromCorpus(corpus);
      Object.assign(report.corpus, { trainParagraphs: counts.paragraphs, trainWords: counts.words, vocabulary: counts.vocabularySize });
      const tokenizer = WordTokenizer.fromFolder(options.model);
      const items = fillItems(heldout, { every, maxItems: maxItems.fill, random: seededRandom(seed), tokenizer });
      report.fill = await evaluateFill(engine, items, counts, every);
    }
    if (sections.includes('hints')) {
      // The thresholds in force for this model: its own (cloze.json), else Cloze's defaults.
      const own = readModelProfile(options.model).profile.hints;
      const thresholds = hintThresholds({ similarOnly: DEFAULT_HINT_THRESHOLDS.similarOnly }, own);
      report.hints = { ...(await evaluateHints(engine, hintParagraphs(heldout, maxItems.hints, seededRandom(seed + 1)), thresholds)), thresholdsFrom: own?.minRatio !== undefined || own?.minScore !== undefined ? 'model' : 'defaults' };
    }
    if (sections.includes('alternatives')) {
      const dir = options.wordnet ?? DEFAULT_WORDNET_DIR;
      const wordnet = WordNet.load(dir);
      if (!wordnet) {
        report.notes.alternatives = `no WordNet data files in ${dir}: install Debian's wordnet-base or pass --wordnet DIR`;
      } else {
        const items = alternativesItems(heldout, wordnet, { every, maxItems: maxItems.alternatives, random: seededRandom(seed + 2) });
        report.alternatives = await evaluateAlternatives(engine, items);
      }
    }
    report.totalMs = performance.now() - started;
    return report;
  } finally {
    await engine.dispose();
  }
}

/** Items per section: `limit` for all, or per section (300 where not given). */
function sectionLimits(limit: EvalOptions['maxItems']): Record<Section, number> {
  const all = typeof limit === 'number' ? limit : 300;
  const each = typeof limit === 'object' ? limit : {};
  return { fill: each.fill ?? all, hints: each.hints ?? all, alternatives: each.alternatives ?? all };
}

/** The model's name, size and shape, from its folder and what the engine reported. */
function describeModel(dir: string, info: ModelInfo): EvalReport['model'] {
  const bytes = [info.modelFile, `${info.modelFile}.data`].filter((f) => fs.existsSync(f)).reduce((sum, f) => sum + fs.statSync(f).size, 0);
  let config = `vocabulary ${info.vocabSize}, ${info.maxPositions} positions`;
  try {
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    config = `${String(c.model_type ?? '?')}, ${String(c.num_hidden_layers ?? '?')} layers, hidden ${String(c.hidden_size ?? '?')}, ${String(c.num_attention_heads ?? '?')} heads, ${config}`;
  } catch {
    // A folder without config.json still loads; the engine's facts are enough.
  }
  return { name: path.basename(path.resolve(dir)), dir, size: formatBytes(bytes), bytes, config, graph: info.graph, loadMs: info.loadMs };
}

const USAGE = `Usage: npm run eval -- --model DIR [--corpus DIR] [--json] [--max-items N] [--every K] [--seed S]
                       [--wordnet DIR] [--sections fill,hints,alternatives] [--threads N] [--graph-cache DIR]
  --corpus     a folder with heldout.txt and train.txt (default: $CLOZE_EVAL_CORPUS)
  --max-items  items per section (default 300): N for all, or fill=N,hints=N,alternatives=N
  --every      every K-th word is an item (default 7)
  --wordnet    WordNet 3.0 data files (default ${DEFAULT_WORDNET_DIR}); without them alternatives are skipped
  --graph-cache  where the engine keeps the rewritten model (default: Cloze's cache folder, as for the command line)`;

/** Parses the command line. @throws {RangeError} naming the bad option. */
export function parseArgs(argv: readonly string[]): EvalOptions & { json: boolean } {
  const options: EvalOptions & { json: boolean } = { model: '', json: false };
  const integer = (name: string, value: string | undefined, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new RangeError(`Expected \`${name}\` to be an integer of at least ${min}, got \`${value}\``);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`Expected a value after \`${arg}\``);
      return v;
    };
    if (arg === '--json') options.json = true;
    else if (arg === '--model') options.model = value();
    else if (arg === '--corpus') options.corpus = value();
    else if (arg === '--wordnet') options.wordnet = value();
    else if (arg === '--graph-cache') options.graphCacheDir = value();
    else if (arg === '--max-items') options.maxItems = parseLimits(value(), integer);
    else if (arg === '--every') options.every = integer(arg, value(), 1);
    else if (arg === '--seed') options.seed = integer(arg, value(), 0);
    else if (arg === '--threads') options.threads = integer(arg, value(), 1);
    else if (arg === '--sections') {
      const sections = value().split(',');
      const bad = sections.find((s) => !SECTIONS.includes(s as Section));
      if (bad !== undefined) throw new RangeError(`Expected \`--sections\` from ${SECTIONS.join(', ')}, got \`${bad}\``);
      options.sections = sections as Section[];
    } else throw new RangeError(`Unknown option \`${arg}\``);
  }
  if (!options.model) throw new RangeError('Expected `--model DIR`');
  return options;
}

/** `400`, or `fill=400,hints=300,alternatives=150`. */
function parseLimits(text: string, integer: (name: string, value: string | undefined, min: number) => number): EvalOptions['maxItems'] {
  if (/^\d+$/.test(text)) return integer('--max-items', text, 1);
  const limits: Partial<Record<Section, number>> = {};
  for (const part of text.split(',')) {
    const [name, n] = part.split('=');
    if (!SECTIONS.includes(name as Section)) throw new RangeError(`Expected \`--max-items\` to be N or ${SECTIONS.map((s) => `${s}=N`).join(',')}, got \`${text}\``);
    limits[name as Section] = integer(`--max-items ${name}`, n, 1);
  }
  return limits;
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const { json, ...options } = parseArgs(argv);
  const report = await runEval(options);
  console.log(json ? JSON.stringify(report, (_, v: unknown) => (v instanceof Set ? [...v] : v), 2) : formatReport(report));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    if (error instanceof RangeError) console.error(USAGE);
    process.exitCode = 1;
  });
}
