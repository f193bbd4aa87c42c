// The prefetch: what Alt+\ in a gap, a keyboard hover or a just-closed mask
// token will ask is asked while the writer pauses, and the surface that asks a
// moment later shares that answer instead of a second forward pass. Run on an
// EngineHost of the suite's own (the planted tiny model), whose engine counts
// what reaches the worker.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineHost } from '../../../src/editor/engine-host';
import { registerPrefetch } from '../../../src/editor/prefetch';
import { readSettings, type ClozeSettings } from '../../../src/editor/settings';
import { gapAt, maskAt } from '../../../src/editor/targets';
import { openDocument, setCursor, sleep, tinyModelPath, useTinyModelSuite, waitFor } from './helpers';

suite('Prefetch: the words are ready when asked for', function () {
  this.timeout(60_000);
  useTinyModelSuite();
  const REST_MS = 200;
  let settings: ClozeSettings;
  let log: vscode.LogOutputChannel;
  let host: EngineHost;
  let prefetching: vscode.Disposable | undefined;
  const graphCache = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-suite-graphs-'));
  suiteTeardown(() => fs.rmSync(graphCache, { recursive: true, force: true }));

  setup(() => {
    settings = { ...readSettings(vscode.workspace.getConfiguration('cloze')), modelPath: tinyModelPath(), hover: 'masks and hints' };
    log = vscode.window.createOutputChannel('Cloze prefetch test', { log: true });
    host = new EngineHost(log, () => settings, async (s) => s.modelPath, graphCache);
  });
  teardown(async () => {
    prefetching?.dispose();
    prefetching = undefined;
    await host.disposeAsync();
    log.dispose();
  });

  /** The host's engine, loaded, and the prefetch listening (a prefetch never loads a model itself). */
  async function loadedEngine(restMs = REST_MS) {
    const document = (await openDocument('the dog chases the cat .')).document;
    assert.ok(await host.fill({ document, ranges: [new vscode.Range(0, 19, 0, 22)], caller: 'test' }));
    prefetching = registerPrefetch(host, { for: () => settings }, log, restMs);
    return (await host.getEngine())!;
  }

  test('a cursor resting in a gap: one request, whose answer the inline suggestion then shares', async () => {
    const engine = await loadedEngine();
    const before = engine.stats;
    const editor = await openDocument('the sky is |');
    await waitFor(() => engine.stats.completed > before.completed, { message: 'the prefetch to be answered', timeoutMs: 20_000 });
    assert.equal(engine.stats.posted, before.posted + 1);
    const blank = gapAt(editor.document, editor.selection.active)!;
    const result = await host.fillTarget(editor.document, blank, 'inline');
    assert.equal(result?.suggestions[0].word, 'blue');
    assert.equal(engine.stats.posted, before.posted + 1, 'the inline request was sent to the worker again');
  });

  test('a cursor that moves on before the rest is over: nothing is asked', async () => {
    const engine = await loadedEngine();
    const before = engine.stats.posted;
    const editor = await openDocument('the sky is | and the grass is green .');
    await setCursor(editor, 5); // on "sky": no mask, no hint, so nothing a surface would ask
    await sleep(REST_MS * 3);
    assert.equal(engine.stats.posted, before);
  });

  test('a mask token just closed is asked at once, without waiting for a rest', async () => {
    const engine = await loadedEngine(60_000);
    const editor = await openDocument('the sky is [MASK|');
    const before = engine.stats.posted;
    assert.ok(await editor.edit((edit) => edit.insert(editor.selection.active, ']')));
    await waitFor(() => engine.stats.posted > before, { message: 'the prefetch of the mask', timeoutMs: 10_000 });
    const mask = maskAt(editor.document, editor.selection.active)!;
    assert.equal((await host.fillTarget(editor.document, mask, 'inline'))?.suggestions[0].word, 'blue');
    assert.equal(engine.stats.posted, before + 1);
  });

  test('no model loaded yet: the prefetch does not load one', async () => {
    prefetching = registerPrefetch(host, { for: () => settings }, log, REST_MS);
    await openDocument('the sky is |');
    await sleep(REST_MS * 3);
    assert.equal(host.currentState.kind, 'idle');
  });

  test('the same request twice at once is sent once; when the first asker gives up, the second still gets its answer', async () => {
    const engine = await loadedEngine();
    const document = (await openDocument('the grass is [MASK] .', 'plaintext', '@')).document;
    const ranges = [new vscode.Range(0, 13, 0, 19)];
    const before = engine.stats.posted;
    const [a, b] = await Promise.all([host.fill({ document, ranges, caller: 'hover' }), host.fill({ document, ranges, caller: 'inline' })]);
    assert.equal(engine.stats.posted, before + 1);
    assert.deepEqual(a?.[0]?.suggestions, b?.[0]?.suggestions);
    assert.equal(a?.[0]?.suggestions[0].word, 'green');

    const other = (await openDocument('the sky is [MASK] .', 'plaintext', '@')).document;
    const mask = [new vscode.Range(0, 11, 0, 17)];
    const source = new vscode.CancellationTokenSource();
    const posted = engine.stats.posted;
    const completed = engine.stats.completed;
    const first = host.fill({ document: other, ranges: mask, caller: 'hover', token: source.token });
    const second = host.fill({ document: other, ranges: mask, caller: 'inline' });
    // Both are on their way within this turn of the event loop (microtasks only); the worker answers in a later one.
    for (let i = 0; i < 1000 && engine.stats.posted === posted; i++) await Promise.resolve();
    for (let i = 0; i < 100; i++) await Promise.resolve();
    assert.equal(engine.stats.posted, posted + 1, 'the second asker did not share the first request');
    assert.equal(engine.stats.completed, completed, 'the worker answered before the first asker gave up: nothing was tested');
    source.cancel();
    assert.equal(await first, undefined);
    assert.equal((await second)?.[0]?.suggestions[0].word, 'blue');
    assert.equal(engine.stats.posted, posted + 2, 'the second asker asked again once the first gave up');
  });
});
