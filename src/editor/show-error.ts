import * as vscode from 'vscode';
import { isCancellation } from '../engine/errors';

/** Logs `error` and shows it once, with a "Show Log" button; cancellations stay silent. */
export function showError(log: vscode.LogOutputChannel, what: string, error: unknown): void {
  if (isCancellation(error)) return;
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${what}: ${message}`);
  void vscode.window.showErrorMessage(`Cloze: ${what}: ${message}`, 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show();
  });
}
