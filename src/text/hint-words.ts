import type { Span } from '../engine/types';
import { startsSentence, wordsOf } from './words';

/**
 * Which words of prose are worth checking for the unlikely-word hints, and
 * how prose splits into paragraphs and sentences (the hints' unit of work
 * and of caching). No vscode here: the editor and the tests share it.
 */

/** Text that is never prose: links, e-mail addresses, paths, Markdown link targets. */
const NOT_PROSE = [
  /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>()]+/giu, // URLs
  /[^\s@<>()[\]]+@[^\s@<>()[\]]+\.[^\s@<>()[\]]+/gu, // e-mail addresses
  /\]\([^)\s]*(?:\s+"[^"]*")?\)/gu, // a Markdown link's target: ](url "title")
  /(?<![\p{L}\p{N}])[~.]?\/[^\s]+/gu, // paths: /usr/bin, ./src, ~/notes
  /<[^>\n]+>/gu, // HTML tags and autolinks
];

/** The label of a Markdown link or image, `[this](…)` or `[this][ref]`: usually a name. */
const LINK_LABEL = /!?\[([^\]\n]+)\](?=\(|\[)/gu;

/**
 * The words of `text` worth checking: words of two or more letters that read
 * as prose. Skipped: URLs, e-mail addresses, paths, HTML tags, Markdown link
 * labels and targets (names, mostly), words joined to digits or to code
 * punctuation (`v2`, `foo_bar`, `file.ts`, `--flag`), identifiers in camel
 * case, words in capitals (`API`), and capitalised words inside a sentence
 * (names, which a lowercase model cannot know). Code should already be
 * blanked out (see `blankSpans`).
 */
export function checkableWords(text: string): Span[] {
  const excluded: Span[] = [];
  for (const pattern of NOT_PROSE) {
    for (const m of text.matchAll(pattern)) excluded.push({ start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(LINK_LABEL)) excluded.push({ start: m.index, end: m.index + m[0].length });
  excluded.sort((a, b) => a.start - b.start);

  const words: Span[] = [];
  let e = 0;
  for (const { start, end } of wordsOf(text)) {
    while (e < excluded.length && excluded[e].end <= start) e++;
    if (overlapsFrom(excluded, e, start, end)) continue;
    const word = text.slice(start, end);
    // Deliberately narrower than a word (src/text/words.ts): no digits, two letters or more.
    if ([...word].length < 2 || /\p{N}/u.test(word)) continue;
    const before = text[start - 1] ?? ' ';
    const after = text[end] ?? ' ';
    if (/[\p{N}_\\/@#$%&*=<>|`~^]/u.test(before) || /[\p{N}_\\/@#$%&*=<>|`~^]/u.test(after)) continue;
    // A dot or hyphen run joining more word characters: `file.ts`, `e.g`, `--flag`.
    if (/[.]/.test(before) && /[\p{L}\p{N}]/u.test(text[start - 2] ?? '')) continue;
    if (/[.]/.test(after) && /[\p{L}\p{N}]/u.test(text[end + 1] ?? '')) continue;
    if (before === '-' && (text[start - 2] === '-' || !/[\p{L}\p{N}]/u.test(text[start - 2] ?? ''))) continue;
    if (/\p{Lu}/u.test(word.slice(1))) continue; // camelCase, API, iPhone
    if (/^\p{Lu}/u.test(word) && !startsSentence(text, start, { loose: true })) continue;
    words.push({ start, end });
  }
  return words;
}

/** Whether a span of `sorted` (by start), from index `from` on, overlaps `[start, end)`. */
function overlapsFrom(sorted: Span[], from: number, start: number, end: number): boolean {
  for (let i = from; i < sorted.length && sorted[i].start < end; i++) if (sorted[i].end > start) return true;
  return false;
}

/** The paragraphs of `text`: runs of non-blank lines, trimmed. */
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
