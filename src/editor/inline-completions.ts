import * as vscode from 'vscode';
import { nextMask } from '../text/next-mask';
import { delay } from './delay';
import type { EngineHost } from './engine-host';
import { isEnabledFor, isTooLarge, type SettingsWatcher } from './settings-watcher';
import { gapAt, masksOnLine, type Target, textFor, TYPED_MASK, wordAt } from './targets';

/** The command an accepted item runs to remove the mask or word it replaces. */
export const COMPLETE_INLINE_COMMAND = 'cloze.completeInline';

/** What an accepted item carries to its command. */
interface Completion {
  uri: string;
  /** Offset and text of the target before the word was inserted. */
  targetOffset: number;
  targetText: string;
  /** Where the word was inserted, and the word. */
  insertOffset: number;
  word: string;
}

/**
 * Where "Insert Blank" asked for a blank: the next explicit request at that
 * very place (same document version) fills a blank there even where the
 * cursor touches a word.
 */
export class BlankRequest {
  private pending: { uri: string; version: number; target: Target } | undefined;

  set(document: vscode.TextDocument, target: Target): void {
    this.pending = { uri: document.uri.toString(), version: document.version, target };
  }

  /** The blank asked for at `position`, once. */
  take(document: vscode.TextDocument, position: vscode.Position): Target | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending || pending.uri !== document.uri.toString() || pending.version !== document.version || !pending.target.range.start.isEqual(position)) return undefined;
    return pending.target;
  }
}

/**
 * Offers BERT's candidates for a typed mask token as ghost text; on explicit
 * invoke also for a blank (the cursor in a gap between words, or where
 * "Insert Blank" put one), and for the word at the cursor.
 *
 * VS Code 1.100 never shows a stable-API item whose range replaces `[MASK]`
 * with a word that does not start with `[MASK]`, so each item inserts its word
 * at the cursor and its command then removes the mask: Tab turns
 * `What is [MASK]|` into `What is your|`.
 */
export function registerInlineCompletions(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel, blanks: BlankRequest = new BlankRequest()): vscode.Disposable {
  const provider: vscode.InlineCompletionItemProvider = {
    async provideInlineCompletionItems(document, position, context, token) {
      const current = settings.for(document);
      if (!current.inline.enabled || !isEnabledFor(current, document) || isTooLarge(current, document, log)) return undefined;
      // The suggest widget shows something else: a ghost word would contradict it.
      if (context.selectedCompletionInfo) return undefined;
      const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
      const target = (explicit ? blanks.take(document, position) : undefined) ?? targetAtCursor(document, position, explicit);
      if (!target) return undefined;
      // A completed mask token needs no typing pause: `]` (or `>`) ends it.
      const justTyped = target.isMaskToken && target.range.end.isEqual(position);
      if (!explicit && !justTyped && current.inline.debounceMs > 0) {
        if (await delay(current.inline.debounceMs, token)) return undefined;
      }
      try {
        const result = await host.fillTarget(document, target, 'inline', token);
        if (!result) return undefined;
        const targetOffset = document.offsetAt(target.range.start);
        const insertOffset = document.offsetAt(position);
        // A blank: the word goes in at the cursor, with the spaces it needs; nothing to remove.
        if (target.blank) return result.suggestions.map((s) => new vscode.InlineCompletionItem(textFor(target, s.word), new vscode.Range(position, position)));
        return result.suggestions.map((s) => {
          const completion: Completion = { uri: document.uri.toString(), targetOffset, targetText: target.text, insertOffset, word: s.word };
          const item = new vscode.InlineCompletionItem(s.word, new vscode.Range(position, position), {
            command: COMPLETE_INLINE_COMMAND,
            title: vscode.l10n.t('Replace with suggestion'),
            arguments: [completion],
          });
          return item;
        });
      } catch (error) {
        // Never interrupt typing with a pop-up: the status bar shows the state, the log the details.
        log.warn(`Inline suggestion failed: ${(error as Error).message}`);
        return undefined;
      }
    },
  };

  const registration = vscode.Disposable.from(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, provider),
    vscode.commands.registerCommand(COMPLETE_INLINE_COMMAND, (completion: Completion) => completeInline(completion)),
  );
  void askAboutMaskTypedWhileStarting(log);
  return registration;
}

/**
 * VS Code asks an inline provider about the edits it sees after the provider
 * was registered. A mask typed while Cloze was starting (opening the first
 * file of its languages starts it) was seen before, and would wait for the
 * next key. Those edits may not have reached the extension host yet either:
 * one round trip to VS Code (any call that answers) brings them, as its
 * answer comes after them; then a mask just typed at the cursor is asked for.
 */
async function askAboutMaskTypedWhileStarting(log: vscode.LogOutputChannel): Promise<void> {
  try {
    await vscode.commands.getCommands(true);
    const editor = vscode.window.activeTextEditor;
    if (editor?.selection.isEmpty && targetAtCursor(editor.document, editor.selection.active, false)) {
      log.debug('Asking about the mask typed while Cloze was starting');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }
  } catch (error) {
    log.debug(`Could not ask about a mask typed while Cloze was starting: ${(error as Error).message}`);
  }
}

/**
 * The mask token that ends (or starts) at the cursor; on explicit invoke also
 * a blank when the cursor stands in a gap, else the word that touches the
 * cursor (the word goes in at the cursor, so the target must touch it).
 */
export function targetAtCursor(document: vscode.TextDocument, position: vscode.Position, explicit: boolean): Target | undefined {
  const touches = (t: Target) => t.range.end.isEqual(position) || t.range.start.isEqual(position);
  const mask = masksOnLine(document, position.line).find(touches);
  if (mask || !explicit) return mask;
  const gap = gapAt(document, position);
  if (gap) return gap;
  const word = wordAt(document, position);
  return word && touches(word) ? word : undefined;
}

/** Removes the target after its word was inserted, in the same undo step, then moves on to the paragraph's next mask (forward only, never into code). */
async function completeInline(completion: Completion): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.toString() !== completion.uri) return;
  const document = editor.document;
  // A word inserted before the target shifts it right.
  const start = completion.targetOffset + (completion.insertOffset <= completion.targetOffset ? completion.word.length : 0);
  const range = new vscode.Range(document.positionAt(start), document.positionAt(start + completion.targetText.length));
  if (document.getText(range) !== completion.targetText) return;
  const done = await editor.edit((edit) => edit.delete(range), { undoStopBefore: false, undoStopAfter: true });
  if (!done) return;
  const next = nextMask(document.getText(), document.offsetAt(range.start), { maskToken: TYPED_MASK, markdown: document.languageId === 'markdown' });
  if (next) {
    const end = document.positionAt(next.end);
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  }
}
