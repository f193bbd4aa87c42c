import * as vscode from 'vscode';

/** The command behind hover links and other one-click replacements. */
export const REPLACE_RANGE_COMMAND = 'cloze.replaceRange';

/** Arguments of {@link REPLACE_RANGE_COMMAND}. Offsets, so the arguments survive JSON in a command link. */
export interface ReplaceArgs {
  uri: string;
  start: number;
  end: number;
  /** The text the range must still hold; otherwise nothing is changed. */
  expected: string;
  replacement: string;
}

/** A `command:` URI for a Markdown link that replaces a range. */
export function replaceLink(args: ReplaceArgs): string {
  return `command:${REPLACE_RANGE_COMMAND}?${encodeURIComponent(JSON.stringify([args]))}`;
}

/** Replaces the range if it still holds the expected text; returns whether it did. */
export async function replaceRange(args: ReplaceArgs): Promise<boolean> {
  if (!isReplaceArgs(args)) return false;
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === args.uri);
  if (!document) return false;
  const range = new vscode.Range(document.positionAt(args.start), document.positionAt(args.end));
  if (document.getText(range) !== args.expected) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Cloze: the text changed since the suggestion was made; nothing was replaced.'));
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, range, args.replacement);
  return vscode.workspace.applyEdit(edit);
}

export function registerReplaceRange(): vscode.Disposable {
  return vscode.commands.registerCommand(REPLACE_RANGE_COMMAND, replaceRange);
}

function isReplaceArgs(value: unknown): value is ReplaceArgs {
  const v = value as ReplaceArgs;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.uri === 'string' && Number.isInteger(v.start) && Number.isInteger(v.end) && v.start <= v.end &&
    typeof v.expected === 'string' && typeof v.replacement === 'string'
  );
}
