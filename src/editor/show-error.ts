import * as vscode from 'vscode';
import { isCancellation } from '../engine';

/** Logs `error` and shows it once, with a "Show Log" button; cancellations stay silent. */
export function showError(log: vscode.LogOutputChannel, what: string, error: unknown): void {
  if (isCancellation(error)) return;
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${what}: ${message}`);
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(vscode.l10n.t('Cloze: {0}: {1}', what, message), showLog).then((choice) => {
    if (choice === showLog) log.show();
  });
}
