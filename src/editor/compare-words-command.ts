import * as vscode from 'vscode';
import type { TargetScore } from '../engine/types';
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
      void vscode.window.showInformationMessage(`Cloze is not enabled for ${document.languageId} files (setting cloze.languages).`);
      return;
    }
    const target = targetForSelection(document, editor.selection);
    if (!target) {
      void vscode.window.showInformationMessage('Cloze: put the cursor on a word or a [MASK], or select a word.');
      return;
    }
    const typed = typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
        title: 'Cloze: Compare Words',
        prompt: target.isMaskToken ? 'Words to compare for the mask, separated by commas' : `Alternatives to “${target.text}”, separated by commas`,
        placeHolder: 'big, large, huge',
      });
    if (typed === undefined) return;
    const words = [...new Set([...(target.isMaskToken ? [] : [target.text]), ...typed.split(',').map((w) => w.trim()).filter((w) => w.length > 0)])];
    if (words.length < (target.isMaskToken ? 1 : 2)) {
      void vscode.window.showInformationMessage('Cloze: no words to compare.');
      return;
    }
    const version = document.version;
    let scores: TargetScore[] | undefined;
    try {
      const results = await host.fill({ document, ranges: [target.range], caller: 'command', options: { targets: words } });
      scores = results?.[0]?.targets;
    } catch (error) {
      showError(log, 'Compare Words failed', error);
      return;
    }
    if (!scores || document.version !== version) return;
    const items: Pick[] = [...scores]
      .sort((a, b) => b.score - a.score)
      .map((t) => ({
        label: t.word,
        description: `${bar(t.score)} ${percent(t.score)}${t.pieces > 1 ? ` · ${t.pieces} pieces` : ''}${!target.isMaskToken && t.word === target.text ? ' · current' : ''}`,
        word: t.word,
      }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Cloze: probability in this sentence', placeHolder: 'Pick a word to put in its place' });
    if (!picked || picked.word === target.text || document.version !== version) return;
    await editor.edit((edit) => edit.replace(target.range, picked.word));
  });
}
