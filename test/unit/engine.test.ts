import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { Engine } from '../../src/engine/engine';
import { tinyEngine, useTinyEngine } from '../helpers/tiny-model';
import { CancelledError, ModelError, WorkerError } from '../../src/engine/errors';
import { findMaskTokens } from '../../src/engine/window/mask-window';
import { recordingLogger } from '../helpers/recording-logger';
import { loadPeerFillMask } from '../helpers/transformers-peer';

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`. */
async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');
const FAULTY_WORKER = path.join(__dirname, '../fixtures/faulty-worker.ts');
const answers: { text: string; top1: string }[] = JSON.parse(fs.readFileSync(path.join(TINY, 'answers.json'), 'utf8'));

const masksOf = (text: string) => findMaskTokens(text, '[MASK]');

function tempCopy(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-model-'));
  fs.cpSync(TINY, dir, { recursive: true });
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('engine on the planted model', () => {
  const tiny = useTinyEngine();

  test('gives every planted answer as the top word, through the worker', async () => {
    for (const { text, top1 } of answers) {
      const [result] = await tiny.engine.fill({ text, masks: masksOf(text) });
      assert.equal(result.suggestions[0].token_str, top1, text);
    }
  });

  test('two contexts give two different known words', async () => {
    const drink = 'i like to drink [MASK] .';
    const eat = 'i like to eat [MASK] .';
    const [a] = await tiny.engine.fill({ text: drink, masks: masksOf(drink) });
    const [b] = await tiny.engine.fill({ text: eat, masks: masksOf(eat) });
    assert.equal(a.suggestions[0].token_str, 'tea');
    assert.equal(b.suggestions[0].token_str, 'bread');
  });

  test('returns the pipeline fields, ranked, with the document range', async () => {
    const text = 'Intro line.\n\nThe cat drinks [MASK] .';
    const masks = masksOf(text);
    const [result] = await tiny.engine.fill({ text, masks, topK: 7 });
    assert.deepEqual(result.span, masks[0]);
    assert.equal(result.text, '[MASK]');
    assert.equal(result.isMaskToken, true);
    assert.equal(result.suggestions.length, 7);
    const scores = result.suggestions.map((s) => s.score);
    assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
    assert.ok(scores.reduce((a, b) => a + b) <= 1 + 1e-9);
    assert.equal(result.suggestions[0].sequence, 'the cat drinks milk.');
  });

  test('replacing a word reports its own probability and never proposes it', async () => {
    const text = 'The cat drinks water.';
    const start = text.indexOf('water');
    const [result] = await tiny.engine.fill({ text, masks: [{ start, end: start + 5 }] });
    assert.equal(result.isMaskToken, false);
    assert.ok(result.original && result.original.score > 0 && result.original.score < 0.01);
    assert.equal(result.suggestions[0].word, 'milk');
    assert.ok(result.suggestions.every((s) => s.word.toLowerCase() !== 'water'));
  });

  test('maps results back into a text of several megabytes', async () => {
    const filler = 'lorem ipsum dolor sit amet. '.repeat(100_000);
    const text = `${filler}\n\nthe cat drinks [MASK] .\n\n${filler}`;
    const masks = masksOf(text);
    const [result] = await tiny.engine.fill({ text, masks });
    assert.deepEqual(result.span, masks[0]);
    assert.equal(result.suggestions[0].token_str, 'milk');
  });

  test('rejects bad requests with the offending value', async () => {
    const text = 'the cat drinks [MASK] .';
    await assert.rejects(tiny.engine.fill({ text, masks: masksOf(text), topK: 0 }), /`topK` to be an integer from 1 to 50, got `0`/);
    await assert.rejects(tiny.engine.fill({ text, masks: [] }), TypeError);
    await assert.rejects(tiny.engine.fill({ text, masks: [{ start: 5, end: 500 }] }), RangeError);
    await assert.rejects(tiny.engine.fill({ text, masks: masksOf(text), maxTokens: 1 }), RangeError);
  });

  test('a newer request from the same caller supersedes an older queued one', async () => {
    const text = 'the dog chases the [MASK] .';
    const masks = masksOf(text);
    const first = tiny.engine.fill({ text, masks, topK: 1 }, { caller: 'inline' });
    const second = tiny.engine.fill({ text, masks, topK: 2 }, { caller: 'inline' });
    const third = tiny.engine.fill({ text, masks, topK: 3 }, { caller: 'inline' });
    const other = tiny.engine.fill({ text, masks, topK: 4 }, { caller: 'hover' });
    const settled = await Promise.allSettled([first, second, third, other]);
    assert.equal(settled[0].status, 'fulfilled');
    assert.equal(settled[1].status, 'rejected');
    assert.ok((settled[1] as PromiseRejectedResult).reason instanceof CancelledError);
    assert.equal(((settled[1] as PromiseRejectedResult).reason as CancelledError).reason, 'superseded');
    assert.equal(settled[2].status, 'fulfilled');
    assert.equal((settled[2] as PromiseFulfilledResult<{ suggestions: unknown[] }[]>).value[0].suggestions.length, 3);
    assert.equal(settled[3].status, 'fulfilled');
  });

  test('an aborted request rejects as cancelled and the next one works', async () => {
    const text = 'the sky is [MASK] .';
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(tiny.engine.fill({ text, masks: masksOf(text) }, { signal: controller.signal }), CancelledError);
    const late = new AbortController();
    const pending = tiny.engine.fill({ text, masks: masksOf(text) }, { signal: late.signal });
    late.abort();
    await assert.rejects(pending, CancelledError);
    const [result] = await tiny.engine.fill({ text, masks: masksOf(text) });
    assert.equal(result.suggestions[0].token_str, 'blue');
  });
});

describe('parity with the transformers.js fill-mask pipeline', () => {
  test('same top-5 ids and scores within 1e-5 on every planted sentence', async () => {
    const peer = await loadPeerFillMask(TINY);
    const engine = tinyEngine();
    try {
      for (const { text } of answers) {
        const expected = (await peer(text, { top_k: 5 })) as { score: number; token: number; token_str: string }[];
        const [result] = await engine.fill({ text, masks: masksOf(text), topK: 5 });
        assert.deepEqual(result.suggestions.map((s) => s.token), expected.map((e) => e.token), text);
        result.suggestions.forEach((s, i) => assert.ok(Math.abs(s.score - expected[i].score) < 1e-5, `${text}: ${s.score} vs ${expected[i].score}`));
        assert.deepEqual(result.suggestions.map((s) => s.token_str), expected.map((e) => e.token_str));
      }
    } finally {
      await engine.dispose();
    }
  });
});

describe('engine errors and lifecycle', () => {
  const text = 'the cat drinks [MASK] .';

  test('rejects a missing model folder', async () => {
    const engine = new Engine({ modelDir: '/nonexistent/model' });
    await assert.rejects(engine.load(), (e: unknown) => e instanceof ModelError && e.code === 'missing-file');
    await engine.dispose();
  });

  test('after a model error, loads fail at once without a new worker until retryAfterMs or a change in the folder', async (t) => {
    const dir = tempCopy(t);
    for (const file of ['tokenizer.json', 'vocab.txt']) fs.renameSync(path.join(dir, file), path.join(dir, `${file}.away`));
    const logger = recordingLogger();
    const engine = new Engine({ modelDir: dir, threads: 1, retryAfterMs: 1500, logger });
    try {
      const first = await engine.load().catch((e: unknown) => e);
      assert.ok(first instanceof ModelError && first.code === 'missing-file');
      const started = Date.now();
      await assert.rejects(engine.load(), (e: unknown) => e === first);
      await assert.rejects(engine.fill({ text, masks: masksOf(text) }), (e: unknown) => e === first);
      assert.ok(Date.now() - started < 200, 'answered without starting a worker');
      assert.equal(logger.lines.filter((l) => /Model load failed/.test(l)).length, 1);
      // The wait passes: tried again (and fails again, the files are still away).
      await new Promise((resolve) => setTimeout(resolve, 1600));
      await assert.rejects(engine.load(), (e: unknown) => e !== first && e instanceof ModelError && e.code === 'missing-file');
      assert.equal(logger.lines.filter((l) => /Model load failed/.test(l)).length, 2);
      // Repaired within the (now doubled) wait: tried at once.
      for (const file of ['tokenizer.json', 'vocab.txt']) fs.renameSync(path.join(dir, `${file}.away`), path.join(dir, file));
      assert.equal((await engine.load()).graph, 'head-at-mask');
    } finally {
      await engine.dispose();
    }
  });

  test('rejects a folder without tokenizer.json, naming the file', async (t) => {
    const dir = tempCopy(t);
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    fs.rmSync(path.join(dir, 'vocab.txt'));
    const engine = new Engine({ modelDir: dir });
    await assert.rejects(engine.load(), (e: unknown) => e instanceof ModelError && e.code === 'missing-file' && /tokenizer\.json/.test(e.message));
    await engine.dispose();
  });

  test('rejects a truncated model file, and loads once it is fixed', async (t) => {
    const dir = tempCopy(t);
    const model = path.join(dir, 'model.onnx');
    const bytes = fs.readFileSync(model);
    fs.writeFileSync(model, bytes.subarray(0, bytes.length / 3));
    const engine = new Engine({ modelDir: dir, threads: 1 });
    await assert.rejects(engine.fill({ text, masks: masksOf(text) }), (e: unknown) => e instanceof ModelError && e.code === 'invalid-model');
    assert.equal(engine.state.kind, 'error');
    fs.writeFileSync(model, bytes);
    const [result] = await engine.fill({ text, masks: masksOf(text) });
    assert.equal(result.suggestions[0].token_str, 'milk');
    await engine.dispose();
  });

  test('rejects a model without a logits output', async (t) => {
    const dir = tempCopy(t);
    const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'model.onnx')));
    const graph = model.graph!;
    for (const node of graph.node!) node.output = node.output!.map((o) => (o === 'logits' ? 'scores' : o));
    for (const output of graph.output!) if (output.name === 'logits') output.name = 'scores';
    fs.writeFileSync(path.join(dir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
    const engine = new Engine({ modelDir: dir, threads: 1 });
    await assert.rejects(engine.load(), (e: unknown) => e instanceof ModelError && e.code === 'no-logits' && /scores/.test(e.message));
    await engine.dispose();
  });

  test('rejects a tokenizer without a mask token', async (t) => {
    const dir = tempCopy(t);
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    const tokenizer = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
    tokenizer.added_tokens = tokenizer.added_tokens.filter((a: { content: string }) => a.content !== '[MASK]');
    fs.writeFileSync(tokenizerFile, JSON.stringify(tokenizer));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    delete config.mask_token;
    delete config.added_tokens_decoder;
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
    const engine = new Engine({ modelDir: dir, threads: 1 });
    await assert.rejects(engine.load(), (e: unknown) => e instanceof ModelError && e.code === 'no-mask-token');
    await engine.dispose();
  });

  test('rejects out-of-range options in the constructor', () => {
    assert.throws(() => new Engine({ modelDir: TINY, threads: 0 }), /`threads` to be an integer from 1 to 64, got `0`/);
    assert.throws(() => new Engine({ modelDir: '' }), TypeError);
    assert.throws(() => new Engine({ modelDir: TINY, requestTimeoutMs: -5 }), RangeError);
  });

  test('dispose rejects pending requests as cancelled and ends the worker', async () => {
    const engine = tinyEngine();
    const rejected = assert.rejects(engine.fill({ text, masks: masksOf(text) }), CancelledError);
    await engine.dispose();
    await rejected;
    await assert.rejects(engine.fill({ text, masks: masksOf(text) }), CancelledError);
    assert.equal(engine.state.kind, 'disposed');
  });

  test('a worker that crashes mid-request gives a clear error, and the next request restarts it', async () => {
    const engine = tinyEngine({ workerScript: FAULTY_WORKER });
    const crash = 'CRASH the cat drinks [MASK] .';
    await assert.rejects(engine.fill({ text: crash, masks: masksOf(crash) }), (e: unknown) => e instanceof WorkerError && /exited with code 3/.test(e.message));
    const [result] = await engine.fill({ text, masks: masksOf(text) });
    assert.equal(result.suggestions[0].token_str, 'milk');
    await engine.dispose();
  });

  test('a worker that times out inside onnxruntime is left to finish and exit, not terminated', async () => {
    const logger = recordingLogger();
    const engine = tinyEngine({ workerScript: FAULTY_WORKER, requestTimeoutMs: 1000, logger });
    const slow = 'SLOWNATIVE the cat drinks [MASK] .';
    await assert.rejects(engine.fill({ text: slow, masks: masksOf(slow) }), (e: unknown) => e instanceof WorkerError && /did not answer within 1000 ms/.test(e.message));
    assert.match(logger.text(), /inside onnxruntime: it is left to finish that call and exit/);
    const [result] = await engine.fill({ text, masks: masksOf(text) });
    assert.equal(result.suggestions[0].token_str, 'milk');
    await waitUntil(() => /The timed-out worker has exited/.test(logger.text()), 10_000);
    await engine.dispose();
  });

  test('a hung worker is terminated after the timeout, and the next request restarts it', async () => {
    const engine = tinyEngine({ workerScript: FAULTY_WORKER, requestTimeoutMs: 1500 });
    const hang = 'HANG the cat drinks [MASK] .';
    const started = Date.now();
    await assert.rejects(engine.fill({ text: hang, masks: masksOf(hang) }), (e: unknown) => e instanceof WorkerError && /did not answer within 1500 ms/.test(e.message));
    assert.ok(Date.now() - started < 10_000);
    const [result] = await engine.fill({ text, masks: masksOf(text) });
    assert.equal(result.suggestions[0].token_str, 'milk');
    await engine.dispose();
  });
});
