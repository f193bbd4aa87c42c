import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { openDocument, sleep, useTinyModelSuite, waitFor } from './helpers';

suite('Cloze beyond fill-mask', function () {
  this.timeout(60_000);
  const set = useTinyModelSuite({ 'cloze.hover': 'every word' });

  test('Fill All Masks fills the paragraph jointly in one undo step', async () => {
    const editor = await openDocument('red sweet [MASK] [MASK]| .\n\nthe sky is [MASK] .');
    await vscode.commands.executeCommand('cloze.fillAllMasks');
    // The words filter keeps whole words: `straw` first, then (with it in place) `straw` again;
    // the next paragraph's mask is left alone.
    await waitFor(() => !editor.document.getText().startsWith('red sweet [MASK]'), { message: 'the masks to be filled', timeoutMs: 20_000 });
    assert.equal(editor.document.getText(), 'red sweet straw straw .\n\nthe sky is [MASK] .');
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'red sweet [MASK] [MASK] .\n\nthe sky is [MASK] .');
  });

  test('hover on a word proposes words of several pieces too, unless cloze.wholeWords is off', async () => {
    const editor = await openDocument('red sweet ap|ple .');
    const hoverText = async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, editor.selection.active);
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };
    assert.match(await hoverText(), /strawberries/);
    await set('cloze.wholeWords', 'off');
    const plain = await hoverText();
    assert.match(plain, /straw/);
    assert.doesNotMatch(plain, /strawberries/);
  });

  test('Compare Words lists the word and its alternatives by probability; picking replaces', async () => {
    const editor = await openDocument('red sweet ap|ple .');
    const comparing = vscode.commands.executeCommand('cloze.compareWords', 'milk, strawberries');
    await sleep(1500);
    // Items are sorted by probability: strawberries (two pieces) above apple above milk.
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await comparing;
    await waitFor(() => editor.document.getText() === 'red sweet strawberries .', { message: 'the pick to apply', timeoutMs: 10_000 });
  });
});
