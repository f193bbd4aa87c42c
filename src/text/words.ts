import type { Span } from '../engine/types';

/**
 * The one definition of a word, a sentence start and a paragraph break, for
 * the engine (which word a cursor replaces, whether a suggestion is
 * capitalised), the editor (what Alt+\ and the hover look at) and the hints.
 *
 * A word is a run of letters, combining marks and digits (any script). An
 * apostrophe (`'` or `’`) or a zero-width (non-)joiner between two such
 * characters stays inside (`don't`, Persian ZWNJ). Hyphens and every other
 * punctuation end a word, so in `well-known` the cursor picks `well` or
 * `known`: BERT tokenizes the hyphen on its own, so each part is what one mask
 * can predict. A CJK ideograph is a word by itself, as BERT tokenizes it.
 *
 * Deliberate differences, named where they are used: the hints skip words
 * with digits (`v2`) and words of one letter (see `checkableWords`), and ask
 * {@link startsSentence} with `loose` (see there).
 */

/** Whether a UTF-16 code unit is the first half of a surrogate pair. */
export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** Whether a UTF-16 code unit is the second half of a surrogate pair. */
export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Whether one character (a code point as a string) belongs in a word: a letter, a mark or a digit. */
export function isWordChar(c: string): boolean {
  return /^[\p{L}\p{M}\p{N}]$/u.test(c);
}

/** A blank line: a line break, optional spaces or tabs, a line break. Paragraphs end at one. */
export const BLANK_LINE = /\r?\n[^\S\r\n]*\r?\n/;

/**
 * The word under a cursor offset: the word containing the character at `offset`, or else the
 * word ending just before it (see the file comment for what a word is).
 * @param text Any text.
 * @param offset A UTF-16 offset from 0 to `text.length`; an offset inside a surrogate pair
 *   counts as the pair's start.
 * @returns The word's span, or undefined when there is no word at the offset.
 * @throws {RangeError} When `offset` is not an integer from 0 to `text.length`.
 */
export function wordAt(text: string, offset: number): Span | undefined {
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new RangeError(`Expected \`offset\` to be an integer from 0 to ${text.length}, got \`${offset}\``);
  }
  if (offset > 0 && offset < text.length && isLowSurrogate(text.charCodeAt(offset)) && isHighSurrogate(text.charCodeAt(offset - 1))) offset--;
  const charAt = (i: number): string => String.fromCodePoint(text.codePointAt(i) ?? 0);
  const charBefore = (i: number): string => {
    const unit = text.charCodeAt(i - 1);
    return i >= 2 && isLowSurrogate(unit) && isHighSurrogate(text.charCodeAt(i - 2)) ? text.slice(i - 2, i) : text[i - 1];
  };

  let at: number;
  if (offset < text.length && isWordChar(charAt(offset))) at = offset;
  else if (offset > 0 && isWordChar(charBefore(offset))) at = offset - charBefore(offset).length;
  else return undefined;

  const isHan = (c: string): boolean => /\p{Script=Han}/u.test(c);
  if (isHan(charAt(at))) {
    let end = at + charAt(at).length;
    while (end < text.length && /\p{M}/u.test(charAt(end))) end += charAt(end).length;
    return { start: at, end };
  }
  const inWord = (c: string): boolean => isWordChar(c) && !isHan(c);
  const joiner = (c: string): boolean => c === "'" || c === '\u2019' || c === '\u200C' || c === '\u200D';

  let start = at;
  while (start > 0) {
    const c = charBefore(start);
    if (inWord(c)) start -= c.length;
    else if (joiner(c) && start - 1 > 0 && inWord(charBefore(start - 1))) start -= 1;
    else break;
  }
  let end = at;
  while (end < text.length) {
    const c = charAt(end);
    if (inWord(c)) end += c.length;
    else if (joiner(c) && end + 1 < text.length && inWord(charAt(end + 1))) end += 1;
    else break;
  }
  return { start, end };
}

/** Every word of `text` (see {@link wordAt}), left to right. */
export function wordsOf(text: string): Span[] {
  const words: Span[] = [];
  for (let i = 0; i < text.length; ) {
    const word = wordAt(text, i);
    if (word && word.start >= i) {
      words.push(word);
      i = word.end;
    } else {
      i += isHighSurrogate(text.charCodeAt(i)) ? 2 : 1;
    }
  }
  return words;
}

/**
 * Whether a word (or a blank) at `offset` starts a sentence: at the start of the text or of a
 * paragraph (after a blank line), after a list marker or heading mark at the start of a line
 * (`- `, `1. `, `# `, `> `), or after `.`, `!`, `?` or `…` (and closing quotes) and
 * whitespace. Opening quotes, brackets and Markdown emphasis before `offset` are skipped.
 *
 * `loose` (the hints) also counts every line start and a colon: a capitalised word there is
 * no sign of a name, which is what the hints ask. A suggestion is not capitalised there
 * (the engine's question), since after a colon or a soft line break the sentence usually goes on.
 */
export function startsSentence(text: string, offset: number, options: { loose?: boolean } = {}): boolean {
  let i = offset;
  while (i > 0 && /["'“‘«([¿¡*_]/u.test(text[i - 1])) i--;
  let l = i;
  while (l > 0 && /\s/.test(text[l - 1])) l--;
  if (l === 0) return true;
  const gap = text.slice(l, i).replace(/\r\n?/g, '\n');
  if (/\n[^\S\n]*\n/.test(gap)) return true;
  if (options.loose && gap.includes('\n')) return true;
  const lineStart = text.lastIndexOf('\n', i - 1) + 1;
  if (/^[^\S\n]*(?:[-*+>]|\d+[.)]|#{1,6})[^\S\n]+$/.test(text.slice(lineStart, i))) return true;
  if (gap.length === 0) return false;
  const ends = options.loose ? /[.!?…:]["'”’»)\]]*$/u : /[.!?…]["'”’»)\]]*$/u;
  return ends.test(text.slice(Math.max(0, l - 8), l));
}

/**
 * Lines read on each side of a position to find its paragraph (the editor
 * reads a document line by line): a bound on the work, not part of what a
 * paragraph is; a longer paragraph is cut there.
 */
export const PARAGRAPH_REACH_LINES = 40;

/** The paragraphs of `text`: runs of non-blank lines (see {@link BLANK_LINE}), trimmed. */
export function paragraphsOf(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(/\S(?:[^\n]|\n(?![^\S\n]*\n))*/gu)) {
    let end = m.index + m[0].length;
    while (end > m.index && /\s/.test(text[end - 1])) end--;
    out.push({ start: m.index, end });
  }
  return out;
}

/**
 * The paragraph of `text` (see {@link paragraphsOf}) that holds `offset` or
 * ends right at it; undefined when `offset` is on a blank line. A paragraph
 * longer than `maxLength` characters is cut to that many around `offset`, at
 * whitespace where there is some, so that a huge paragraph (a whole file on
 * one line) costs no more than a normal one.
 * @param offset An offset into `text`, 0 to `text.length`.
 * @param maxLength The most characters returned, at least 1.
 * @throws {RangeError} for an offset outside `text` or a `maxLength` below 1.
 */
export function paragraphAt(text: string, offset: number, maxLength = Number.POSITIVE_INFINITY): Span | undefined {
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new RangeError(`Expected \`offset\` to be an integer from 0 to ${text.length}, got \`${offset}\``);
  }
  if (!(maxLength >= 1)) throw new RangeError(`Expected \`maxLength\` to be at least 1, got \`${maxLength}\``);
  const paragraph = paragraphsOf(text).find((p) => p.start <= offset && offset <= p.end);
  if (!paragraph || paragraph.end - paragraph.start <= maxLength) return paragraph;
  const length = Math.floor(maxLength);
  let start = Math.max(paragraph.start, Math.min(offset - Math.floor(length / 2), paragraph.end - length));
  let end = Math.min(paragraph.end, start + length);
  // Whole words only: move each cut inwards to the nearest whitespace, unless that would leave nothing.
  if (start > paragraph.start && !/\s/.test(text[start - 1])) {
    const space = text.slice(start, end).search(/\s/);
    if (space >= 0 && start + space < offset) start += space;
  }
  if (end < paragraph.end && !/\s/.test(text[end])) {
    const space = Math.max(text.lastIndexOf(' ', end - 1), text.lastIndexOf('\n', end - 1), text.lastIndexOf('\t', end - 1));
    if (space > start && space >= offset) end = space;
  }
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return { start, end };
}

/**
 * The sentences of a paragraph (offsets into `text`): cut after `.`, `!`, `?`
 * or `…` (and closing quotes) followed by whitespace, and at line breaks that
 * start a list item.
 */
export function sentencesOf(text: string, paragraph: Span = { start: 0, end: text.length }): Span[] {
  const out: Span[] = [];
  let start = paragraph.start;
  const cut = /[.!?…]["'”’»)\]]*(?=\s)|\n(?=[^\S\n]*(?:[-*+>]|\d+[.)])\s)/gu;
  cut.lastIndex = paragraph.start;
  const body = text.slice(0, paragraph.end);
  for (let m = cut.exec(body); m !== null; m = cut.exec(body)) {
    const end = m[0] === '\n' ? m.index : m.index + m[0].length;
    pushTrimmed(text, start, end, out);
    start = end;
  }
  pushTrimmed(text, start, paragraph.end, out);
  return out;
}

function pushTrimmed(text: string, start: number, end: number, out: Span[]): void {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (end > start) out.push({ start, end });
}
