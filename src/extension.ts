import * as vscode from 'vscode';
import { registerContextKeys } from './editor/context-keys';
import { registerCompareWordsCommand } from './editor/compare-words-command';
import { EngineHost } from './editor/engine-host';
import { registerExplainSuggestionsCommand } from './editor/explain-suggestions-command';
import { registerFirstRun } from './editor/first-run';
import { registerFillAllMasksCommand } from './editor/fill-all-masks-command';
import { registerHints } from './editor/hints';
import { registerHover } from './editor/hover';
import { BlankRequest, registerInlineCompletions } from './editor/inline-completions';
import { ModelManager, registerModelCommands } from './editor/model-commands';
import { registerPrefetch } from './editor/prefetch';
import { registerReplaceRange } from './editor/replace-range';
import { migrateSettings, SettingsWatcher } from './editor/settings-watcher';
import { cacheDirs, graphCacheDir } from './models/cache-dirs';
import { registerStatusBar, SHOW_MENU_COMMAND, showMenu } from './editor/status-bar';
import { registerSuggestAtCursor } from './editor/suggest-at-cursor';
import { registerSuggestWordCommand } from './editor/suggest-word-command';
import { toggleSetting } from './editor/toggle-setting';

// onnxruntime reads this when first loaded (in the engine's worker, which inherits it).
process.env.ORT_DISABLE_TELEMETRY = '1';

let host: EngineHost | undefined;

/** Wiring only: the model loads on first need, not here. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Cloze', { log: true });
  const settings = new SettingsWatcher();
  const models = new ModelManager(context, log, settings);
  // Rewritten graphs beside the models' folders of links, in Cloze's one cache folder (shared with the command line).
  const graphs = graphCacheDir(cacheDirs({ override: settings.current.cacheDir }).cloze);
  host = new EngineHost(log, (document) => (document ? settings.for(document) : settings.current), (s) => models.resolve(s), graphs);
  const engineHost = host;
  const blanks = new BlankRequest();
  context.subscriptions.push(
    log,
    settings,
    engineHost,
    settings.onDidChange(() => engineHost.onSettingsChanged()),
    registerContextKeys(settings),
    registerStatusBar(engineHost, settings),
    registerInlineCompletions(engineHost, settings, log, blanks),
    registerSuggestAtCursor(engineHost, settings, log, blanks),
    registerHover(engineHost, settings, log),
    registerPrefetch(engineHost, settings, log),
    registerSuggestWordCommand(engineHost, settings, log),
    registerFillAllMasksCommand(engineHost, settings, log),
    registerCompareWordsCommand(engineHost, settings, log),
    registerHints(engineHost, settings, log),
    registerExplainSuggestionsCommand(engineHost, settings, log),
    registerReplaceRange(),
    registerModelCommands(models, engineHost, log),
    registerFirstRun(context, models, engineHost, log),
    vscode.commands.registerCommand(SHOW_MENU_COMMAND, () => showMenu(settings, engineHost)),
    vscode.commands.registerCommand('cloze.showLog', () => log.show()),
    vscode.commands.registerCommand('cloze.toggleHints', () => toggleSetting('hints.enabled', settings, (s) => !s.hints.enabled)),
    vscode.commands.registerCommand('cloze.toggleHover', () => toggleSetting('hover', settings, (s) => (s.hover === 'off' ? 'masks and hints' : 'off'))),
    vscode.commands.registerCommand('cloze.toggleEnable', () => toggleSetting('enable', settings, (s) => !s.enable)),
  );
  void migrateSettings(log);
  log.info(`Cloze activated (VS Code ${vscode.version})`);
}

/** Ends the engine's worker. */
export function deactivate(): Promise<void> | undefined {
  const ending = host?.disposeAsync();
  host = undefined;
  return ending;
}
