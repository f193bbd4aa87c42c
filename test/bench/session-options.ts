/**
 * Measures onnxruntime session options on the engine's own path (MaskedLm +
 * FillMask, head-at-mask graph): load time (session + warm-up, median of
 * `--loads` loads taken in turns) and per suggestion p50/p95 at one window
 * size. All variants live in one process and take turns in blocks of calls,
 * so that the machine's busy moments fall on every variant alike.
 *
 *   npx tsx test/bench/session-options.ts [--model-dir DIR] [--window 64] [--rounds 6] [--block 10] [--loads 3] [--threads 2] [--only REGEX] [--busy]
 *
 * `--busy` keeps one core busy with another process throughout, as an
 * editor's other work would.
 *
 * Default model: test/fixtures/models/bert-base-random-int8 (make-models --bert-base).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InferenceSession } from 'onnxruntime-node';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { defaultSessionOptions, MaskedLm } from '../../src/engine/worker/masked-lm';
import { silentLogger } from '../../src/engine/types';
import { quantile } from './bench-child';
import { benchInputs } from './sentences';

/** Changes to the engine's own options ({@link defaultSessionOptions}); `extra` entries are merged. */
const ALL_VARIANTS: [string, InferenceSession.SessionOptions][] = [
  ['ours (see defaultSessionOptions)', {}],
  ['graph optimization extended', { graphOptimizationLevel: 'extended' }],
  ['graph optimization basic', { graphOptimizationLevel: 'basic' }],
  ['cpu mem arena off', { enableCpuMemArena: false }],
  ['mem pattern off', { enableMemPattern: false }],
  ['prepacking off', { extra: { session: { disable_prepacking: '1' } } }],
  ['intra-op spinning off', { extra: { session: { intra_op: { allow_spinning: '0' } } } }],
  ['intra-op spinning on (onnxruntime\'s default duration)', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '-1' } } } }],
  ['intra-op spinning on, stopped after each run', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '-1' }, force_spinning_stop: '1' } } }],
  ['intra-op spinning on for at most 5 µs', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '5' } } } }],
  ['intra-op spinning on for at most 20 µs', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '20' } } } }],
  ['intra-op spinning on for at most 30 µs', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '30' } } } }],
  ['intra-op spinning on for at most 100 µs', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '100' } } } }],
  ['intra-op spinning on for at most 1 ms, backing off', { extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '1000', spin_backoff_max: '8' } } } }],
  ['dynamic block base 4', { extra: { session: { dynamic_block_base: '4' } } }],
  ['pool thread pinned to the second CPU', { extra: { session: { intra_op_thread_affinities: '2' } } }],
];

function withChanges(base: InferenceSession.SessionOptions, changes: InferenceSession.SessionOptions): InferenceSession.SessionOptions {
  const session = { ...(base.extra?.session as object), ...(changes.extra?.session as object) } as Record<string, unknown>;
  const intraOp = { ...((base.extra?.session as Record<string, object>)?.intra_op), ...((changes.extra?.session as Record<string, object>)?.intra_op) };
  return { ...base, ...changes, extra: { ...base.extra, ...changes.extra, session: { ...session, intra_op: intraOp } } };
}

/** `--only REGEX` keeps the variants whose name matches (the first, ours, always stays). */
const only = process.argv.includes('--only') ? new RegExp(process.argv[process.argv.indexOf('--only') + 1]) : undefined;
const VARIANTS = ALL_VARIANTS.filter(([name], i) => i === 0 || !only || only.test(name));

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const modelDir = path.resolve(option('--model-dir', path.join(__dirname, '../fixtures/models/bert-base-random-int8')));
  const window = Number(option('--window', '64'));
  const rounds = Number(option('--rounds', '6'));
  const block = Number(option('--block', '10'));
  const threads = Number(option('--threads', '2'));
  const graphCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-session-options-'));
  process.env.ORT_DISABLE_TELEMETRY = '1';
  const busy = process.argv.includes('--busy') ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
  try {
    // The first load rewrites the graph and reads the files into the page cache; it is not counted.
    await (await MaskedLm.load(modelDir, threads, silentLogger, { graphCacheDir })).release();
    const base = defaultSessionOptions(threads);
    const loads = Number(option('--loads', '3'));
    const loaded = VARIANTS.map(([name]) => ({ name, fill: undefined as unknown as FillMask, lm: undefined as unknown as MaskedLm, loadMs: [] as number[], rssMb: 0, times: [] as number[] }));
    for (let rep = 0; rep < loads; rep++) {
      for (const [k, [, sessionOptions]] of VARIANTS.entries()) {
        const variant = loaded[k];
        const rss = process.memoryUsage().rss;
        const started = performance.now();
        const lm = await MaskedLm.load(modelDir, threads, silentLogger, { graphCacheDir, sessionOptions: withChanges(base, sessionOptions) });
        variant.loadMs.push(performance.now() - started);
        if (rep < loads - 1) await lm.release();
        else Object.assign(variant, { lm, fill: new FillMask(lm, 0), rssMb: (process.memoryUsage().rss - rss) / 2 ** 20 });
      }
    }
    const inputs = benchInputs(loaded[0].lm.tokenizer, window, rounds * loaded.length * (block + 1), 5);
    let next = 0;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < loaded.length; k++) {
        const variant = loaded[(k + round) % loaded.length];
        for (let i = 0; i <= block; i++) {
          const input = inputs[next++];
          const started = performance.now();
          await variant.fill.fill({ text: input.text, masks: [input.mask], maxTokens: window, filter: 'none' });
          // The first call of a block runs against the previous variant's spinning threads.
          if (i > 0) variant.times.push(performance.now() - started);
        }
      }
    }
    const beside = busy ? ', one core kept busy by another process' : '';
    console.log(`${path.basename(modelDir)}, ${window} tokens, ${threads} threads, ${rounds} rounds of ${block} calls per variant${beside}, load average ${os.loadavg()[0].toFixed(1)}\n`);
    console.log(`${'variant'.padEnd(56)}  ${'load ms'.padStart(8)}  ${'RSS +MB'.padStart(8)}  ${'p50 ms'.padStart(7)}  ${'p95 ms'.padStart(7)}`);
    for (const v of loaded) {
      const sorted = v.times.sort((a, b) => a - b);
      console.log(`${v.name.padEnd(56)}  ${quantile([...v.loadMs].sort((a, b) => a - b), 0.5).toFixed(0).padStart(8)}  ${v.rssMb.toFixed(0).padStart(8)}  ${quantile(sorted, 0.5).toFixed(1).padStart(7)}  ${quantile(sorted, 0.95).toFixed(1).padStart(7)}`);
    }
    for (const v of loaded) await v.lm.release();
  } finally {
    busy?.kill();
    fs.rmSync(graphCacheDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
