import * as vscode from 'vscode';
import type { EngineHost } from './engine-host';
import type { BlankRequest } from './inline-completions';
import type { SettingsWatcher } from './settings-watcher';
import { suggestWord } from './suggest-word-command';
import { blankAt, gapAt, maskAt, wordAt } from './targets';

export const SUGGEST_AT_CURSOR_COMMAND = 'cloze.suggestAtCursor';
export const INSERT_BLANK_COMMAND = 'cloze.insertBlank';

/**
 * Alt+\ ("Cloze: Suggest at Cursor") and "Cloze: Insert Blank".
 *
 * Alt+\ on a typed mask or in a gap between words shows the best word as ghost
 * text at the cursor (Tab inserts it, Alt+] / Alt+[ cycle). On a word (cursor
 * at its start, middle or end) it selects the word and lists its alternatives
 * (Suggest Word): VS Code 1.100 cannot show ghost text that replaces a word
 * unless the word is a prefix of the replacement, so an inline item would
 * read as an insertion (`milk|water`); a selected word and a list titled
 * "Replace “milk” with…" read as a replacement, and a pick is one undo step.
 *
 * Insert Blank puts a blank at the cursor whatever is next to it (inside a
 * word, after the word) and shows the ghost text there, spaces included.
 */
export function registerSuggestAtCursor(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel, blanks: BlankRequest): vscode.Disposable {
  const trigger = () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  return vscode.Disposable.from(
    vscode.commands.registerTextEditorCommand(SUGGEST_AT_CURSOR_COMMAND, async (editor) => {
      const { document, selection } = editor;
      if (!selection.isEmpty || editor.selections.length > 1) return suggestWord(editor, host, settings, log);
      const position = selection.active;
      if (maskAt(document, position) || gapAt(document, position)) return trigger();
      if (wordAt(document, position)) return suggestWord(editor, host, settings, log);
      return trigger();
    }),
    vscode.commands.registerTextEditorCommand(INSERT_BLANK_COMMAND, async (editor) => {
      const blank = blankAt(editor.document, editor.selection.active);
      editor.selection = new vscode.Selection(blank.range.start, blank.range.start);
      blanks.set(editor.document, blank);
      await trigger();
    }),
  );
}
