/**
 * Two builds of the engine, timed against each other on the same int8 model
 * and the same inputs: each build's client (src/engine/engine.ts) with its own
 * worker, so that a change to the messages between them can be timed too.
 *
 *   npx tsx test/bench/ab-workers.ts [--base REV | --a FILE] [--b FILE] [--windows 64,128] [--rounds 6] [--pairs 4] [--model-dir DIR]
 *
 * A is the worker bundled from git revision REV (default: HEAD, in a
 * temporary worktree) or the bundle FILE; B is dist/engine-worker.js (run
 * `npm run build` first) or FILE. Each pair of child processes takes turns in
 * blocks of calls, as `npm run bench` does. On a shared 2-core machine the
 * same code runs up to 10 % faster or slower in one process than in another
 * for as long as the processes live, and the process started first tends to
 * be the faster one, so the pairs alternate which build starts first and the
 * verdict is the geometric mean of the pairs' ratios.
 *
 * Default model: test/fixtures/models/bert-base-random-int8 (make-models --bert-base).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, type ChildOptions } from './bench-child';
import { BenchChild } from './bench-child-process';

const ROOT = path.resolve(__dirname, '../..');
const DEFAULT_MODEL = path.join(ROOT, 'test/fixtures/models/bert-base-random-int8');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Where the worker's entry file has lived, newest first: a revision from before the engine's rooms has it at the top. */
const WORKER_ENTRIES = ['src/engine/worker/engine-worker.ts', 'src/engine/engine-worker.ts'];

/** Bundles `entry` of the tree at `cwd` into `outFile`, as the extension's build does. */
function bundle(cwd: string, entry: string, outFile: string): void {
  execFileSync(path.join(ROOT, 'node_modules/.bin/esbuild'), [
    entry, '--bundle', '--platform=node', '--target=node20', '--format=cjs',
    '--external:onnxruntime-node', `--outfile=${outFile}`, '--log-level=warning',
  ], { cwd, stdio: 'inherit' });
}

/** Bundles the engine's client and worker as they are at `rev` into `client` and `worker`. */
function bundleAt(rev: string, files: { client: string; worker: string }): void {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-ab-tree-'));
  try {
    execFileSync('git', ['worktree', 'add', '--detach', tree, rev], { cwd: ROOT, stdio: 'ignore' });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    const entry = WORKER_ENTRIES.find((file) => fs.existsSync(path.join(tree, file)));
    if (!entry) throw new Error(`No engine worker entry at ${rev} (looked for ${WORKER_ENTRIES.join(', ')})`);
    bundle(tree, entry, files.worker);
    bundle(tree, 'src/engine/engine.ts', files.client);
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT, stdio: 'ignore' });
  }
}

async function main(): Promise<void> {
  const windows = option('--windows', '64,128').split(',').map(Number);
  const rounds = Number(option('--rounds', '6'));
  const pairs = Number(option('--pairs', '4'));
  const modelDir = path.resolve(option('--model-dir', DEFAULT_MODEL));
  if (!fs.existsSync(path.join(modelDir, 'model.onnx'))) throw new Error(`Missing ${path.join(modelDir, 'model.onnx')}: npm run make-models -- --bert-base, or pass --model-dir`);
  // Under node_modules, so that the bundle finds onnxruntime-node as dist/ does.
  const cache = path.join(ROOT, 'node_modules/.cache');
  fs.mkdirSync(cache, { recursive: true });
  const work = fs.mkdtempSync(path.join(cache, 'cloze-ab-'));
  try {
    // A: the client and worker at --base (or the worker --a with this tree's client);
    // B: this tree's client with dist/engine-worker.js (or the worker --b).
    const clientB = path.join(work, 'b-engine.js');
    bundle(ROOT, 'src/engine/engine.ts', clientB);
    let a = option('--a', '');
    let clientA = clientB;
    if (!a) {
      a = path.join(work, 'a-engine-worker.js');
      clientA = path.join(work, 'a-engine.js');
      bundleAt(option('--base', 'HEAD'), { client: clientA, worker: a });
    }
    const b = path.resolve(option('--b', path.join(ROOT, 'dist/engine-worker.js')));
    if (!fs.existsSync(b)) throw new Error(`Missing ${b}: run \`npm run build\` first`);
    const iterations = 30;
    const warmUp = 3;
    const inputs = Object.fromEntries(windows.map((w) => [w, 2 + rounds * (warmUp + iterations)]));
    // A graph cache per build: two builds may rewrite the graph differently.
    const options = (workerScript: string): ChildOptions =>
      ({ impl: 'cloze', precision: 'int8', modelDir, threads: 2, inputs, headAtMask: true, graphCacheDir: path.join(work, workerScript === a ? 'graphs-a' : 'graphs-b'), workerScript: path.resolve(workerScript), engineModule: workerScript === a ? clientA : clientB });
    const loaded = async (script: string): Promise<BenchChild> => {
      const child = new BenchChild(options(script));
      await child.ready;
      await child.send({ cmd: 'load' });
      return child;
    };
    // Rewrite the graph once for each, so that no pair's first load pays for it.
    for (const script of [a, b]) (await loaded(script)).kill();

    const ratios: Record<number, number[]> = Object.fromEntries(windows.map((w) => [w, []]));
    for (let pair = 0; pair < pairs; pair++) {
      const bFirst = pair % 2 === 1;
      const started: BenchChild[] = [];
      for (const script of bFirst ? [b, a] : [a, b]) started.push(await loaded(script));
      const [childA, childB] = bFirst ? [started[1], started[0]] : started;
      try {
        const line: string[] = [];
        for (const w of windows) {
          const times = { a: [] as number[], b: [] as number[] };
          for (let round = 0; round < rounds; round++) {
            for (const [name, child] of (round % 2 === 0 ? [['a', childA], ['b', childB]] : [['b', childB], ['a', childA]]) as ['a' | 'b', BenchChild][]) {
              times[name].push(...(await child.send<number[]>({ cmd: 'time', window: w, warmUp, iterations })));
            }
          }
          const ratio = median(times.b) / median(times.a);
          ratios[w].push(ratio);
          line.push(`${w} tokens: A ${median(times.a).toFixed(1)} ms, B ${median(times.b).toFixed(1)} ms, B/A ${ratio.toFixed(3)}`);
        }
        console.log(`pair ${pair + 1} (${bFirst ? 'B' : 'A'} started first): ${line.join('; ')}`);
      } finally {
        childA.kill();
        childB.kill();
      }
    }
    for (const w of windows) {
      const mean = Math.exp(ratios[w].reduce((s, r) => s + Math.log(r), 0) / ratios[w].length);
      console.log(`${w} tokens: B/A p50, geometric mean over ${pairs} pairs ${mean.toFixed(3)} (pairs ${Math.min(...ratios[w]).toFixed(3)}–${Math.max(...ratios[w]).toFixed(3)})`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
