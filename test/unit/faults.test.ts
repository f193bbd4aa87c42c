// Faults in the model folder while the engine runs. What each gives: a typed
// error naming the file at fault, logged once per failed load, and the next
// request works once the cause is fixed (a failed load is never cached).
// A full disk while downloading is covered in model-store.test.ts ("reports a
// full disk as `disk`…"), hub-download.test.ts and cli-model-commands.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Engine } from '../../src/engine/engine';
import { ModelError, WorkerError } from '../../src/engine/errors';
import { findMaskTokens } from '../../src/engine/window/mask-window';
import { recordingLogger } from '../helpers/recording-logger';
import { BUILT_WORKER, testGraphCache, TINY } from '../helpers/tiny-model';

const FAULTY_WORKER = path.join(__dirname, '../fixtures/faulty-worker.ts');
const text = 'the cat drinks [MASK] .';
const request = { text, masks: findMaskTokens(text, '[MASK]') };

function tempCopy(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-fault-'));
  fs.cpSync(TINY, dir, { recursive: true });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Read through a function: TypeScript would otherwise narrow `engine.state` between assertions. */
const stateOf = (engine: Engine) => engine.state.kind;
const errorLines = (log: ReturnType<typeof recordingLogger>) => log.lines.filter((l) => l.startsWith('error'));

describe('faults in the model folder', () => {
  test('deleted while loaded: requests keep working from memory; a restart then says the folder is gone; restoring it fixes that', async (t) => {
    const dir = tempCopy(t);
    const saved = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-fault-saved-'));
    t.after(() => fs.rmSync(saved, { recursive: true, force: true }));
    const log = recordingLogger();
    const engine = new Engine({ modelDir: dir, threads: 1, workerScript: FAULTY_WORKER, logger: log });
    t.after(() => engine.dispose());
    assert.equal((await engine.fill(request))[0].suggestions[0].token_str, 'milk');

    fs.cpSync(dir, saved, { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    // The session and the tokenizer live in the worker's memory: nothing is read again.
    const [again] = await engine.fill({ text: 'the sky is [MASK] .', masks: findMaskTokens('the sky is [MASK] .', '[MASK]') });
    assert.equal(again.suggestions[0].token_str, 'blue');
    assert.equal(stateOf(engine), 'ready');

    // A worker that dies must load the model again, and that now fails, clearly, once.
    const crash = 'CRASH the cat drinks [MASK] .';
    await assert.rejects(engine.fill({ text: crash, masks: findMaskTokens(crash, '[MASK]') }), WorkerError);
    const before = errorLines(log).length;
    await assert.rejects(engine.fill(request), (e: unknown) => e instanceof ModelError && e.code === 'missing-file' && e.path === dir && e.message.includes(dir));
    assert.equal(stateOf(engine), 'error');
    assert.deepEqual(errorLines(log).slice(before), [`error Model load failed: Model folder not found: ${dir}`]);

    fs.cpSync(saved, dir, { recursive: true });
    assert.equal((await engine.fill(request))[0].suggestions[0].token_str, 'milk');
    assert.equal(stateOf(engine), 'ready');
  });

  test('an invalid tokenizer.json: `invalid-tokenizer` naming the file; fixed, the next request works', async (t) => {
    const dir = tempCopy(t);
    const file = path.join(dir, 'tokenizer.json');
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, good.subarray(0, 200));
    const log = recordingLogger();
    const engine = new Engine({ modelDir: dir, threads: 1, logger: log });
    t.after(() => engine.dispose());
    await assert.rejects(engine.fill(request), (e: unknown) => e instanceof ModelError && e.code === 'invalid-tokenizer' && e.path === file);
    assert.equal(errorLines(log).length, 1);
    assert.match(errorLines(log)[0], /tokenizer\.json/);
    fs.writeFileSync(file, good);
    assert.equal((await engine.fill(request))[0].suggestions[0].token_str, 'milk');
  });

  test('config.json missing: `missing-file` naming it; restored, the next request works', async (t) => {
    const dir = tempCopy(t);
    const file = path.join(dir, 'config.json');
    const good = fs.readFileSync(file);
    fs.rmSync(file);
    const log = recordingLogger();
    const engine = new Engine({ modelDir: dir, threads: 1, logger: log });
    t.after(() => engine.dispose());
    await assert.rejects(engine.fill(request), (e: unknown) => e instanceof ModelError && e.code === 'missing-file' && e.path === file && /Missing config\.json/.test(e.message));
    assert.deepEqual(errorLines(log), [`error Model load failed: Missing config.json in ${dir}`]);
    fs.writeFileSync(file, good);
    assert.equal((await engine.fill(request))[0].suggestions[0].token_str, 'milk');
  });

  test('config.json that is not JSON: `invalid-config` with the parser\'s message', async (t) => {
    const dir = tempCopy(t);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{ "model_type": "bert", ');
    const engine = new Engine({ modelDir: dir, threads: 1 });
    t.after(() => engine.dispose());
    await assert.rejects(engine.fill(request), (e: unknown) => e instanceof ModelError && e.code === 'invalid-config' && e.path === file && /Cannot parse/.test(e.message));
  });
});

describe('faults in the engine\'s lifetime', () => {
  const builtWorker = BUILT_WORKER;
  test('disposing while a forward pass runs (a model change mid-request) does not abort the process', { skip: !fs.existsSync(builtWorker) && 'run `npm run build` first' }, async () => {
    // In a child, with the worker as it ships: terminating a worker inside
    // onnxruntime's run aborts the whole process ("terminate called after
    // throwing an instance of 'Napi::Error'"), which in VS Code is the
    // extension host with every extension in it.
    const script = `
      const { Engine } = require(${JSON.stringify(path.join(__dirname, '../../src/engine/engine'))});
      (async () => {
        for (let i = 0; i < 40; i++) {
          const engine = new Engine({ modelDir: ${JSON.stringify(TINY)}, threads: 2, workerScript: ${JSON.stringify(builtWorker)}, graphCacheDir: ${JSON.stringify(testGraphCache())} });
          await engine.fill({ text: 'the dog chases the cat .', masks: [{ start: 19, end: 22 }] });
          const answer = engine.fill({ text: 'the dog chases the cat .', masks: [{ start: 4, end: 7 }] }).catch((e) => e);
          const posted = engine.stats.posted;
          while (engine.stats.posted === posted) await new Promise((r) => setImmediate(r));
          if (i % 3 === 1) await new Promise((r) => setImmediate(r));
          if (i % 3 === 2) await new Promise((r) => setTimeout(r, 1));
          void engine.dispose();
          const outcome = await answer;
          if (outcome.name !== 'CancelledError' && !Array.isArray(outcome)) throw outcome;
        }
        console.log('survived');
      })();`;
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: path.join(__dirname, '../..'), timeout: 60_000 }, (error, out, err) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.equal(stdout.trim(), 'survived');
  });
});
