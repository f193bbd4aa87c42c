import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { cacheDirs, isOfflineEnv } from '../models/cache-dirs';
import { isDownloadError } from '../models/download-error';
import type { Remedies } from '../models/hub-http';
import { readHubToken } from '../models/hub-token';
import { ModelStore, type ResolvedModel } from '../models/model-store';
import type { EngineHost } from './engine-host';
import { formatBytes } from '../text/format-bytes';
import type { ClozeSettings } from './settings';
import type { SettingsWatcher } from './settings-watcher';
import { downloadAdvice } from './download-advice';
import { NoModelError } from './no-model';

/** The key of the Hugging Face token in VS Code's SecretStorage. */
const TOKEN_SECRET = 'cloze.hubToken';

/** How download messages name remedies in the editor: settings and commands, never command-line flags. */
export const EDITOR_REMEDIES: Remedies = {
  localModel: 'the setting `cloze.modelPath`',
  token: 'the command "Cloze: Set Hugging Face Token"',
  endpoint: 'the setting `cloze.hubEndpoint`',
  cacheDir: 'the setting `cloze.cacheDir`',
  again: 'Run "Cloze: Download Model" again',
  download: 'the command "Cloze: Download Model"',
  offline: 'turn off the setting `cloze.offline` (and unset HF_HUB_OFFLINE)',
};

/**
 * Where models come from inside VS Code: `cloze.modelPath` (a local folder,
 * no network), else `cloze.model` from the Hugging Face cache shared with
 * the command line and Python (or `cloze.cacheDir`), downloaded from the Hub
 * once the user agrees. Downloads use Node's `https` module, so VS Code's
 * proxy support (`http.proxy`) applies.
 */
export class ModelManager {
  private pending: { key: string; dir: Promise<string> } | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    readonly settings: SettingsWatcher,
  ) {}

  /**
   * The token: set with "Cloze: Set Hugging Face Token" (SecretStorage), else
   * `HF_TOKEN`, else the file `hf auth login` writes. Never logged.
   */
  async token(): Promise<string | undefined> {
    const stored = await this.context.secrets.get(TOKEN_SECRET);
    return stored || readHubToken()?.token;
  }

  /** A store for the current settings (endpoint, cache, offline and token may change). */
  async store(settings: ClozeSettings = this.settings.current): Promise<ModelStore> {
    const dirs = cacheDirs({ override: settings.cacheDir });
    return new ModelStore({
      cacheDir: dirs.cloze,
      hubCacheDir: dirs.hub,
      // Where earlier versions kept models: moved into the Hub cache on first use.
      legacyCacheDirs: [path.join(this.context.globalStorageUri.fsPath, 'models')],
      packageRoot: this.context.extensionPath,
      endpoint: settings.hubEndpoint || process.env.HF_ENDPOINT || undefined,
      offline: settings.offline || isOfflineEnv(),
      token: await this.token(),
      remedies: EDITOR_REMEDIES,
      logger: this.log,
      userAgent: `cloze-vscode/${this.context.extension.packageJSON.version}`,
    });
  }

  /**
   * The model folder for `settings`.
   * @throws {NoModelError} when there is none yet.
   */
  resolve(settings: ClozeSettings): Promise<string> {
    // Concurrent requests share one resolution, but
    // only for the same model: after a settings change, a new one starts.
    const key = JSON.stringify([settings.model, settings.modelPath, settings.hubEndpoint, settings.cacheDir, settings.offline]);
    if (this.pending?.key === key) return this.pending.dir;
    const pending = {
      key,
      dir: this.resolveOnce(settings).finally(() => {
        if (this.pending === pending) this.pending = undefined;
      }),
    };
    this.pending = pending;
    return pending.dir;
  }

  /** Stores (or, with undefined, deletes) the token in VS Code's SecretStorage. */
  async setToken(token: string | undefined): Promise<void> {
    if (token === undefined) await this.context.secrets.delete(TOKEN_SECRET);
    else await this.context.secrets.store(TOKEN_SECRET, token);
    this.log.info(token === undefined ? 'Hugging Face token removed' : 'Hugging Face token set');
  }

  /** After the user chose a model: the next request resolves afresh. */
  reset(): void {
    this.pending = undefined;
  }

  /**
   * The model folder, without asking anything: a request must never wait on
   * a question (the hover would say "Loading…" until it was answered).
   * @throws {NoModelError} when there is none yet, saying what to do.
   */
  private async resolveOnce(settings: ClozeSettings): Promise<string> {
    if (settings.modelPath) {
      if (existsSync(settings.modelPath)) return settings.modelPath;
      this.log.error(`cloze.modelPath does not exist: ${settings.modelPath}`);
      throw new NoModelError(vscode.l10n.t('Cloze: the model folder {0} (setting cloze.modelPath) does not exist. Choose Local Model Folder to pick another.', settings.modelPath));
    }
    let model: ResolvedModel;
    try {
      model = await (await this.store(settings)).resolve(settings.model);
    } catch (error) {
      this.log.error(`Cannot resolve model ${settings.model}: ${(error as Error).message}`);
      throw new NoModelError(vscode.l10n.t('Cloze: cannot find the model “{0}” (setting cloze.model). Select Model or Choose Local Model Folder.', settings.model), { cause: error });
    }
    if (model.cached) return model.dir;
    if (settings.offline || isOfflineEnv()) {
      // Offline: the store's own error says what to download, in the editor's words.
      try {
        await (await this.store(settings)).ensure(settings.model);
      } catch (error) {
        this.log.error((error as Error).message);
        throw new NoModelError(vscode.l10n.t('Cloze: {0}', (error as Error).message), { cause: error });
      }
    }
    throw new NoModelError(
      vscode.l10n.t('Cloze needs a model: download {0} ({1}, once; then it works offline), or choose a model folder you already have.', model.entry?.displayName ?? model.id, approxSize(model)),
    );
  }

  /**
   * What to download when the user agrees, and its size, or undefined when
   * the model in the settings is there already (or a local folder is set).
   */
  async missingDownload(settings: ClozeSettings = this.settings.current): Promise<{ spec: string; name: string; size: string } | undefined> {
    if (settings.modelPath) return undefined;
    const model = await (await this.store(settings)).resolve(settings.model);
    return model.cached ? undefined : { spec: settings.model, name: model.entry?.displayName ?? model.id, size: approxSize(model) };
  }

  /**
   * Downloads `spec` with a cancellable progress notification.
   * @returns the model folder, or undefined when cancelled or failed (the user was told).
   */
  async download(spec: string, settings: ClozeSettings = this.settings.current): Promise<string | undefined> {
    const store = await this.store(settings);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Cloze: downloading {0}', spec), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        try {
          const model = await store.ensure(spec, {
            signal: abort.signal,
            onProgress: (p) => {
              const fileShare = 100 / p.fileCount;
              const done = p.fileIndex * fileShare + (p.total ? (p.bytes / p.total) * fileShare : 0);
              const speed = p.bytesPerSecond > 0 ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
              progress.report({ increment: Math.max(0, done - reported), message: `${Math.floor(done)}% · ${p.file}${speed}` });
              reported = Math.max(reported, done);
            },
            onRetry: (n) => {
              const seconds = Math.max(1, Math.round(n.delayMs / 1000));
              progress.report({ message: vscode.l10n.t('{0}: {1}; trying again in {2} s (attempt {3} of {4})', n.file, n.reason, seconds, n.attempt, n.attempts) });
            },
          });
          this.log.info(`Model ${spec} ready in ${model.dir}`);
          return model.dir;
        } catch (error) {
          if (isDownloadError(error) && error.code === 'cancelled') {
            void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: download cancelled. Run "Cloze: Download Model" to resume it.'));
          } else {
            this.log.error(`Download of ${spec} failed: ${(error as Error).message}`);
            void this.offerRetry(spec, downloadAdvice(spec, error, vscode.l10n.t));
          }
          return undefined;
        } finally {
          subscription.dispose();
        }
      },
    );
  }

  /** A failed download's message, with the buttons it names. */
  private async offerRetry(spec: string, message: string): Promise<void> {
    const retry = vscode.l10n.t('Retry');
    const choose = vscode.l10n.t('Choose Local Model Folder');
    const showLog = vscode.l10n.t('Show Log');
    const choice = await vscode.window.showErrorMessage(message, retry, choose, showLog);
    if (choice === retry) await vscode.commands.executeCommand('cloze.downloadModel', spec);
    if (choice === choose) await vscode.commands.executeCommand('cloze.chooseModelFolder');
    if (choice === showLog) this.log.show();
  }
}

/** The model commands: Select Model, Download Model, Remove Cached Models, Choose Model Folder. */
export function registerModelCommands(manager: ModelManager, host: EngineHost, log: vscode.LogOutputChannel): vscode.Disposable {
  const configuration = () => vscode.workspace.getConfiguration('cloze');
  const useModel = async (model: string) => {
    await configuration().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
    await configuration().update('model', model, vscode.ConfigurationTarget.Global);
    manager.reset();
    host.reset();
  };
  const chooseFolder = async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Use this model folder') });
    if (!picked?.[0]) return;
    await configuration().update('modelPath', picked[0].fsPath, vscode.ConfigurationTarget.Global);
    log.info(`Model folder set to ${picked[0].fsPath}`);
    manager.reset();
    host.reset();
  };

  return vscode.Disposable.from(
    vscode.commands.registerCommand('cloze.chooseModelFolder', chooseFolder),
    vscode.commands.registerCommand('cloze.selectModel', async () => {
      const listing = await (await manager.store()).list();
      const current = manager.settings.current;
      type Item = vscode.QuickPickItem & { id?: string; browse?: boolean };
      const items: Item[] = listing.catalogue.map(({ entry, cached, sizeOnDisk }) => ({
        label: `${entry.id === (current.modelPath ? '' : current.model) ? '$(check) ' : ''}${entry.displayName}`,
        description: cached ? vscode.l10n.t('downloaded · {0}', formatBytes(sizeOnDisk)) : vscode.l10n.t('{0} download', approxBytes(entry.files)),
        detail: `${entry.id} · ${entry.licence}${entry.description ? ` · ${entry.description}` : ''}`,
        id: entry.id,
      }));
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: `$(folder-opened) ${vscode.l10n.t('Browse local folder…')}`, browse: true });
      const choice = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Cloze: Select Model'), matchOnDetail: true });
      if (!choice) return;
      if (choice.browse) return chooseFolder();
      if (choice.id) await useModel(choice.id);
    }),
    vscode.commands.registerCommand('cloze.downloadModel', async (spec?: string) => {
      const target = typeof spec === 'string' ? spec : manager.settings.current.model;
      const dir = await manager.download(target);
      if (dir) host.reset();
    }),
    vscode.commands.registerCommand('cloze.removeCachedModels', async () => {
      const remove = vscode.l10n.t('Remove');
      const confirm = await vscode.window.showWarningMessage(
        vscode.l10n.t('Remove every model Cloze has downloaded? Files that other tools (Python, transformers.js) downloaded into the Hugging Face cache stay.'),
        { modal: true },
        remove,
      );
      if (confirm !== remove) return;
      host.reset();
      const removed = await (await manager.store()).remove();
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: removed {0} cached model folder(s).', removed.length));
    }),
    vscode.commands.registerCommand('cloze.setHubToken', async () => {
      const token = await vscode.window.showInputBox({
        title: vscode.l10n.t('Cloze: Set Hugging Face Token'),
        prompt: vscode.l10n.t('An access token with read access (huggingface.co/settings/tokens), for private or gated models. It is kept in VS Code\'s secret storage and sent only to the Hub.'),
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => (/^\S+$/.test(value.trim()) ? undefined : vscode.l10n.t('A token is one word, such as hf_…')),
      });
      if (!token) return;
      await manager.setToken(token.trim());
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: the Hugging Face token is set.'));
    }),
    vscode.commands.registerCommand('cloze.removeHubToken', async () => {
      await manager.setToken(undefined);
      void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: the Hugging Face token is removed from VS Code. (HF_TOKEN and the token file of `hf auth login`, if any, still apply.)'));
    }),
  );
}

function approxSize(model: ResolvedModel): string {
  return approxBytes(model.files);
}

function approxBytes(files: readonly { size?: number; approxSize?: number }[]): string {
  const total = files.reduce((sum, f) => sum + (f.size ?? f.approxSize ?? 0), 0);
  return total > 0 ? `about ${formatBytes(total)}` : 'size unknown';
}
