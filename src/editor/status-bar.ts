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
    const view = describe(host.currentState, settings.current.enable);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  update();
  item.show();
  return vscode.Disposable.from(item, host.onDidChangeState(update), settings.onDidChange(update));
}

function describe(state: EngineState, enabled: boolean): { text: string; tooltip: string; error?: boolean } {
  if (!enabled) return { text: '$(circle-slash) Cloze', tooltip: vscode.l10n.t('Cloze is disabled') };
  switch (state.kind) {
    case 'idle':
    case 'disposed':
      return { text: '$(sparkle) Cloze', tooltip: vscode.l10n.t('Cloze: the model loads on first use') };
    case 'loading':
      return { text: '$(sync~spin) Cloze', tooltip: vscode.l10n.t('Cloze: loading the model…') };
    case 'ready':
      return { text: '$(sparkle) Cloze', tooltip: vscode.l10n.t('Cloze: {0} ready (loaded in {1} ms)', path.basename(state.info.dir), Math.round(state.info.loadMs)) };
    case 'error':
      return { text: '$(error) Cloze', tooltip: vscode.l10n.t('Cloze: {0}', state.error.message), error: true };
  }
}

/** The quick menu behind the status bar item. */
export async function showMenu(settings: SettingsWatcher): Promise<void> {
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
      label: settings.current.hover === 'off' ? `$(comment) ${vscode.l10n.t('Turn Hover On')}` : `$(comment-discussion) ${vscode.l10n.t('Turn Hover Off')}`,
      description: settings.current.hover === 'off' ? undefined : vscode.l10n.t('now: {0}', settings.current.hover),
      command: 'cloze.toggleHover',
    },
    { label: `$(package) ${vscode.l10n.t('Select Model…')}`, command: 'cloze.selectModel' },
    { label: `$(output) ${vscode.l10n.t('Show Log')}`, command: 'cloze.showLog' },
    { label: enabled ? `$(circle-slash) ${vscode.l10n.t('Disable Cloze')}` : `$(check) ${vscode.l10n.t('Enable Cloze')}`, command: 'cloze.toggleEnable' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Cloze' });
  if (choice) await vscode.commands.executeCommand(choice.command, ...(choice.args ?? []));
}
