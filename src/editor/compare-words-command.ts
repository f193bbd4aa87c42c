import * as vscode from 'vscode';
import type { TargetScore } from '../engine';
import type { EngineHost } from './engine-host';
import { bar, percent } from './format';
import { isEnabledFor, type SettingsWatcher } from './settings-watcher';
import { showError } from './show-error';
import { targetForSelection } from './targets';

export const COMPARE_WORDS_COMMAND = 'cloze.compareWords';

interface Pick extends vscode.QuickPickItem {
  word: string;
}

/**
 * "Cloze: Compare Words": for the selected word (or the word or mask at the
 * cursor) asks for alternatives, comma-separated, and shows how probable each
 * one, and the word itself, is in this sentence; picking one replaces the word.
 * Words the vocabulary splits into pieces are scored whole (chain rule; the
 * score is the geometric mean per piece). The alternatives may also be passed
 * as the command's argument (a string), for key bindings.
 */
export function registerCompareWordsCommand(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerTextEditorCommand(COMPARE_WORDS_COMMAND, async (editor, _edit, given?: unknown) => {
    const { document } = editor;
    if (!isEnabledFor({ ...settings.current, enable: true }, document)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze is not enabled for {0} files (setting cloze.languages).', document.languageId));
      return;
    }
    const target = targetForSelection(document, editor.selection);
    if (!target) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: put the cursor on a word or a [MASK], or select a word.'));
      return;
    }
    const typed = typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
        title: vscode.l10n.t('Cloze: Compare Words'),
        prompt: target.isMaskToken ? vscode.l10n.t('Words to compare for the mask, separated by commas') : vscode.l10n.t('Alternatives to “{0}”, separated by commas', target.text),
        placeHolder: vscode.l10n.t('big, large, huge'),
      });
    if (typed === undefined) return;
    const words = [...new Set([...(target.isMaskToken ? [] : [target.text]), ...typed.split(',').map((w) => w.trim()).filter((w) => w.length > 0)])];
    if (words.length < (target.isMaskToken ? 1 : 2)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: no words to compare.'));
      return;
    }
    const version = document.version;
    let scores: TargetScore[] | undefined;
    try {
      const results = await host.fill({ document, ranges: [target.range], caller: 'command', options: { targets: words } });
      scores = results?.[0]?.targets;
    } catch (error) {
      showError(log, vscode.l10n.t('Compare Words failed'), error);
      return;
    }
    if (!scores || document.version !== version) return;
    const items: Pick[] = [...scores]
      .sort((a, b) => b.score - a.score)
      .map((t) => ({
        label: t.word,
        description: `${bar(t.score)} ${percent(t.score)}${t.pieces > 1 ? ` · ${vscode.l10n.t('{0} pieces', t.pieces)}` : ''}${!target.isMaskToken && t.word === target.text ? ` · ${vscode.l10n.t('current')}` : ''}`,
        word: t.word,
      }));
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Cloze: probability in this sentence'), placeHolder: vscode.l10n.t('Pick a word to put in its place') });
    if (!picked || picked.word === target.text || document.version !== version) return;
    await editor.edit((edit) => edit.replace(target.range, picked.word));
  });
}
