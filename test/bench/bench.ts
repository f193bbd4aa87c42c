/**
 * `npm run bench`: our engine against transformers.js's fill-mask pipeline on
 * the same model and threads, per suggestion at windows of 16, 64 and 128
 * tokens, with load time, the worker's round-trip cost and peak memory.
 *
 *   npm run bench [-- --quick] [-- --json] [-- --model-dir DIR [--precision fp32|int8]] [-- --stock]
 *
 * Without --model-dir it measures the bert-base-shaped random models of
 * test/fixtures/models (built on first use; they need ../shared/bert-base-uncased).
 * Each implementation and precision runs in its own child process
 * (test/bench/bench-child.ts), so that memory figures are clean. The children
 * load one after another, then take turns: each round runs a block of calls
 * per window in every child, in a rotating order, so that a busy moment of
 * the machine does not land on one implementation only. The engine runs as
 * shipped: src/engine/engine.ts with the bundled dist/engine-worker.js.
 *
 * --quick       few iterations: a smoke run, not a measurement
 * --json        print the results as JSON instead of tables
 * --model-dir   measure this model folder instead (one precision, no targets)
 * --stock       also time the engine on the stock graph (no head-at-mask rewrite)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type HintsReply, median, quantile, type ChildOptions, type LoadReply, type OverheadReply, type WholeWordsReply } from './bench-child';
import { BenchChild } from './bench-child-process';

const ROOT = path.resolve(__dirname, '../..');
const MODELS = path.join(ROOT, 'test/fixtures/models');
const WORKER = path.join(ROOT, 'dist/engine-worker.js');
const WINDOWS = [16, 64, 128];
const THREADS = 2;

interface Args {
  quick: boolean;
  json: boolean;
  stock: boolean;
  modelDir: string | undefined;
  precision: 'int8' | 'fp32';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, json: false, stock: false, modelDir: undefined, precision: 'fp32' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--json') args.json = true;
    else if (arg === '--stock') args.stock = true;
    else if (arg === '--model-dir' && argv[i + 1]) args.modelDir = path.resolve(argv[++i]);
    else if (arg === '--precision' && (argv[i + 1] === 'fp32' || argv[i + 1] === 'int8')) args.precision = argv[++i] as Args['precision'];
    else throw new RangeError(`Unknown argument \`${arg}\`. Usage: bench [--quick] [--json] [--stock] [--model-dir DIR [--precision fp32|int8]]`);
  }
  return args;
}

/** One table row, as `--json` prints it. */
interface Row {
  impl: 'cloze' | 'cloze (stock graph)' | 'transformers.js';
  precision: 'int8' | 'fp32';
  window: number;
  p50_ms: number;
  p95_ms: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** What one child measured. */
interface ChildResult {
  impl: ChildOptions['impl'];
  precision: ChildOptions['precision'];
  headAtMask: boolean;
  /** The measured child's load, with load and first-suggestion times the medians over `loadSamplesMs`. */
  load: LoadReply;
  loadSamplesMs: number[];
  /** Per window, per round: median and 95th percentile in ms. */
  timings: { window: number; rounds: { p50: number; p95: number }[] }[];
  peakRssMb: number;
  overhead?: OverheadReply;
  hints?: HintsReply;
  wholeWords?: WholeWordsReply;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(WORKER)) throw new Error(`Missing ${path.relative(ROOT, WORKER)}: run \`npm run build\` first (npm run bench does)`);
  const progress = args.json ? (line: string) => process.stderr.write(`bench: ${line}\n`) : (line: string) => console.log(`bench: ${line}`);

  let models: { precision: 'int8' | 'fp32'; dir: string }[];
  if (args.modelDir) models = [{ precision: args.precision, dir: args.modelDir }];
  else {
    const made = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/make-models.ts'), '--bert-base'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (made.status !== 0) throw new Error('Building the bert-base models failed');
    models = (['int8', 'fp32'] as const).map((precision) => ({ precision, dir: path.join(MODELS, `bert-base-random-${precision}`) }));
    const missing = models.filter((m) => !fs.existsSync(path.join(m.dir, 'model.onnx')));
    if (missing.length > 0) throw new Error(`Missing ${missing.map((m) => m.dir).join(', ')}: see the make-models output above`);
  }
  const windows = args.modelDir ? WINDOWS.filter((w) => w <= maxPositions(args.modelDir!)) : WINDOWS;
  const graphCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-bench-graphs-'));
  const started = Date.now();
  const loadAverage = os.loadavg()[0];

  const rounds = 3;
  const iterations = args.quick ? 4 : 30;
  const warmUp = args.quick ? 1 : 3;
  const overheadCalls = args.quick ? 8 : 40;
  const loadSamples = args.quick ? 1 : 3;
  const overheadWindow = windows.includes(64) ? 64 : windows[windows.length - 1];
  const wholeWordRuns = args.quick ? 3 : 15;
  const inputs = Object.fromEntries(windows.map((w) => [w, 1 + rounds * (warmUp + iterations) + (w === overheadWindow ? overheadCalls + wholeWordRuns + 1 : 0)]));
  const children: BenchChild[] = [];
  const results: ChildResult[] = [];
  const firstLoads: Record<string, LoadReply> = {};
  try {
    const spawn = async (options: ChildOptions): Promise<BenchChild> => {
      const child = new BenchChild(options);
      children.push(child);
      await child.ready;
      return child;
    };
    const optionsFor = (precision: 'int8' | 'fp32', dir: string, impl: ChildOptions['impl'], headAtMask: boolean): ChildOptions =>
      ({ impl, precision, modelDir: dir, threads: THREADS, inputs, headAtMask, graphCacheDir, workerScript: WORKER });

    // A first load rewrites the graph into the empty cache; the measured children then find it cached.
    for (const { precision, dir } of models) {
      progress(`cloze ${precision}: first load (rewrite into an empty graph cache)...`);
      const child = await spawn(optionsFor(precision, dir, 'cloze', true));
      firstLoads[precision] = await child.send<LoadReply>({ cmd: 'load' });
      await child.send({ cmd: 'exit' });
    }
    const measured: BenchChild[] = [];
    for (const { precision, dir } of models) {
      const impls: [ChildOptions['impl'], boolean][] = [['cloze', true], ...(args.stock ? [['cloze', false] as [ChildOptions['impl'], boolean]] : []), ['transformers.js', false]];
      for (const [impl, headAtMask] of impls) {
        // Loads vary a lot on a busy machine: the figure is the median of a few fresh processes' loads.
        const loads: LoadReply[] = [];
        for (let i = 1; i < loadSamples; i++) {
          const sample = await spawn(optionsFor(precision, dir, impl, headAtMask));
          progress(`${sample.name}: load ${i} of ${loadSamples}...`);
          loads.push(await sample.send<LoadReply>({ cmd: 'load' }));
          await sample.send({ cmd: 'exit' });
        }
        const child = await spawn(optionsFor(precision, dir, impl, headAtMask));
        progress(`${child.name}: load ${loadSamples} of ${loadSamples}...`);
        const load = await child.send<LoadReply>({ cmd: 'load' });
        loads.push(load);
        measured.push(child);
        results.push({
          impl,
          precision,
          headAtMask,
          load: { ...load, loadMs: median(loads.map((l) => l.loadMs)), firstMs: median(loads.map((l) => l.firstMs)) },
          loadSamplesMs: loads.map((l) => Math.round(l.loadMs)),
          timings: windows.map((window) => ({ window, rounds: [] })),
          peakRssMb: 0,
        });
      }
    }
    for (let round = 0; round < rounds; round++) {
      progress(`round ${round + 1} of ${rounds}...`);
      for (const [w, window] of windows.entries()) {
        // Rotate the order each round and window, so that no child always follows the same one.
        for (let k = 0; k < measured.length; k++) {
          const i = (k + round + w) % measured.length;
          const times = await measured[i].send<number[]>({ cmd: 'time', window, warmUp, iterations });
          times.sort((x, y) => x - y);
          results[i].timings[w].rounds.push({ p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
        }
      }
    }
    for (const [i, child] of measured.entries()) results[i].peakRssMb = await child.send<number>({ cmd: 'peak' });
    for (const [i, child] of measured.entries()) {
      if (results[i].impl !== 'cloze' || !results[i].headAtMask) continue;
      progress(`${child.name}: worker round trip...`);
      results[i].overhead = await child.send<OverheadReply>({ cmd: 'overhead', window: overheadWindow, calls: overheadCalls });
    }
    for (const [i, child] of measured.entries()) {
      if (results[i].impl !== 'cloze' || !results[i].headAtMask) continue;
      progress(`${child.name}: unlikely-word hints...`);
      results[i].hints = await child.send<HintsReply>({ cmd: 'hints', runs: args.quick ? 3 : 15 });
    }
    for (const [i, child] of measured.entries()) {
      if (results[i].impl !== 'cloze' || !results[i].headAtMask) continue;
      progress(`${child.name}: whole words and meaning...`);
      results[i].wholeWords = await child.send<WholeWordsReply>({ cmd: 'wholeWords', window: overheadWindow, runs: wholeWordRuns });
    }
    for (const child of measured) await child.send({ cmd: 'exit' });
  } finally {
    for (const child of children) child.kill();
    fs.rmSync(graphCacheDir, { recursive: true, force: true });
  }

  const implName = (r: ChildResult): Row['impl'] => (r.impl === 'transformers.js' ? 'transformers.js' : r.headAtMask ? 'cloze' : 'cloze (stock graph)');
  const key = (r: ChildResult) => `${implName(r)}/${r.precision}`;
  const rows: Row[] = results.flatMap((r) =>
    r.timings.map((t) => ({
      impl: implName(r),
      precision: r.precision,
      window: t.window,
      p50_ms: round1(median(t.rounds.map((x) => x.p50))),
      p95_ms: round1(median(t.rounds.map((x) => x.p95))),
    })),
  );
  const find = (impl: Row['impl'], precision: string, window: number) => rows.find((r) => r.impl === impl && r.precision === precision && r.window === window);
  const ratios = rows
    .filter((r) => r.impl !== 'transformers.js')
    .map((r) => {
      const peer = find('transformers.js', r.precision, r.window);
      return { impl: r.impl, precision: r.precision, window: r.window, p50: peer ? peer.p50_ms / r.p50_ms : NaN, p95: peer ? peer.p95_ms / r.p95_ms : NaN };
    });
  const loadMs = Object.fromEntries(results.map((r) => [key(r), Math.round(r.load.loadMs)]));
  const loadSamplesMs = Object.fromEntries(results.map((r) => [key(r), r.loadSamplesMs]));
  const firstLoadMs = Object.fromEntries(Object.entries(firstLoads).map(([p, r]) => [`cloze/${p}`, Math.round(r.loadMs)]));
  const firstSuggestionMs = Object.fromEntries([
    ...Object.entries(firstLoads).map(([p, r]) => [`cloze/${p} (first load)`, Math.round(r.loadMs + r.firstMs)] as const),
    ...results.map((r) => [key(r), Math.round(r.load.loadMs + r.load.firstMs)] as const),
  ]);
  const peakRssMb = Object.fromEntries(results.map((r) => [key(r), Math.round(r.peakRssMb - r.load.baselineRssMb)]));
  const baselineRssMb = Object.fromEntries(results.map((r) => [key(r), Math.round(r.load.baselineRssMb)]));
  const workerOverhead = Object.fromEntries(results.filter((r) => r.overhead).map((r) => [key(r), r.overhead!]));
  const hints = Object.fromEntries(results.filter((r) => r.hints).map((r) => [key(r), r.hints!]));
  const wholeWords = Object.fromEntries(results.filter((r) => r.wholeWords).map((r) => [key(r), r.wholeWords!]));

  const targets = args.modelDir ? [] : targetChecks(find, ratios, loadMs, peakRssMb, hints, wholeWords);
  const output = {
    rows,
    ratios: ratios.map((r) => ({ ...r, p50: round1(r.p50 * 10) / 10, p95: round1(r.p95 * 10) / 10 })),
    load_ms: loadMs,
    load_samples_ms: loadSamplesMs,
    first_load_ms: firstLoadMs,
    first_suggestion_ms: firstSuggestionMs,
    peak_rss_mb: peakRssMb,
    baseline_rss_mb: baselineRssMb,
    worker_overhead_ms: workerOverhead,
    hints_paragraph_ms: hints,
    whole_words: wholeWords,
    graph: Object.fromEntries(results.filter((r) => r.impl === 'cloze').map((r) => [key(r), r.load.graph])),
    targets,
    settings: {
      threads: THREADS,
      rounds,
      iterations,
      warm_up: warmUp,
      quick: args.quick,
      models: models.map((m) => path.relative(ROOT, m.dir)),
      worker: path.relative(ROOT, WORKER),
      cpus: os.cpus().length,
      load_average_at_start: round1(loadAverage),
      load_average_at_end: round1(os.loadavg()[0]),
      seconds: Math.round((Date.now() - started) / 1000),
    },
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return;
  }
  printTables(output, rows, ratios, results, firstLoads, targets);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

type Target = { target: string; value: string; met: boolean };

function targetChecks(
  find: (impl: Row['impl'], precision: string, window: number) => Row | undefined,
  ratios: { impl: string; precision: string; window: number; p50: number; p95: number }[],
  loadMs: Record<string, number>,
  peakRssMb: Record<string, number>,
  hints: Record<string, HintsReply>,
  wholeWords: Record<string, WholeWordsReply>,
): Target[] {
  const at64 = find('cloze', 'int8', 64);
  const ratio = (w: number) => ratios.find((r) => r.impl === 'cloze' && r.precision === 'int8' && r.window === w);
  const list: Target[] = [];
  const add = (target: string, value: number | undefined, met: (v: number) => boolean, unit: string) =>
    list.push({ target, value: value === undefined || Number.isNaN(value) ? 'n/a' : `${round1(value)}${unit}`, met: value !== undefined && met(value) });
  add('engine int8 64-token p50 <= 20 ms', at64?.p50_ms, (v) => v <= 20, ' ms');
  add('engine int8 64-token p95 <= 30 ms', at64?.p95_ms, (v) => v <= 30, ' ms');
  for (const w of [64, 128]) {
    add(`int8 ${w} tokens: >= 1.5x faster than transformers.js at p50`, ratio(w)?.p50, (v) => v >= 1.5, 'x');
    add(`int8 ${w} tokens: >= 2x faster than transformers.js at p95`, ratio(w)?.p95, (v) => v >= 2, 'x');
  }
  add('engine int8 load <= 2 s (graph cached)', loadMs['cloze/int8'], (v) => v <= 2000, ' ms');
  add('engine int8 peak RSS <= 400 MB over baseline', peakRssMb['cloze/int8'], (v) => v <= 400, ' MB');
  add('hints: a 40-word paragraph checked in <= 300 ms (int8, p50)', hints['cloze/int8']?.p50, (v) => v <= 300, ' ms');
  add('whole words: at most 1 forward pass on top of the plain fill (int8)', wholeWords['cloze/int8']?.wholePasses, (v) => v <= 1, ' pass(es)');
  return list;
}

function table(header: string[], body: (string | number)[][]): string {
  const cells = [header, ...body.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function printTables(
  output: { load_ms: Record<string, number>; settings: Record<string, unknown> },
  rows: Row[],
  ratios: { impl: string; precision: string; window: number; p50: number; p95: number }[],
  results: ChildResult[],
  firstLoads: Record<string, LoadReply>,
  targets: Target[],
): void {
  const s = output.settings;
  console.log(`\nPer suggestion (top 5, one mask), ${s.threads} threads, median of ${s.rounds} round medians / p95s, `
    + `${s.iterations} calls per round after ${s.warm_up} warm-up; ${s.cpus} CPUs, load average ${s.load_average_at_start} at start, `
    + `${s.load_average_at_end} at end\n`);
  const ratioOf = (r: Row) => ratios.find((x) => x.impl === r.impl && x.precision === r.precision && x.window === r.window);
  const ordered = [...rows].sort((a, b) => a.precision.localeCompare(b.precision) || a.window - b.window || a.impl.localeCompare(b.impl));
  console.log(table(['impl', 'precision', 'window', 'p50 ms', 'p95 ms', 'speed-up p50', 'speed-up p95'], ordered.map((r) => {
    const x = ratioOf(r);
    return [r.impl, r.precision, r.window, r.p50_ms.toFixed(1), r.p95_ms.toFixed(1), x ? `${x.p50.toFixed(2)}x` : '', x ? `${x.p95.toFixed(2)}x` : ''];
  })));

  console.log('\nLoad and memory (RSS over the process\'s baseline with onnxruntime loaded, before the model)\n');
  const implNameOf = (r: ChildResult) => (r.impl === 'transformers.js' ? 'transformers.js' : r.headAtMask ? 'cloze' : 'cloze (stock graph)');
  const loadRows = results.map((r) => {
    const name = implNameOf(r);
    const first = r.impl === 'cloze' && r.headAtMask ? firstLoads[r.precision] : undefined;
    return [
      name,
      r.precision,
      Math.round(r.load.loadMs),
      first ? Math.round(first.loadMs) : '',
      Math.round(r.load.loadMs + r.load.firstMs),
      Math.round(r.load.baselineRssMb),
      Math.round(r.peakRssMb - r.load.baselineRssMb),
    ];
  });
  console.log(table(['impl', 'precision', 'load ms (median)', 'first load ms (rewrite)', 'load + 1st suggestion ms', 'baseline MB', 'peak over baseline MB'], loadRows));
  console.log(`\nLoad samples (ms, fresh processes, graph cached): ${results.map((r) => `${implNameOf(r)} ${r.precision} ${r.loadSamplesMs.join(' / ')}`).join('; ')}`);

  const overhead = results.filter((r) => r.overhead);
  if (overhead.length > 0) {
    console.log('\nWorker round trip: posting a request to its answer, less the worker\'s own time on it (engine stats, call by call)\n');
    console.log(table(['impl', 'precision', 'window', 'calls', 'engine p50 ms', 'in the worker p50 ms', 'round trip p50 ms', 'round trip p95 ms'], overhead.map((r) => {
      const o = r.overhead!;
      return ['cloze', r.precision, o.window, o.calls, o.engineP50.toFixed(1), o.workerP50.toFixed(1), o.roundTripP50.toFixed(2), o.roundTripP95.toFixed(2)];
    })));
  }
  const hinted = results.filter((r) => r.hints);
  if (hinted.length > 0) {
    console.log('\nUnlikely-word hints: one paragraph, every word scored in place (Engine.check, through the worker)\n');
    console.log(table(['impl', 'precision', 'words', 'one-piece words', 'tokens', 'p50 ms', 'p95 ms', 'ms per word (p50)'], hinted.map((r) => {
      const h = r.hints!;
      return ['cloze', r.precision, h.words, h.checked, h.tokens, h.p50.toFixed(1), h.p95.toFixed(1), (h.p50 / h.words).toFixed(1)];
    })));
  }
  const whole = results.filter((r) => r.wholeWords);
  if (whole.length > 0) {
    console.log('\nReplacing a word: the plain fill, what whole words add (multi-piece words of the word list), and meaning-keeping alternatives (a sentence pair)\n');
    console.log(table(['impl', 'precision', 'window', 'runs', 'plain p50 ms', 'plain p95 ms', 'whole words: extra passes', 'extra p50 ms', 'extra p95 ms', 'meaning p50 ms', 'meaning p95 ms'], whole.map((r) => {
      const w = r.wholeWords!;
      return ['cloze', r.precision, w.window, w.runs, w.plainP50.toFixed(1), w.plainP95.toFixed(1), w.wholePasses, w.wholeExtraP50.toFixed(1), w.wholeExtraP95.toFixed(1), w.meaningP50.toFixed(1), w.meaningP95.toFixed(1)];
    })));
  }
  console.log('');
  for (const r of results.filter((x) => x.impl === 'cloze')) {
    const fallback = r.load.log.filter((l) => /stock graph/.test(l));
    const attention = r.load.log.map((l) => /at the masks only, attention (.*?) \((?:cached|rewritten) graph/.exec(l)?.[1]).find((a) => a !== undefined);
    const notes = [...fallback, ...(attention === undefined ? [] : [`attention ${attention}`])];
    console.log(`cloze ${r.precision}${r.headAtMask ? '' : ' (stock graph)'}: runs the ${r.load.graph} graph${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
  }
  printEditorTimings();
  if (targets.length > 0) {
    console.log('\nTargets\n');
    for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.value}`);
  }
  console.log(`\n(${s.seconds} s)`);
}

/**
 * Trigger-to-ghost-text is measured in a real editor by the E2E run (on the
 * tiny model, so it is the editor path: the debounce, the worker round trip
 * and the rendering); it writes its timings where this reads them.
 */
function printEditorTimings(): void {
  const dir = path.join(ROOT, 'test-results/e2e');
  console.log('\nIn the editor (from the last `npm run test:e2e`, real code-server and Chromium)\n');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^timings(-.+)?\.json$/.test(f)).sort() : [];
  if (files.length === 0) {
    console.log('  no timings yet: run `npm run test:e2e` (and `npm run test:e2e -- --grep latency --model test/fixtures/models/bert-base-random-int8`)');
    return;
  }
  for (const name of files) {
    const file = path.join(dir, name);
    try {
      const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { date: string; model: string; inlineDebounceMs: number; machine?: string; timingsMs: Record<string, number> };
      console.log(`  ${record.date}, ${record.model} model, inline debounce ${record.inlineDebounceMs} ms${record.machine ? `, ${record.machine}` : ''}:`);
      for (const [what, ms] of Object.entries(record.timingsMs)) console.log(/: samples /.test(what) ? `    ${what} ms` : `    ${what}: ${ms} ms`);
    } catch (error) {
      console.log(`  ${file} is unreadable: ${(error as Error).message}`);
    }
  }
  console.log('  On the tiny model these are the editor path alone; a bert-base-sized model adds its forward passes.');
}

function maxPositions(dir: string): number {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
    return config.max_position_embeddings ?? 512;
  } catch {
    return 512;
  }
}

