import * as vscode from 'vscode';
import type { EngineState } from '../engine/engine';
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
  if (!enabled) return { text: '$(circle-slash) Cloze', tooltip: 'Cloze is disabled' };
  switch (state.kind) {
    case 'idle':
    case 'disposed':
      return { text: '$(sparkle) Cloze', tooltip: 'Cloze: the model loads on first use' };
    case 'loading':
      return { text: '$(sync~spin) Cloze', tooltip: 'Cloze: loading the model…' };
    case 'ready':
      return { text: '$(sparkle) Cloze', tooltip: `Cloze: ${path.basename(state.info.dir)} ready (loaded in ${Math.round(state.info.loadMs)} ms)` };
    case 'error':
      return { text: '$(error) Cloze', tooltip: `Cloze: ${state.error.message}`, error: true };
  }
}

/** The quick menu behind the status bar item. */
export async function showMenu(settings: SettingsWatcher): Promise<void> {
  const enabled = settings.current.enable;
  const items: (vscode.QuickPickItem & { command: string; args?: unknown[] })[] = [
    { label: '$(lightbulb) Suggest Word', command: 'cloze.suggestWord' },
    { label: '$(package) Select Model…', command: 'cloze.selectModel' },
    { label: '$(output) Show Log', command: 'cloze.showLog' },
    { label: enabled ? '$(circle-slash) Disable Cloze' : '$(check) Enable Cloze', command: 'cloze.toggleEnable' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Cloze' });
  if (choice) await vscode.commands.executeCommand(choice.command, ...(choice.args ?? []));
}
