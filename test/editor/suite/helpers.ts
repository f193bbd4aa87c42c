// Helpers for suites that run inside the extension host.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as manifest from '../../../package.json';
import { NOTES_GLOBAL, USER_DATA_ENV } from '../suite-report';

/** The extension under test, `<publisher>.<name>` from package.json. */
export const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;

/** The extension under test; fails the test if VS Code does not know it. */
export function getExtension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`Extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

/** Activates the extension under test (a no-op when it is active already). */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = getExtension();
  await ext.activate();
  return ext;
}

let untitledCount = 0;
// Each suite file is bundled with its own copy of this module, so the count alone would
// repeat across files: a name of one file's document that is still open would be another's.
const untitledPrefix = `cloze-test-${randomUUID().slice(0, 8)}`;

/**
 * Opens an untitled document with `content` in `language` and shows it.
 * If `content` contains `cursor` (default `|`), that marker is removed and the
 * cursor is placed there; otherwise the cursor is at the end.
 */
export async function openDocument(
  content: string,
  language = 'plaintext',
  cursor = '|',
): Promise<vscode.TextEditor> {
  const at = content.indexOf(cursor);
  const text = at < 0 ? content : content.slice(0, at) + content.slice(at + cursor.length);
  // openTextDocument({ content }) names the document Untitled-1 again as soon
  // as the last Untitled-1 is closed, and may hand back the old document while
  // the extension host has not yet heard it closed: so use a fresh name each time.
  const uri = vscode.Uri.from({ scheme: 'untitled', path: `${untitledPrefix}-${++untitledCount}` });
  let document = await vscode.workspace.openTextDocument(uri);
  document = await vscode.languages.setTextDocumentLanguage(document, language);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(uri, new vscode.Position(0, 0), text);
  if (!(await vscode.workspace.applyEdit(edit)) || document.getText() !== text) {
    throw new Error(`Could not put ${JSON.stringify(text)} into ${uri.toString()}`);
  }
  const editor = await vscode.window.showTextDocument(document);
  await setCursor(editor, at < 0 ? text.length : at);
  return editor;
}

/**
 * Puts the cursor (an empty selection) at `offset` characters or at `position`,
 * and waits until the editor (in the renderer, not just the extension host's
 * copy) has it there.
 */
export async function setCursor(editor: vscode.TextEditor, where: number | vscode.Position): Promise<vscode.Position> {
  const position = typeof where === 'number' ? editor.document.positionAt(where) : where;
  const selection = new vscode.Selection(position, position);
  // No event comes when the cursor is there already.
  if (editor.selection.isEqual(selection)) return position;
  // Setting `selection` only updates the extension host's copy and posts the
  // change; the renderer's answer comes back as a selection event. Until then
  // a selection event from before (opening the editor, say) can overwrite it:
  // so wait for the event that confirms this selection, however long the
  // renderer takes (a large document on a busy machine), not a fixed time.
  let confirm: () => void = () => undefined;
  const confirmed = new Promise<true>((resolve) => {
    confirm = () => resolve(true);
  });
  const listener = vscode.window.onDidChangeTextEditorSelection((e) => {
    if (e.textEditor === editor && e.selections.length === 1 && e.selections[0]?.isEqual(selection)) confirm();
  });
  try {
    editor.selection = selection;
    editor.revealRange(selection);
    await waitFor(() => {
      // A stale event may have put the cursor back: ask again until the renderer confirms.
      if (!editor.selection.isEqual(selection)) editor.selection = selection;
      return Promise.race([confirmed, sleep(100).then(() => false)]);
    }, { timeoutMs: 20_000, intervalMs: 0, message: `the renderer to confirm the cursor at ${position.line}:${position.character}` });
  } finally {
    listener.dispose();
  }
  return position;
}

export interface WaitOptions {
  /** Give up after this many ms. Default: 10 000. */
  timeoutMs?: number;
  /** Poll every this many ms. Default: 50. */
  intervalMs?: number;
  /** Says what was awaited, in the timeout error. */
  message?: string;
}

/**
 * Polls `condition` until it returns a truthy value, and returns that value.
 * Rejects after `timeoutMs` with `message` and the last error `condition` threw.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, message = 'condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sets a user (global) setting, e.g. `updateSetting('cloze.inline.enabled', false)`,
 * waits until reading it gives the new value, and returns the previous value
 * at that scope, for {@link restoreSetting}. `undefined` removes the setting.
 */
export async function updateSetting(key: string, value: unknown): Promise<unknown> {
  const dot = key.lastIndexOf('.');
  const section = dot < 0 ? undefined : key.slice(0, dot);
  const name = key.slice(dot + 1);
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration(section);
  const previous = config().inspect(name)?.globalValue;
  await config().update(name, value, vscode.ConfigurationTarget.Global);
  await waitFor(() => sameValue(config().inspect(name)?.globalValue, value), {
    timeoutMs: 5000,
    message: `setting ${key} to become ${JSON.stringify(value)}`,
  });
  return previous;
}

/** Puts back a value {@link updateSetting} returned. */
export async function restoreSetting(key: string, previous: unknown): Promise<void> {
  await updateSetting(key, previous);
}

/**
 * The text of the extension's log channel `channel` as VS Code wrote it to
 * disk (<user data>/logs/<session>/exthost<n>/<extension id>/<channel>.log),
 * or `undefined` if there is no such file yet. Throws if the runner did not
 * say where the user data folder is (CLOZE_TEST_USER_DATA_DIR).
 */
export function readExtensionLog(channel: string): string | undefined {
  const userData = process.env[USER_DATA_ENV];
  if (!userData) throw new Error(`${USER_DATA_ENV} is not set`);
  const logs = path.join(userData, 'logs');
  const candidates: string[] = [];
  for (const session of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
    for (const host of fs.readdirSync(path.join(logs, session))) {
      const file = path.join(logs, session, host, EXTENSION_ID, `${channel}.log`);
      if (host.startsWith('exthost') && fs.existsSync(file)) candidates.push(file);
    }
  }
  const newest = candidates.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  return newest === undefined ? undefined : fs.readFileSync(newest, 'utf8');
}

/** Closes every editor without saving. */
export async function closeAllEditors(): Promise<void> {
  // Untitled documents with text are dirty: revert them, so that closing asks
  // nothing and disposes them.
  for (let i = 0; i < 100 && vscode.window.activeTextEditor; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Records a measurement for the runner to print after the test list. */
export function note(text: string): void {
  const notes = (globalThis as Record<string, unknown>)[NOTES_GLOBAL];
  if (Array.isArray(notes)) notes.push(text);
  console.log(text);
}

/**
 * Runs `command` (one that asks for ghost text), then accepts ghost text until
 * the document reads `expected`. It checks before each accept: accepting may
 * move on to the paragraph's next blank, whose ghost text a further accept would take too.
 */
export async function acceptGhost(editor: vscode.TextEditor, command: string, expected: string): Promise<void> {
  await vscode.commands.executeCommand(command);
  await waitFor(
    async () => {
      if (editor.document.getText() === expected) return true;
      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      return false;
    },
    { timeoutMs: 20_000, intervalMs: 250, message: `the text to become ${JSON.stringify(expected)}` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; it is ${JSON.stringify(editor.document.getText())}`);
  });
}

/** The text of hovers, their Markdown joined by new lines. */
export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/** The planted tiny model that ships with the tests. */
export function tinyModelPath(): string {
  return path.join(getExtension().extensionPath, 'test/fixtures/models/tiny-planted');
}

/** Sets a user setting for the rest of a suite; see {@link useTinyModelSuite}. */
export type SuiteSetting = (key: string, value: unknown) => Promise<void>;

/**
 * The set-up most suites share, registered as the calling suite's hooks: the
 * planted tiny model as `cloze.modelPath` plus `settings`, the extension
 * activated; every editor closed after each test; the settings put back
 * after the suite. Returns a function with which a test changes another
 * setting for the rest of the suite: its value from before the suite is put
 * back too.
 */
export function useTinyModelSuite(settings: Record<string, unknown> = {}): SuiteSetting {
  const previous = new Map<string, unknown>();
  const set: SuiteSetting = async (key, value) => {
    const old = await updateSetting(key, value);
    if (!previous.has(key)) previous.set(key, old);
  };
  suiteSetup(async () => {
    for (const [key, value] of Object.entries({ 'cloze.modelPath': tinyModelPath(), ...settings })) await set(key, value);
    await activateExtension();
  });
  suiteTeardown(async () => {
    for (const [key, value] of previous) await restoreSetting(key, value);
  });
  teardown(closeAllEditors);
  return set;
}

/** Measures the extension host's event-loop lag while `work` runs. */
export async function withLag<T>(work: () => Promise<T>): Promise<{ value: T; maxMs: number; p95Ms: number; elapsedMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = Date.now();
  try {
    const value = await work();
    return { value, maxMs: histogram.max / 1e6, p95Ms: histogram.percentile(95) / 1e6, elapsedMs: Date.now() - started };
  } finally {
    histogram.disable();
  }
}
