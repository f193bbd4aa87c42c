/**
 * One implementation on one model for `npm run bench`, in its own process so
 * that its memory figures are its own. It is driven over IPC by bench.ts,
 * which interleaves the timing blocks of all children so that the machine's
 * slow and fast moments fall on every implementation alike.
 *
 *   fork('bench-child.ts', ['<ChildOptions as JSON>'])  then messages: ChildCommand -> reply
 */
import { performance } from 'node:perf_hooks';
import { Engine } from '../../src/engine/engine';
import type { Logger } from '../../src/engine/types';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { checkableWords } from '../../src/text/hint-words';
import { WordTokenizer } from '../../src/engine/window/word-tokenizer';
import { loadPeerFillMask } from '../helpers/transformers-peer';
import { benchInputs, type BenchInput } from './sentences';

export interface ChildOptions {
  impl: 'cloze' | 'transformers.js';
  precision: 'int8' | 'fp32';
  modelDir: string;
  threads: number;
  /** How many distinct inputs to prepare per window: no input is ever sent twice. */
  inputs: Record<number, number>;
  /** cloze only. */
  headAtMask: boolean;
  graphCacheDir: string;
  workerScript: string;
  /** cloze only: a bundle of src/engine/engine.ts to take the Engine client from (ab-workers: another revision's); default this tree's. */
  engineModule?: string;
}

export type ChildCommand =
  | { cmd: 'load' }
  | { cmd: 'time'; window: number; warmUp: number; iterations: number }
  | { cmd: 'peak' }
  | { cmd: 'overhead'; window: number; calls: number }
  | { cmd: 'hints'; runs: number }
  | { cmd: 'wholeWords'; window: number; runs: number }
  | { cmd: 'exit' };

export interface LoadReply {
  graph: string | undefined;
  loadMs: number;
  /** The first suggestion's own time, right after the load (the first window given). */
  firstMs: number;
  /** RSS with node and onnxruntime loaded, before the model. */
  baselineRssMb: number;
  log: string[];
}

export interface OverheadReply {
  window: number;
  calls: number;
  /** Per call, as the caller sees it (Engine.fill). */
  engineP50: number;
  /** Per call, the worker's own time on the request (EngineStats.workerMs). */
  workerP50: number;
  /** Per call, posting to answer less the worker's own time: messaging and waking the threads. */
  roundTripP50: number;
  roundTripP95: number;
}

export interface HintsReply {
  words: number;
  checked: number;
  tokens: number;
  p50: number;
  p95: number;
}

/** A paragraph of 40 words that the unlikely-word hints check (all of them one vocabulary piece in bert-base-uncased). */
export interface WholeWordsReply {
  window: number;
  runs: number;
  /** The plain fill of a word (one forward pass), ms. */
  plainP50: number;
  plainP95: number;
  /** Forward passes (batched `run`s) the whole-word step adds, per request (the largest seen). */
  wholePasses: number;
  /** What the whole-word step adds to the plain fill, ms. */
  wholeExtraP50: number;
  wholeExtraP95: number;
  /** The same fill with `alternatives: 'meaning'` (a sentence pair, one pass), ms. */
  meaningP50: number;
  meaningP95: number;
}

export const HINTS_PARAGRAPH =
  'When the team moved into the new office, nobody expected the coffee machine to become the center of every decision. ' +
  'Meetings started there, arguments ended there, and most of the good ideas we had were written on napkins beside it.';

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** The median of unsorted values. */
export const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);
const mb = (bytes: number) => bytes / (1024 * 1024);

type Suggest = (input: BenchInput) => Promise<unknown>;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as ChildOptions;
  const send = (reply: unknown) => process.send!(reply);
  const log: string[] = [];
  const logger: Logger = {
    trace: () => undefined,
    debug: (m) => log.push(`debug ${m}`),
    info: (m) => log.push(`info ${m}`),
    warn: (m) => log.push(`warn ${m}`),
    error: (m) => log.push(`error ${String(m)}`),
  };

  // The runtime's own code is loaded before the baseline for both implementations,
  // so that the figure over the baseline is what the model costs.
  process.env.ORT_DISABLE_TELEMETRY = '1';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('onnxruntime-node');
  if (options.impl === 'transformers.js') await import('@huggingface/transformers');
  const tokenizer = WordTokenizer.fromFolder(options.modelDir);
  const pools = new Map(Object.entries(options.inputs).map(([w, n], i) => [Number(w), benchInputs(tokenizer, Number(w), n, i + 1)]));
  const cursor = new Map([...pools.keys()].map((w) => [w, 0]));
  const next = (w: number): BenchInput => {
    const pool = pools.get(w);
    const i = cursor.get(w) ?? 0;
    if (!pool || i >= pool.length) throw new Error(`Out of ${w}-token inputs`);
    cursor.set(w, i + 1);
    return pool[i];
  };
  global.gc?.();
  const baselineRssMb = mb(process.memoryUsage().rss);

  let suggest: Suggest | undefined;
  let engine: Engine | undefined;
  const handle = async (command: ChildCommand): Promise<unknown> => {
    switch (command.cmd) {
      case 'load': {
        const started = performance.now();
        let graph: string | undefined;
        if (options.impl === 'cloze') {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const Client: typeof Engine = options.engineModule ? (require(options.engineModule) as { Engine: typeof Engine }).Engine : Engine;
          engine = new Client({
            modelDir: options.modelDir,
            threads: options.threads,
            cacheSize: 0,
            headAtMask: options.headAtMask,
            graphCacheDir: options.graphCacheDir,
            workerScript: options.workerScript,
            logger,
          });
          graph = (await engine.load()).graph;
          const e = engine;
          suggest = (input) => e.fill(request(input));
        } else {
          const pipe = await loadPeerFillMask(options.modelDir, {
            dtype: options.precision === 'int8' ? 'q8' : 'fp32',
            intraOpNumThreads: options.threads,
          });
          suggest = (input) => pipe(input.text, { top_k: 5 });
          const probe = pools.values().next().value![0];
          const { input_ids: ids } = (await pipe.tokenizer(probe.text)) as { input_ids: { dims: number[] } };
          if (ids.dims[1] !== probe.tokens) throw new Error(`transformers.js sees ${ids.dims[1]} tokens, not ${probe.tokens}`);
        }
        const loadMs = performance.now() - started;
        const first = performance.now();
        await suggest(next(pools.keys().next().value!));
        return { graph, loadMs, firstMs: performance.now() - first, baselineRssMb, log } satisfies LoadReply;
      }
      case 'time': {
        const run = suggest!;
        for (let i = 0; i < command.warmUp; i++) await run(next(command.window));
        const times: number[] = [];
        for (let i = 0; i < command.iterations; i++) {
          const input = next(command.window);
          const started = performance.now();
          await run(input);
          times.push(performance.now() - started);
        }
        return times;
      }
      case 'peak':
        return process.resourceUsage().maxRSS / 1024;
      case 'overhead':
        return overhead(engine!, command.window, command.calls, next);
      case 'hints': {
        // As the editor asks: every checkable word of the paragraph, in one request.
        const words = checkableWords(HINTS_PARAGRAPH);
        const times: number[] = [];
        let checked = 0;
        for (let i = 0; i < command.runs + 1; i++) {
          const started = performance.now();
          const result = await engine!.check({ text: HINTS_PARAGRAPH, words, topK: 8 });
          if (i > 0) times.push(performance.now() - started);
          checked = result.checked.length;
        }
        times.sort((x, y) => x - y);
        return { words: words.length, checked, tokens: tokenizer.encode(HINTS_PARAGRAPH).length, p50: quantile(times, 0.5), p95: quantile(times, 0.95) } satisfies HintsReply;
      }
      case 'wholeWords':
        return wholeWordsCost(options, logger, command.window, command.runs, next);
      case 'exit':
        await engine?.dispose();
        return null;
    }
  };
  process.on('message', (command: ChildCommand) => {
    handle(command).then(
      (reply) => {
        send({ ok: true, reply });
        if (command.cmd === 'exit') process.disconnect();
      },
      (error: unknown) => send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  send({ ok: true, reply: 'ready' });
}

function request(input: BenchInput) {
  return { text: input.text, masks: [input.mask], topK: 5, maxTokens: input.tokens, filter: 'none' as const };
}

/**
 * What the worker thread costs per call: the time from posting a request to
 * its answer, less the worker's own time on it (both from the engine's
 * stats), call by call. Timing a second session in this thread instead
 * would measure two sessions' effect on each other more than the worker.
 */
async function overhead(engine: Engine, window: number, calls: number, next: (w: number) => BenchInput): Promise<OverheadReply> {
  const total: number[] = [];
  const worker: number[] = [];
  const roundTrip: number[] = [];
  for (let i = 0; i < calls; i++) {
    const before = engine.stats;
    const started = performance.now();
    await engine.fill(request(next(window)));
    total.push(performance.now() - started);
    const after = engine.stats;
    worker.push(after.workerMs - before.workerMs);
    roundTrip.push(after.roundTripMs - before.roundTripMs - (after.workerMs - before.workerMs));
  }
  roundTrip.sort((a, b) => a - b);
  return { window, calls, engineP50: median(total), workerP50: median(worker), roundTripP50: quantile(roundTrip, 0.5), roundTripP95: quantile(roundTrip, 0.95) };
}

/**
 * What whole words and meaning-keeping alternatives cost on top of the plain
 * fill of a word, measured in this process on a session of its own (after
 * the memory figures), where the forward passes can be counted: the plain
 * fill runs first and is cached, so the whole-word request's time and passes
 * are the whole-word step's alone.
 */
async function wholeWordsCost(options: ChildOptions, logger: Logger, window: number, runs: number, next: (w: number) => BenchInput): Promise<WholeWordsReply> {
  const lm = await MaskedLm.load(options.modelDir, options.threads, logger, { graphCacheDir: options.graphCacheDir, headAtMask: options.headAtMask });
  const fillMask = new FillMask(lm, 4);
  const run = lm.logitsAtBatch.bind(lm);
  let passes = 0;
  lm.logitsAtBatch = (...args) => {
    passes++;
    return run(...args);
  };
  const plain: number[] = [];
  const extra: number[] = [];
  const meaning: number[] = [];
  let wholePasses = 0;
  try {
    for (let i = 0; i < runs + 1; i++) {
      const input = next(window);
      // A word to replace, as the hover and Suggest Word ask: the mask token put back as a word.
      const text = input.text.slice(0, input.mask.start) + 'house' + input.text.slice(input.mask.end);
      const masks = [{ start: input.mask.start, end: input.mask.start + 'house'.length }];
      const base = { text, masks, topK: 5, maxTokens: input.tokens, filter: 'words' as const };
      let started = performance.now();
      await fillMask.fill(base);
      const plainMs = performance.now() - started;
      passes = 0;
      started = performance.now();
      await fillMask.fill({ ...base, wholeWords: true });
      const extraMs = performance.now() - started;
      const wholeCount = passes;
      started = performance.now();
      await fillMask.fill({ ...base, alternatives: 'meaning' });
      const meaningMs = performance.now() - started;
      if (i === 0) continue; // warm-up
      plain.push(plainMs);
      extra.push(extraMs);
      meaning.push(meaningMs);
      wholePasses = Math.max(wholePasses, wholeCount);
    }
  } finally {
    await lm.release();
  }
  const q = (values: number[], at: number) => quantile([...values].sort((a, b) => a - b), at);
  return {
    window,
    runs,
    plainP50: q(plain, 0.5),
    plainP95: q(plain, 0.95),
    wholePasses,
    wholeExtraP50: q(extra, 0.5),
    wholeExtraP95: q(extra, 0.95),
    meaningP50: q(meaning, 0.5),
    meaningP95: q(meaning, 0.95),
  };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
