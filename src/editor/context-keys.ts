import * as vscode from 'vscode';
import { isEnabledFor, type SettingsWatcher } from './settings-watcher';

/**
 * True while the active editor is one Cloze works in (`cloze.enable` and
 * `cloze.languages` for its document, `[language]` overrides applied): the
 * `when` of Cloze's keys and context menu items, so that they stay out of
 * the way everywhere else.
 */
export const EDITOR_ENABLED_CONTEXT = 'cloze.editorEnabled';

/** Keeps {@link EDITOR_ENABLED_CONTEXT} up to date. */
export function registerContextKeys(settings: SettingsWatcher): vscode.Disposable {
  let last: boolean | undefined;
  const update = () => {
    const document = vscode.window.activeTextEditor?.document;
    const enabled = document !== undefined && isEnabledFor(settings.for(document), document);
    if (enabled === last) return;
    last = enabled;
    void vscode.commands.executeCommand('setContext', EDITOR_ENABLED_CONTEXT, enabled);
  };
  update();
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(update),
    // A language change closes the document and opens it again with the new id.
    vscode.workspace.onDidOpenTextDocument(update),
    settings.onDidChange(update),
  );
}
