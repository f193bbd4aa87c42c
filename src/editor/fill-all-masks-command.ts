import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import { isEnabledFor, type SettingsWatcher } from './settings-watcher';
import { showError } from './show-error';
import { masksInParagraph } from './targets';

export const FILL_ALL_MASKS_COMMAND = 'cloze.fillAllMasks';

/**
 * "Cloze: Fill All Masks": fills every `[MASK]` of the cursor's paragraph
 * jointly (most confident first, each seeing the words already chosen) and
 * writes them in one edit, so one Undo takes them all back.
 */
export function registerFillAllMasksCommand(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerTextEditorCommand(FILL_ALL_MASKS_COMMAND, async (editor) => {
    const { document } = editor;
    if (!isEnabledFor({ ...settings.current, enable: true }, document)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze is not enabled for {0} files (setting cloze.languages).', document.languageId));
      return;
    }
    const masks = masksInParagraph(document, editor.selection.active.line);
    if (masks.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: no [MASK] in this paragraph.'));
      return;
    }
    const version = document.version;
    try {
      const results = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Cloze: filling masks') },
        () => host.fill({ document, ranges: masks.map((m) => m.range), caller: 'command', options: { joint: true } }),
      );
      if (!results || document.version !== version) return;
      const fills = results.flatMap((r) => (r?.joint ? [{ range: r.range, word: r.joint.chosen.word }] : []));
      if (fills.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: no suggestions for these masks (Markdown code is skipped).'));
        return;
      }
      await editor.edit((edit) => {
        for (const { range, word } of fills) edit.replace(range, word);
      });
    } catch (error) {
      showError(log, vscode.l10n.t('Fill All Masks failed'), error);
    }
  });
}
