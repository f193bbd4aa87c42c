import * as vscode from 'vscode';
import type { EngineState } from '../engine';
import type { EngineHost } from './engine-host';
import type { SettingsWatcher } from './settings-watcher';
import * as path from 'node:path';

export const SHOW_MENU_COMMAND = 'cloze.showMenu';

/** The status bar item: the model's state; a click opens Cloze's quick menu. */
export function registerStatusBar(host: EngineHost, settings: SettingsWatcher): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('cloze.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Cloze';
  item.command = SHOW_MENU_COMMAND;
  const update = () => {
    const view = host.missingModel && settings.current.enable
      ? { text: '$(cloud-download) Cloze', tooltip: vscode.l10n.t('{0} (click for the menu)', host.missingModel) }
      : describe(host.currentState, settings.current.enable, modelInUse(settings));
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  update();
  item.show();
  return vscode.Disposable.from(item, host.onDidChangeState(update), settings.onDidChange(update));
}

/** The model the settings choose, as the user named it: the folder when `cloze.modelPath` is set. */
function modelInUse(settings: SettingsWatcher): string {
  const { modelPath, model } = settings.current;
  return modelPath ? vscode.l10n.t('{0} (setting cloze.modelPath)', modelPath) : vscode.l10n.t('{0} (setting cloze.model)', model);
}

function describe(state: EngineState, enabled: boolean, model: string): { text: string; tooltip: string; error?: boolean } {
  if (!enabled) return { text: '$(circle-slash) Cloze', tooltip: vscode.l10n.t('Cloze is disabled') };
  switch (state.kind) {
    case 'idle':
    case 'disposed':
      return { text: '$(sparkle) Cloze', tooltip: vscode.l10n.t('Cloze: the model loads on first use: {0}', model) };
    case 'loading':
      return { text: '$(sync~spin) Cloze', tooltip: vscode.l10n.t('Cloze: loading the model…') };
    case 'ready':
      return { text: '$(sparkle) Cloze', tooltip: vscode.l10n.t('Cloze: {0} ready (loaded in {1} ms): {2}', path.basename(state.info.dir), Math.round(state.info.loadMs), model) };
    case 'error':
      return { text: '$(error) Cloze', tooltip: vscode.l10n.t('Cloze: {0}', state.error.message), error: true };
  }
}

/** The quick menu behind the status bar item. */
export async function showMenu(settings: SettingsWatcher, host: EngineHost): Promise<void> {
  // The toggles flip the values for the document at hand (see toggle-setting.ts).
  const document = vscode.window.activeTextEditor?.document;
  const current = document ? settings.for(document) : settings.current;
  const enabled = current.enable;
  const items: (vscode.QuickPickItem & { command: string; args?: unknown[] })[] = [
    { label: `$(lightbulb) ${vscode.l10n.t('Suggest Word')}`, command: 'cloze.suggestWord' },
    { label: `$(graph) ${vscode.l10n.t('Explain Suggestions')}`, command: 'cloze.explainSuggestions' },
    {
      label: current.hints.enabled ? `$(eye-closed) ${vscode.l10n.t('Turn Unlikely-Word Hints Off')}` : `$(eye) ${vscode.l10n.t('Turn Unlikely-Word Hints On')}`,
      command: 'cloze.toggleHints',
    },
    {
      label: current.hover === 'off' ? `$(comment) ${vscode.l10n.t('Turn Hover On')}` : `$(comment-discussion) ${vscode.l10n.t('Turn Hover Off')}`,
      description: current.hover === 'off' ? undefined : vscode.l10n.t('now: {0}', current.hover),
      command: 'cloze.toggleHover',
    },
    ...(host.missingModel
      ? [
          { label: `$(cloud-download) ${vscode.l10n.t('Download Model')}`, command: 'cloze.downloadModel' },
          { label: `$(folder-opened) ${vscode.l10n.t('Choose Local Model Folder…')}`, command: 'cloze.chooseModelFolder' },
        ]
      : []),
    { label: `$(package) ${vscode.l10n.t('Select Model…')}`, command: 'cloze.selectModel' },
    { label: `$(output) ${vscode.l10n.t('Show Log')}`, command: 'cloze.showLog' },
    { label: enabled ? `$(circle-slash) ${vscode.l10n.t('Disable Cloze')}` : `$(check) ${vscode.l10n.t('Enable Cloze')}`, command: 'cloze.toggleEnable' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Cloze' });
  if (choice) await vscode.commands.executeCommand(choice.command, ...(choice.args ?? []));
}
