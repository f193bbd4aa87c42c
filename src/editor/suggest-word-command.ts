import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import { bar, percent } from './format';
import { masksAround, type Target, targetForSelection, textFor } from './targets';
import { isEnabledFor, type SettingsWatcher } from './settings-watcher';
import { showNoModel } from './no-model';
import { showError } from './show-error';

export const SUGGEST_WORD_COMMAND = 'cloze.suggestWord';

interface Pick extends vscode.QuickPickItem {
  word: string;
}

/**
 * "Cloze: Suggest Word": for the selection, the word under the cursor, a gap
 * between words (a blank) or the nearest mask token, a QuickPick of BERT's
 * candidates with probabilities; picking replaces exactly that range (one
 * undo step). While the list is open, the word it replaces is selected, so
 * that the pick reads as a replacement. With several cursors, one pick each.
 */
export function registerSuggestWordCommand(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerTextEditorCommand(SUGGEST_WORD_COMMAND, (editor) => suggestWord(editor, host, settings, log));
}

/** What Suggest Word does in `editor` (Alt+\ on a word does the same; see `suggest-at-cursor.ts`). */
export async function suggestWord(editor: vscode.TextEditor, host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): Promise<void> {
  if (!isEnabledFor({ ...settings.for(editor.document), enable: true }, editor.document)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Cloze is not enabled for {0} files (setting cloze.languages).', editor.document.languageId));
    return;
  }
  const targets = editor.selections.map((s) => targetForSelection(editor.document, s));
  if (targets.every((t) => t === undefined)) {
    const spansLines = editor.selections.some((s) => !s.isEmpty && !s.isSingleLine);
    void vscode.window.showInformationMessage(
      spansLines
        ? vscode.l10n.t('Cloze: the selection spans several lines; select a word or a few words on one line.')
        : vscode.l10n.t('Cloze: put the cursor on a word, a [MASK] or a gap between words, or select a word.'),
    );
    return;
  }
  const before = editor.selections;
  // Show what a pick replaces: the word (or mask) is selected while the list is open.
  const replaced = targets.map((t, i) => (t && !t.blank ? new vscode.Selection(t.range.start, t.range.end) : before[i]));
  editor.selections = replaced;
  const chosen: { target: Target; word: string }[] = [];
  for (const [i, target] of targets.entries()) {
    if (!target) continue;
    const title = targets.length > 1 ? vscode.l10n.t('Cloze ({0} of {1})', i + 1, targets.length) : 'Cloze';
    const word = await pickFor(editor.document, target, title, host, log);
    if (word === undefined) {
      // Escape: change nothing at all, the cursors included.
      if (editor.selections.every((s, k) => replaced[k]?.isEqual(s))) editor.selections = before;
      return;
    }
    chosen.push({ target, word });
  }
  const done = await editor.edit((edit) => {
    for (const { target, word } of chosen) edit.replace(target.range, textFor(target, word));
  });
  if (done && chosen.length === 1) {
    const { target, word } = chosen[0];
    const end = editor.document.positionAt(editor.document.offsetAt(target.range.start) + textFor(target, word).length);
    editor.selection = new vscode.Selection(end, end);
  }
}

async function pickFor(document: vscode.TextDocument, target: Target, title: string, host: EngineHost, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<Pick>();
  quickPick.title = title;
  quickPick.placeholder = target.blank ? vscode.l10n.t('Word for the blank') : target.isMaskToken ? vscode.l10n.t('Word for the mask') : vscode.l10n.t('Replace “{0}” with…', target.text);
  quickPick.matchOnDescription = false;
  quickPick.busy = true;
  quickPick.show();
  const cancel = new vscode.CancellationTokenSource();
  try {
    const masks = masksAround(document, target);
    const index = masks.findIndex((m) => m.range.isEqual(target.range));
    const resultPromise = host.fill({ document, ranges: masks.map((m) => m.range), primary: index, caller: 'command', token: cancel.token });
    const hidden = new Promise<undefined>((resolve) => quickPick.onDidHide(() => resolve(undefined)));
    const results = await Promise.race([resultPromise, hidden]);
    if (!results) {
      // No model: say so, with what to do, rather than leave the list busy.
      if (host.missingModel && !cancel.token.isCancellationRequested) {
        quickPick.hide();
        void showNoModel(host.missingModel);
      }
      return undefined;
    }
    const result = results[index];
    if (!result) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: no suggestions here (Markdown code is skipped).'));
      return undefined;
    }
    if (result.original) quickPick.placeholder = vscode.l10n.t('Replace “{0}” with… (itself {1})', target.text, percent(result.original.score));
    quickPick.items = result.suggestions.map((s) => ({ label: s.word, description: `${bar(s.score)} ${percent(s.score)}`, word: s.word }));
    quickPick.busy = false;
    return await new Promise<string | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.word));
      quickPick.onDidHide(() => resolve(undefined));
    });
  } catch (error) {
    showError(log, vscode.l10n.t('Suggest Word failed'), error);
    return undefined;
  } finally {
    cancel.cancel();
    cancel.dispose();
    quickPick.dispose();
  }
}
