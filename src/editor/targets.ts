import * as vscode from 'vscode';
import { findMaskTokens } from '../engine';

/**
 * What users type for a mask, whatever the model: the engine puts the model's
 * own mask token (`[MASK]`, `<mask>`) in its place.
 */
export const TYPED_MASK = '[MASK]';

/**
 * A word: Unicode letters and marks, with inner apostrophes and hyphens
 * (`don't`, `well-known`).
 */
export const WORD_PATTERN = /[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/u;

/** Lines searched on each side of the cursor for the mask tokens of its paragraph. */
const PARAGRAPH_LINES = 30;

/**
 * The most mask tokens one editor request sends: the target and the ones
 * nearest it. A paragraph of `[MASK]`s (a thousand on one line, say) then
 * costs one bounded request, well under the engine's own limit.
 */
export const MASKS_PER_REQUEST = 16;

/** What a surface predicts: a mask token the user typed, or a word to replace. */
export interface Target {
  range: vscode.Range;
  text: string;
  isMaskToken: boolean;
}

/** The mask tokens on `line`, in order. */
export function masksOnLine(document: vscode.TextDocument, line: number): Target[] {
  const text = document.lineAt(line).text;
  return findMaskTokens(text, TYPED_MASK).map((s) => ({ range: new vscode.Range(line, s.start, line, s.end), text: text.slice(s.start, s.end), isMaskToken: true }));
}

/** The mask tokens of the paragraph around `line` (blank lines end a paragraph). */
export function masksInParagraph(document: vscode.TextDocument, line: number): Target[] {
  const isBlank = (l: number) => document.lineAt(l).isEmptyOrWhitespace;
  let first = line;
  while (first > 0 && line - first < PARAGRAPH_LINES && !isBlank(first - 1)) first--;
  let last = line;
  while (last < document.lineCount - 1 && last - line < PARAGRAPH_LINES && !isBlank(last + 1)) last++;
  const targets: Target[] = [];
  for (let l = first; l <= last; l++) targets.push(...masksOnLine(document, l));
  return targets;
}

/**
 * What to send for `target`: a word alone; for a mask token, the mask tokens of
 * its paragraph nearest to it, at most {@link MASKS_PER_REQUEST}, in document
 * order (the model sees the others as masks too, and one forward pass answers
 * them all).
 */
export function masksAround(document: vscode.TextDocument, target: Target): Target[] {
  if (!target.isMaskToken) return [target];
  const all = masksInParagraph(document, target.range.start.line);
  if (!all.some((m) => m.range.isEqual(target.range))) all.push(target);
  const at = document.offsetAt(target.range.start);
  const distance = (t: Target) => Math.abs(document.offsetAt(t.range.start) - at);
  return all
    .sort((a, b) => distance(a) - distance(b))
    .slice(0, MASKS_PER_REQUEST)
    .sort((a, b) => a.range.start.compareTo(b.range.start));
}

/** The mask token that contains or touches `position`, if any. */
export function maskAt(document: vscode.TextDocument, position: vscode.Position): Target | undefined {
  return masksOnLine(document, position.line).find((t) => t.range.start.character <= position.character && position.character <= t.range.end.character);
}

/** The word that contains or touches `position`, if any. */
export function wordAt(document: vscode.TextDocument, position: vscode.Position): Target | undefined {
  const range = document.getWordRangeAtPosition(position, WORD_PATTERN);
  return range ? { range, text: document.getText(range), isMaskToken: false } : undefined;
}

/**
 * What a selection asks for: the selected text when it is non-empty and on
 * one line, else the mask token or word at the cursor, else the nearest mask
 * token on the cursor's line.
 */
export function targetForSelection(document: vscode.TextDocument, selection: vscode.Selection): Target | undefined {
  if (!selection.isEmpty) {
    if (!selection.isSingleLine) return undefined;
    const text = document.getText(selection);
    if (text.trim() === '') return undefined;
    const isMaskToken = text === TYPED_MASK;
    return { range: new vscode.Range(selection.start, selection.end), text, isMaskToken };
  }
  const position = selection.active;
  const mask = maskAt(document, position) ?? wordAt(document, position);
  if (mask) return mask;
  const onLine = masksOnLine(document, position.line);
  if (onLine.length === 0) return undefined;
  const distance = (t: Target) => Math.min(Math.abs(t.range.start.character - position.character), Math.abs(t.range.end.character - position.character));
  return onLine.reduce((best, t) => (distance(t) < distance(best) ? t : best));
}
