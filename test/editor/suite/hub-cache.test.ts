import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { layOutHubCache } from '../../helpers/hf-cache';
import { activateExtension, closeAllEditors, getExtension, hoverText, openDocument, restoreSetting, tinyModelPath, updateSetting, waitFor } from './helpers';

interface CatalogueFile {
  path: string;
  name: string;
  size?: number;
}

suite('Cloze with a model another tool put in the Hugging Face cache', function () {
  this.timeout(90_000);
  const previous = new Map<string, unknown>();
  let cacheDir = '';

  suiteSetup(async () => {
    await activateExtension();
    // The catalogue's default model, laid out as huggingface_hub lays it out, with the tiny
    // planted model's files in its place (small files padded to the sizes the catalogue checks).
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-suite-hf-'));
    const catalogue = JSON.parse(fs.readFileSync(path.join(getExtension().extensionPath, 'models/catalogue.json'), 'utf8'));
    const entry = catalogue.models.find((m: { id: string }) => m.id === catalogue.default);
    const files: Record<string, Buffer> = {};
    for (const file of entry.files as CatalogueFile[]) {
      const data = fs.readFileSync(path.join(tinyModelPath(), file.name));
      files[file.path] = file.size === undefined ? data : Buffer.concat([data, Buffer.alloc(file.size - data.length, 0x20)]);
    }
    layOutHubCache(path.join(cacheDir, 'hub'), entry.repo, files, { commit: entry.revision });
    // Offline, and a Hub endpoint nothing listens on: any attempt to reach the network fails the test.
    for (const [key, value] of Object.entries({ 'cloze.cacheDir': cacheDir, 'cloze.offline': true, 'cloze.hubEndpoint': 'http://127.0.0.1:9', 'cloze.modelPath': '', 'cloze.model': catalogue.default, 'cloze.hover': 'masks and hints' })) {
      previous.set(key, await updateSetting(key, value));
    }
  });

  teardown(closeAllEditors);

  suiteTeardown(async () => {
    for (const [key, value] of previous) await restoreSetting(key, value);
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  test('the default model found in the cache serves suggestions with no network, and the cache is left as it was', async () => {
    const before = fs.readdirSync(path.join(cacheDir, 'hub'), { recursive: true }).sort();
    const editor = await openDocument('the cat drinks [MASK] .');
    const hover = await waitFor(async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(0, 17));
      const text = hoverText(hovers);
      return /milk/.test(text) ? text : undefined;
    }, { timeoutMs: 60_000, message: 'a hover with the planted answer' });
    assert.match(hover, /milk/);
    assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'hub'), { recursive: true }).sort(), before, 'nothing added to or removed from the other tool\'s cache');
  });
});
