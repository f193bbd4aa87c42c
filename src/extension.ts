import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Cloze', { log: true });
  context.subscriptions.push(log);
  log.info('Cloze activated');
}

export function deactivate(): void {
  // Nothing to dispose yet.
}
