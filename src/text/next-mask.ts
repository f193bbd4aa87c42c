/**
 * Where the cursor goes after a word was accepted for a mask: on to the next
 * blank of the same paragraph, the way a writer reads, never back.
 */
import type { Span } from '../engine/types';
import { markdownCodeSpans, overlapsAny } from './markdown-code';

export interface NextMaskOptions {
  /** What users type for a blank, e.g. `[MASK]`. */
  maskToken: string;
  /** Skip blanks inside Markdown code (code spans, fenced blocks). */
  markdown: boolean;
}

/**
 * The first mask token of `text` that starts at or after `from` and before
 * the paragraph ends (a blank line), outside Markdown code when
 * `options.markdown`. None before `from`: moving on never takes the writer
 * back past the text they are on, and a `[MASK]` shown as code is an example,
 * not a blank.
 * @param text The document, or a slice of it from a line outside any fenced block.
 * @param from An offset into `text`, 0 to `text.length`.
 * @throws {RangeError} for an offset outside `text` or an empty mask token.
 */
export function nextMask(text: string, from: number, options: NextMaskOptions): Span | undefined {
  if (!Number.isInteger(from) || from < 0 || from > text.length) {
    throw new RangeError(`Expected \`from\` to be an integer from 0 to ${text.length}, got \`${from}\``);
  }
  const { maskToken } = options;
  if (typeof maskToken !== 'string' || maskToken.length === 0) {
    throw new RangeError(`Expected \`maskToken\` to be a non-empty string, got \`${String(maskToken)}\``);
  }
  const blankLine = /\n[^\S\n]*(?:\n|$)/g;
  blankLine.lastIndex = from;
  const end = blankLine.exec(text)?.index ?? text.length;
  const code = options.markdown ? markdownCodeSpans(text.slice(0, end)).spans : [];
  for (let at = text.indexOf(maskToken, from); at >= 0 && at + maskToken.length <= end; at = text.indexOf(maskToken, at + maskToken.length)) {
    const span = { start: at, end: at + maskToken.length };
    if (!overlapsAny(span, code)) return span;
  }
  return undefined;
}
