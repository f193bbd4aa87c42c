import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import { hoverTarget } from './hover';
import { targetAtCursor } from './inline-completions';
import type { ClozeSettings } from './settings';
import { isEnabledFor, isTooLarge, type SettingsWatcher } from './settings-watcher';
import { maskAt, type Target, TYPED_MASK } from './targets';

/**
 * How long the cursor rests before the words for it are prepared: longer than
 * the pause between two typed words, shorter than a writer takes to wonder
 * what goes in a gap and press Alt+\.
 */
export const PREFETCH_REST_MS = 300;

/**
 * Prepares, while the writer pauses, what the next explicit request at the
 * cursor will ask, so that its answer is there when the key is pressed: the
 * words for a typed mask token as soon as its closing `]` is typed, and after
 * a short rest ({@link PREFETCH_REST_MS}) the words for a blank (Alt+\ in a
 * gap) or for a word the hover would explain (the keyboard hover). The
 * request is the very one the inline suggestion and the hover make
 * (`EngineHost.fillTarget`), whose answer `EngineHost` shares.
 *
 * Only with the model loaded (a prefetch never starts a load or a download),
 * never in a document too large for unasked suggestions, and at most once per
 * place and document version; a newer prefetch supersedes one still queued.
 */
export function registerPrefetch(host: EngineHost, settings: Pick<SettingsWatcher, 'for'>, log: vscode.LogOutputChannel, restMs = PREFETCH_REST_MS): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = '';

  const prefetch = (editor: vscode.TextEditor, position: vscode.Position, target: Target) => {
    const { document } = editor;
    const key = `${document.uri.toString()}@${document.version}:${document.offsetAt(target.range.start)}-${document.offsetAt(target.range.end)}`;
    if (key === last) return;
    last = key;
    void host.fillTarget(document, target, 'prefetch').catch((error: unknown) => log.debug(`Prefetch at ${position.line + 1}:${position.character + 1} failed: ${(error as Error).message}`));
  };

  const onSelection = (editor: vscode.TextEditor) => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (host.currentState.kind !== 'ready' || editor.selections.length !== 1 || !editor.selection.isEmpty) return;
    const { document } = editor;
    const current = settings.for(document);
    if (!isEnabledFor(current, document) || isTooLarge(current, document, log)) return;
    const position = editor.selection.active;
    // A mask token just closed is an explicit request already on its way. Anything else waits for
    // the rest, and only then is looked at: nothing more than this test runs per keystroke.
    if (current.inline.enabled && document.lineAt(position.line).text.slice(0, position.character).endsWith(TYPED_MASK)) {
      const mask = maskAt(document, position);
      if (mask) prefetch(editor, position, mask);
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      const now = vscode.window.activeTextEditor;
      if (now !== editor || !now.selection.active.isEqual(position) || now.document.version !== document.version) return;
      const target = whatWillBeAsked(document, position, current.inline.enabled, current.hover);
      if (target) prefetch(editor, position, target);
    }, restMs);
  };

  return vscode.Disposable.from(
    vscode.window.onDidChangeTextEditorSelection((e) => onSelection(e.textEditor)),
    { dispose: () => timer && clearTimeout(timer) },
  );
}

/**
 * What the inline suggestion (a typed mask token touching the cursor, or a
 * blank in a gap) or else the hover would ask about at `position`. A word
 * touching the cursor is left to the hover: Alt+\ on a word opens Suggest
 * Word, which asks for more.
 */
function whatWillBeAsked(document: vscode.TextDocument, position: vscode.Position, inline: boolean, hover: ClozeSettings['hover']): Target | undefined {
  const atCursor = inline ? targetAtCursor(document, position, true) : undefined;
  if (atCursor && (atCursor.isMaskToken || atCursor.blank)) return atCursor;
  return hover === 'off' ? undefined : hoverTarget(document, position, hover);
}
