import * as vscode from 'vscode';
import { type ClozeSettings, readSettings } from './settings';

/** Keeps the current settings and tells listeners when they change; changes apply without reload. */
export class SettingsWatcher implements vscode.Disposable {
  private settings = readSettings(vscode.workspace.getConfiguration('cloze'));
  private readonly emitter = new vscode.EventEmitter<ClozeSettings>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((event) => {
    if (!event.affectsConfiguration('cloze')) return;
    this.settings = readSettings(vscode.workspace.getConfiguration('cloze'));
    this.emitter.fire(this.settings);
  });

  get current(): ClozeSettings {
    return this.settings;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** Whether Cloze works in `document` with `settings`. */
export function isEnabledFor(settings: ClozeSettings, document: vscode.TextDocument): boolean {
  return settings.enable && settings.languages.includes(document.languageId);
}
