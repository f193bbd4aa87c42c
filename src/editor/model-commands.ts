import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import type { ClozeSettings } from './settings';

/** Asks once per session, not on every keystroke, when no model is available. */
let askedForModel = false;

/**
 * The model folder for `settings`: `cloze.modelPath` when set (fully offline).
 * Without one, tells the user once how to get a model and returns undefined.
 */
export async function resolveModel(
  _context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  settings: ClozeSettings,
  _token?: vscode.CancellationToken,
): Promise<string | undefined> {
  if (settings.modelPath) {
    if (existsSync(settings.modelPath)) return settings.modelPath;
    log.error(`cloze.modelPath does not exist: ${settings.modelPath}`);
    offerModelChoice(`Cloze: the model folder ${settings.modelPath} does not exist.`);
    return undefined;
  }
  offerModelChoice('Cloze needs a BERT model to suggest words.');
  return undefined;
}

function offerModelChoice(message: string): void {
  if (askedForModel) return;
  askedForModel = true;
  void vscode.window.showInformationMessage(message, 'Choose Model Folder…').then((choice) => {
    if (choice) void vscode.commands.executeCommand('cloze.selectModel');
  });
}

/** "Cloze: Select Model": browse for a local model folder. */
export function registerModelCommands(_context: vscode.ExtensionContext, host: EngineHost, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand('cloze.selectModel', async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model folder' });
    if (!picked?.[0]) return;
    const dir = picked[0].fsPath;
    await vscode.workspace.getConfiguration('cloze').update('modelPath', dir, vscode.ConfigurationTarget.Global);
    askedForModel = false;
    log.info(`Model folder set to ${dir}`);
    host.reset();
  });
}
