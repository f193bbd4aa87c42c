import * as vscode from 'vscode';

/**
 * There is no model to run yet: none downloaded, or the configured folder is
 * missing. The message says what to do, in the editor's words (a command or
 * a setting). Requests never ask the user anything: the surfaces that can
 * speak (the hover, Suggest Word, the status bar) say it; ghost text stays quiet.
 */
export class NoModelError extends Error {
  override readonly name = 'NoModelError';
}

/** The commands that get a model: a download, or a folder already on this machine. */
export const GET_MODEL_COMMANDS = ['cloze.downloadModel', 'cloze.chooseModelFolder'] as const;

/** Markdown links to {@link GET_MODEL_COMMANDS}, for a hover trusted to run them. */
export function getModelLinks(): string {
  return `[${vscode.l10n.t('Download Model')}](command:cloze.downloadModel) · [${vscode.l10n.t('Choose Local Model Folder')}](command:cloze.chooseModelFolder)`;
}

/** Tells the user there is no model, with buttons that get one (for commands, where a message is expected). */
export async function showNoModel(message: string): Promise<void> {
  const download = vscode.l10n.t('Download Model');
  const choose = vscode.l10n.t('Choose Local Model Folder');
  const choice = await vscode.window.showInformationMessage(message, download, choose);
  if (choice === download) await vscode.commands.executeCommand('cloze.downloadModel');
  if (choice === choose) await vscode.commands.executeCommand('cloze.chooseModelFolder');
}
