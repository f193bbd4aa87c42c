import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { USER_DATA_ENV } from '../suite-report';
import {
  activateExtension,
  closeAllEditors,
  EXTENSION_ID,
  getExtension,
  openDocument,
  readExtensionLog,
  restoreSetting,
  updateSetting,
  waitFor,
} from './helpers';

suite('Activation', () => {
  teardown(closeAllEditors);

  test('runs inside VS Code 1.100 with a Node extension host', () => {
    assert.match(vscode.version, /^1\.100\./);
    assert.equal(vscode.env.uiKind === vscode.UIKind.Web || vscode.env.uiKind === vscode.UIKind.Desktop, true);
    assert.equal(typeof process.versions.node, 'string');
  });

  test(`finds the extension ${EXTENSION_ID}`, () => {
    const ext = getExtension();
    assert.equal(ext.id, EXTENSION_ID);
    assert.equal((ext.packageJSON as { main?: string }).main, './dist/extension.js');
  });

  test('activates without throwing', async () => {
    const ext = await activateExtension();
    assert.equal(ext.isActive, true);
  });

  test('logs to the "Cloze" log channel', async function () {
    if (!process.env[USER_DATA_ENV]) this.skip();
    await activateExtension();
    const log = await waitFor(() => readExtensionLog('Cloze'), { message: 'the Cloze log file' });
    assert.match(log, /\[info\] Cloze activated/);
  });

  test('opens a document in the active editor', async () => {
    const editor = await openDocument('The capital of France is |.');
    assert.equal(vscode.window.activeTextEditor, editor);
    assert.equal(editor.document.getText(), 'The capital of France is .');
    assert.equal(editor.document.languageId, 'plaintext');
    assert.deepEqual(editor.selection.active, new vscode.Position(0, 25));
  });

  test('opens a document in a given language', async () => {
    const editor = await openDocument('# Title\n\nSome text', 'markdown');
    assert.equal(editor.document.languageId, 'markdown');
    assert.deepEqual(editor.selection.active, new vscode.Position(2, 9));
  });

  test('changes a setting and puts it back', async () => {
    const previous = await updateSetting('editor.fontSize', 17);
    try {
      assert.equal(vscode.workspace.getConfiguration('editor').get('fontSize'), 17);
    } finally {
      await restoreSetting('editor.fontSize', previous);
    }
    await waitFor(() => vscode.workspace.getConfiguration('editor').get('fontSize') !== 17, {
      message: 'editor.fontSize to be restored',
    });
  });
});
