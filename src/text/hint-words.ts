import type { Span } from '../engine/types';
import { startsSentence, wordsOf } from './words';

/**
 * Which words of prose are worth checking for the unlikely-word hints. What a
 * word, a sentence and a paragraph are is src/text/words.ts's. No vscode
 * here: the editor and the tests share it.
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
