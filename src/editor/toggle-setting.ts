import * as vscode from 'vscode';
import { type ClozeSettings, whereValueLives } from './settings';
import type { SettingsWatcher } from './settings-watcher';

/** The settings a command flips. None of them chooses what is loaded or contacted. */
export type ToggleKey = 'enable' | 'hints.enabled' | 'hover';

/**
 * Sets `key` to `next(current settings)` for the active document, where its
 * effective value lives (see `whereValueLives`): a `[markdown]` override or a
 * workspace value is changed in place rather than shadowed by a new user value.
 */
export async function toggleSetting(key: ToggleKey, settings: SettingsWatcher, next: (current: ClozeSettings) => unknown): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  const config = vscode.workspace.getConfiguration('cloze', document);
  const value = next(document ? settings.for(document) : settings.current);
  // inspect() is safe here: these keys are not restricted in untrusted workspaces.
  const where = whereValueLives(config.inspect(key));
  const target = {
    global: vscode.ConfigurationTarget.Global,
    workspace: vscode.ConfigurationTarget.Workspace,
    workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
  }[where.target];
  await config.update(key, value, target, where.overrideInLanguage);
}
