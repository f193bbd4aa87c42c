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

  /** The window's settings: what chooses the model (model, model path, threads, endpoint). */
  get current(): ClozeSettings {
    return this.settings;
  }

  /**
   * The settings for `document`: its folder's values and its language's
   * overrides (`"[markdown]": { "cloze.hover.enabled": false }`) applied.
   */
  for(document: vscode.TextDocument): ClozeSettings {
    return readSettings(vscode.workspace.getConfiguration('cloze', document));
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

/** The length of `document` in characters, without copying its text. */
export function documentLength(document: vscode.TextDocument): number {
  return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
}

/**
 * Whether `document` is longer than `cloze.maxFileSize`: then Cloze offers
 * nothing unasked (inline, hover), and says so in the log once per document.
 */
export function isTooLarge(settings: ClozeSettings, document: vscode.TextDocument, log: vscode.LogOutputChannel): boolean {
  const length = documentLength(document);
  if (length <= settings.maxFileSize) return false;
  if (!toldTooLarge.has(document)) {
    toldTooLarge.add(document);
    log.info(`${document.uri.toString(true)} has ${length} characters, more than cloze.maxFileSize (${settings.maxFileSize}): no inline or hover suggestions there; Cloze: Suggest Word still works`);
  }
  return true;
}

const toldTooLarge = new WeakSet<vscode.TextDocument>();

/**
 * Moves a value of the old `cloze.hover.enabled` to `cloze.hover` (false →
 * `off`; true is the new default and needs no value), in each place it was
 * set, and removes the old key. The reader understands the old key too, so
 * a failed write changes nothing the user sees.
 */
export async function migrateSettings(log: vscode.LogOutputChannel): Promise<void> {
  const config = vscode.workspace.getConfiguration('cloze');
  const old = config.inspect<unknown>('hover.enabled');
  if (!old) return;
  const places: [unknown, vscode.ConfigurationTarget][] = [
    [old.globalValue, vscode.ConfigurationTarget.Global],
    [old.workspaceValue, vscode.ConfigurationTarget.Workspace],
    [old.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
  ];
  for (const [value, target] of places) {
    if (value === undefined) continue;
    try {
      if (value === false) await config.update('hover', 'off', target);
      await config.update('hover.enabled', undefined, target);
      log.info(`Moved cloze.hover.enabled (${String(value)}) to cloze.hover`);
    } catch (error) {
      log.warn(`Could not move cloze.hover.enabled to cloze.hover: ${(error as Error).message}`);
    }
  }
}
