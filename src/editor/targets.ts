import * as vscode from 'vscode';
import { findMaskTokens } from '../engine';
import { isWordChar, PARAGRAPH_REACH_LINES, wordAt as wordIn } from '../text/words';

/**
 * What users type for a mask, whatever the model: the engine puts the model's
 * own mask token (`[MASK]`, `<mask>`) in its place.
 */
export const TYPED_MASK = '[MASK]';

/** Lines searched on each side of the cursor for the mask tokens of its paragraph. */
const PARAGRAPH_LINES = PARAGRAPH_REACH_LINES;

/**
 * The most mask tokens one editor request sends: the target and the ones
 * nearest it. A paragraph of `[MASK]`s (a thousand on one line, say) then
 * costs one bounded request, well under the engine's own limit.
 */
export const MASKS_PER_REQUEST = 16;

/**
 * What a surface predicts: a mask token the user typed, a word to replace, or
 * a blank at the cursor (an empty range: the word goes in there).
 */
export interface Target {
  range: vscode.Range;
  /** The document text in `range`; `''` for a blank. */
  text: string;
  /** True for a typed mask token and for a blank. */
  isMaskToken: boolean;
  /** Only for a blank: the spaces to put around the word so that it stands apart from its neighbours. */
  blank?: { before: string; after: string };
}

/** The mask tokens on `line`, in order. */
export function masksOnLine(document: vscode.TextDocument, line: number): Target[] {
  const text = document.lineAt(line).text;
  return findMaskTokens(text, TYPED_MASK).map((s) => ({ range: new vscode.Range(line, s.start, line, s.end), text: text.slice(s.start, s.end), isMaskToken: true }));
}

/** The mask tokens of the paragraph around `line` (blank lines end a paragraph, as in src/text/words.ts). */
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

/** The word that contains or touches `position`, if any (a word as src/text/words.ts defines it). */
export function wordAt(document: vscode.TextDocument, position: vscode.Position): Target | undefined {
  const line = document.lineAt(position.line).text;
  const span = wordIn(line, Math.min(position.character, line.length));
  if (!span) return undefined;
  const range = new vscode.Range(position.line, span.start, position.line, span.end);
  return { range, text: line.slice(span.start, span.end), isMaskToken: false };
}

/** Characters after which a word may follow with no space: opening quotes and brackets. */
const OPENING = /["'“‘«([{¿¡]/u;

/**
 * A blank at the cursor when it stands in a gap: no word or mask token on
 * either side, and whitespace, an opening quote or bracket, or the start of
 * the line before it (`The weather today is |`, `a | house`, `“|”`). A blank
 * line is no gap: there is nothing to fill in.
 */
export function gapAt(document: vscode.TextDocument, position: vscode.Position): Target | undefined {
  const line = document.lineAt(position.line).text;
  if (line.trim() === '' || maskAt(document, position)) return undefined;
  const at = Math.min(position.character, line.length);
  const before = at > 0 ? String.fromCodePoint(line.codePointAt(at - 1) ?? 0) : '';
  const after = at < line.length ? String.fromCodePoint(line.codePointAt(at) ?? 0) : '';
  if (isWordChar(before) || isWordChar(after) || wordIn(line, at)) return undefined;
  if (before !== '' && !/\s/.test(before) && !OPENING.test(before)) return undefined;
  return blankAt(document, new vscode.Position(position.line, at));
}

/**
 * A blank at `position` whatever its neighbours ("Insert Blank"): inside a
 * word it moves to the word's end; a space is added on a side where a word
 * (or a closing mark, on the left) would touch the new one.
 */
export function blankAt(document: vscode.TextDocument, position: vscode.Position): Target {
  const line = document.lineAt(position.line).text;
  let at = Math.min(position.character, line.length);
  const word = wordIn(line, at);
  if (word && word.start < at && at < word.end) at = word.end;
  const left = line.slice(0, at);
  const right = line.slice(at);
  const spaceBefore = left !== '' && !/\s$/u.test(left) && !OPENING.test(left.slice(-1));
  const spaceAfter = right !== '' && /^[\p{L}\p{M}\p{N}"“‘«([{]/u.test(right);
  const range = new vscode.Range(position.line, at, position.line, at);
  return { range, text: '', isMaskToken: true, blank: { before: spaceBefore ? ' ' : '', after: spaceAfter ? ' ' : '' } };
}

/** The text a chosen word becomes at `target`: for a blank, with the spaces around it. */
export function textFor(target: Target, word: string): string {
  return target.blank ? `${target.blank.before}${word}${target.blank.after}` : word;
}

/**
 * What a selection asks for: the selected text when it is non-empty and on
 * one line, else the mask token or word at the cursor, else a blank when the
 * cursor stands in a gap, else the nearest mask token on the cursor's line.
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
  const mask = maskAt(document, position) ?? wordAt(document, position) ?? gapAt(document, position);
  if (mask) return mask;
  const onLine = masksOnLine(document, position.line);
  if (onLine.length === 0) return undefined;
  const distance = (t: Target) => Math.min(Math.abs(t.range.start.character - position.character), Math.abs(t.range.end.character - position.character));
  return onLine.reduce((best, t) => (distance(t) < distance(best) ? t : best));
}
