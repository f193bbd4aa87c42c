import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hubFilesOf, type HubServer, startHubServer } from '../../helpers/hub-server';
import { activateExtension, closeAllEditors, openDocument, restoreSetting, tinyModelPath, updateSetting, waitFor } from './helpers';

/**
 * Model download inside VS Code, against a Hub look-alike on 127.0.0.1 that
 * serves the planted model as a Hub repository.
 */
suite('Models in the editor', function () {
  this.timeout(90_000);
  let hub: HubServer;
  let commit: string;
  const previous = new Map<string, unknown>();
  const set = async (key: string, value: unknown) => {
    const old = await updateSetting(key, value);
    if (!previous.has(key)) previous.set(key, old);
  };

  suiteSetup(async () => {
    hub = await startHubServer();
    commit = hub.addRepo('test-org/tiny-planted', hubFilesOf(tinyModelPath()));
    await activateExtension();
  });
  suiteTeardown(async () => {
    for (const [key, value] of previous) await restoreSetting(key, value);
    await hub.close();
  });
  teardown(closeAllEditors);

  test('"Cloze: Download Model" fetches a Hub model from the configured endpoint, verified, and suggestions use it', async () => {
    await set('cloze.modelPath', '');
    await set('cloze.hubEndpoint', hub.url);
    await set('cloze.model', `test-org/tiny-planted@${commit}`);
    await set('cloze.inline.debounceMs', 0);
    await vscode.commands.executeCommand('cloze.downloadModel');
    assert.ok(hub.requestsFor('onnx/model_quantized.onnx', 'GET').length > 0, 'the model file was fetched from the look-alike');

    const editor = await openDocument('the cat drinks [MASK]| .');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor(
      async () => {
        if (editor.document.getText() === 'the cat drinks milk .') return true;
        await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
        return false;
      },
      { timeoutMs: 20_000, intervalMs: 250, message: 'the downloaded model to fill the mask' },
    );

    // Downloaded once: a second download finds it in the cache and fetches nothing.
    const fetched = hub.requestsFor('onnx/model_quantized.onnx', 'GET').length;
    await vscode.commands.executeCommand('cloze.downloadModel');
    assert.equal(hub.requestsFor('onnx/model_quantized.onnx', 'GET').length, fetched);
  });

  test('without a model, the hover says so and offers the download, at once rather than "Loading…" forever', async () => {
    const notDownloaded = hub.addRepo('test-org/not-downloaded', hubFilesOf(tinyModelPath()));
    const fetched = hub.requestsFor('onnx/model_quantized.onnx', 'GET').length;
    await set('cloze.modelPath', '');
    await set('cloze.hubEndpoint', hub.url);
    await set('cloze.model', `test-org/not-downloaded@${notDownloaded}`);
    // A mask: its hover shows whatever cloze.hover says about other words.
    const editor = await openDocument('the cat drinks [MASK]| .');
    const hovers = await Promise.race([
      vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(0, 17)),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000)),
    ]);
    assert.ok(hovers, 'the hover was still waiting after 15 s');
    const text = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
    assert.match(text, /Cloze needs a model/);
    assert.match(text, /command:cloze\.downloadModel/);
    assert.match(text, /command:cloze\.chooseModelFolder/);
    assert.equal(hub.requestsFor('onnx/model_quantized.onnx', 'GET').length, fetched, 'nothing was downloaded unasked');
  });
});
