import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import type { ModelManager } from './model-commands';

/** globalState key: the user answered the download question with "Don't Ask Again". */
export const DONT_ASK_KEY = 'cloze.downloadQuestion.dontAsk';
/** True once a model has loaded: completes the walkthrough's first step. */
export const MODEL_READY_CONTEXT = 'cloze.modelReady';
export const OPEN_PRACTICE_COMMAND = 'cloze.openPractice';

/**
 * The first run: the download question once per start of VS Code (never
 * from a keystroke: requests only report that there is no model), the
 * walkthrough's context key and its practice page.
 */
export function registerFirstRun(context: vscode.ExtensionContext, models: ModelManager, host: EngineHost, log: vscode.LogOutputChannel): vscode.Disposable {
  const setReady = () => void vscode.commands.executeCommand('setContext', MODEL_READY_CONTEXT, host.currentState.kind === 'ready');
  setReady();
  void askToDownload(context, models, log);
  return vscode.Disposable.from(
    host.onDidChangeState(setReady),
    vscode.commands.registerCommand(OPEN_PRACTICE_COMMAND, async () => {
      const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: practicePage() });
      const editor = await vscode.window.showTextDocument(document);
      // After the first blank, where the ghost text appears.
      const end = document.positionAt(document.getText().indexOf('[MASK]') + '[MASK]'.length);
      editor.selection = new vscode.Selection(end, end);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }),
  );
}

/**
 * Asks once per start whether to download the model, unless one is there, a
 * local folder is set, or the user said "Don't Ask Again" (the walkthrough
 * and the status bar menu still offer the download). "Not Now", or closing
 * the question, asks again when VS Code next starts.
 */
async function askToDownload(context: vscode.ExtensionContext, models: ModelManager, log: vscode.LogOutputChannel): Promise<void> {
  if (context.globalState.get<boolean>(DONT_ASK_KEY)) return;
  let missing: Awaited<ReturnType<ModelManager['missingDownload']>>;
  try {
    missing = await models.missingDownload();
  } catch (error) {
    log.info(`Not asking to download the model: ${(error as Error).message}`);
    return;
  }
  if (!missing) return;
  const download = vscode.l10n.t('Download');
  const choose = vscode.l10n.t('Choose Local Model Folder');
  const notNow = vscode.l10n.t('Not Now');
  const never = vscode.l10n.t("Don't Ask Again");
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Cloze suggests words with {0}, a model that runs on this machine. Download it now ({1}, once; then it works offline)?', missing.name, missing.size),
    download,
    choose,
    notNow,
    never,
  );
  if (choice === download) await vscode.commands.executeCommand('cloze.downloadModel', missing.spec);
  else if (choice === choose) await vscode.commands.executeCommand('cloze.chooseModelFolder');
  else if (choice === never) await context.globalState.update(DONT_ASK_KEY, true);
}

/** The walkthrough's practice page: a gap, blanks to fill and words to replace. */
function practicePage(): string {
  return [
    '# Practice with Cloze',
    '',
    'The cat drinks [MASK].',
    '',
    'Paris is the capital of [MASK].',
    '',
    'Put the cursor at the end of the next line and press Alt+\\ (Ctrl+\\ on a Mac) for the word that goes there:',
    '',
    'The weather today is ',
    '',
    'Put the cursor on a word of this sentence and press Alt+\\ for alternatives to it.',
    '',
    'Write your own sentence on the empty line below, and press Alt+\\ where a word should go:',
    '',
    '',
    '',
  ].join('\n');
}
