/**
 * Prose paragraphs out of Markdown documentation, for the context-window study
 * (test/bench/window-study.ts): what a writer's paragraphs look like, with the
 * code, tables, HTML, headings, lists, link targets and badges taken out.
 */
import { blankSpans, markdownCodeSpans } from '../../src/text/markdown-code';
import type { Span } from '../../src/engine/types';

/** Options for {@link markdownProse}. */
export interface ProseOptions {
  /**
   * The fewest words a paragraph needs to count.
   * @default 8
   */
  minWords?: number;
}

/** A word: letters or digits, with inner apostrophes, hyphens and dots (`don't`, `well-known`, `v1.2`). */
const WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}]|['’.-](?=[\p{L}\p{N}]))*/gu;

/**
 * The prose paragraphs of a Markdown document, each on one line with single spaces.
 *
 * Fenced and inline code are dropped (src/text/markdown-code.ts), then the document is cut
 * into blocks at blank lines. A block is dropped when it is a heading, a table, a list, a
 * quote-less HTML block, a link reference definition, a line of badges or images, or front
 * matter. In the rest, images and HTML tags go, `[text](target)` keeps its text, bare and
 * angle-bracket URLs go, and emphasis markers go. What remains counts as prose when it has
 * at least `minWords` words, at least 80 % of its whitespace-separated pieces are words, it
 * starts with a letter, digit or opening quote/bracket, and ends with `.`, `!`, `?` or `:`
 * (after closing quotes or brackets).
 */
export function markdownProse(markdown: string, options: ProseOptions = {}): string[] {
  const minWords = options.minWords ?? 8;
  if (!Number.isInteger(minWords) || minWords < 1) throw new RangeError(`Expected \`minWords\` to be a positive integer, got \`${minWords}\``);
  const text = markdown.replace(/\r\n?/g, '\n');
  const withoutCode = blankSpans(text, markdownCodeSpans(text).spans).replace(/<!--[\s\S]*?-->/g, ' ');
  const paragraphs: string[] = [];
  for (const block of withoutCode.split(/\n[^\S\n]*\n/)) {
    const lines = block.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    if (lines.length === 0 || !isProseBlock(lines)) continue;
    const joined = lines.map((l) => l.replace(/^>\s?/, '')).join(' ');
    const prose = cleanInline(joined);
    if (looksLikeProse(prose, minWords)) paragraphs.push(prose);
  }
  return paragraphs;
}

/** Whether a block's lines can be a paragraph (rather than a heading, table, list, HTML...). */
function isProseBlock(lines: string[]): boolean {
  const first = lines[0];
  if (/^#{1,6}(\s|$)/.test(first)) return false; // ATX heading
  if (lines.some((l) => /^(=+|-+)$/.test(l))) return false; // setext heading or rule
  if (lines.some((l) => /^\|/.test(l) || /\|\s*:?-{3,}/.test(l))) return false; // table
  if (/^([-*+]|\d+[.)])\s/.test(first)) return false; // list
  if (/^</.test(first)) return false; // HTML block
  if (/^\[[^\]]+\]:\s/.test(first)) return false; // link reference definitions
  if (/^(\*\*\*+|___+|---+)$/.test(first)) return false;
  // Badges and image rows: lines that are only images and links.
  const badge = /^(\[?!\[[^\]]*\]\([^)]*\)\]?(\([^)]*\))?\s*)+$/;
  if (lines.some((l) => badge.test(l))) return false;
  return true;
}

/** Inline Markdown and HTML reduced to its text. */
function cleanInline(line: string): string {
  return line
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ') // images
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // [text](target)
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1') // [text][ref]
    .replace(/<(https?:|mailto:)[^>]*>/g, ' ') // autolinks
    .replace(/<\/?[A-Za-z][^>]*>/g, ' ') // HTML tags
    .replace(/\bhttps?:\/\/\S+/g, ' ') // bare URLs
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/(\*\*|__|\*|~~)(?=\S)([^*~]*?\S)\1/g, '$2') // emphasis
    .replace(/\s+/g, ' ')
    .trim();
}

function looksLikeProse(paragraph: string, minWords: number): boolean {
  const pieces = paragraph.split(' ').filter((p) => p.length > 0);
  const words = pieces.filter((p) => /^["'“‘(]*[\p{L}][\p{L}'’-]*[)"'”’]*[.,;:!?]*[)"'”’]*$/u.test(p));
  if (words.length < minWords || words.length < 0.8 * pieces.length) return false;
  if (!/^["'“‘(]*[\p{L}\p{N}]/u.test(paragraph)) return false;
  return /[.!?:]["'”’)\]]*$/u.test(paragraph);
}

/**
 * The sentences of a one-line paragraph, as spans: a sentence ends at `.`, `!`, `?` or `…`
 * (and closing quotes or brackets) followed by whitespace, the rule the context window uses
 * for whole sentences (src/engine/window/mask-window.ts), so `e.g. this` splits there too. Spans
 * start and end on text, not whitespace, and cover every word.
 */
export function sentenceSpans(paragraph: string): Span[] {
  const spans: Span[] = [];
  let start = paragraph.search(/\S/);
  if (start < 0) return spans;
  const ends = /[.!?…]["'”’»)\]]*(?=\s)/gu;
  let match: RegExpExecArray | null;
  while ((match = ends.exec(paragraph))) {
    const end = match.index + match[0].length;
    if (end <= start) continue;
    spans.push({ start, end });
    const next = paragraph.slice(end).search(/\S/);
    if (next < 0) return spans;
    start = end + next;
  }
  const last = paragraph.trimEnd().length;
  if (last > start) spans.push({ start, end: last });
  return spans;
}

/** The words of a text, as spans (see the word pattern above: no surrounding punctuation). */
export function wordSpans(text: string): Span[] {
  return [...text.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}
