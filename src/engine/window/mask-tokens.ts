import type { Span } from '../types';

/**
 * Every occurrence of a typed mask marker in a text, left to right, not overlapping.
 * Matching is exact and case-sensitive, as the tokenizer matches its mask token.
 * @param text Any text.
 * @param maskToken The marker, e.g. `[MASK]`.
 * @returns Spans in UTF-16 offsets; empty when there is none.
 * @throws {RangeError} When `maskToken` is empty.
 */
export function findMaskTokens(text: string, maskToken: string): Span[] {
  if (typeof maskToken !== 'string' || maskToken.length === 0) {
    throw new RangeError(`Expected \`maskToken\` to be a non-empty string, got \`${String(maskToken)}\``);
  }
  const spans: Span[] = [];
  for (let at = text.indexOf(maskToken); at >= 0; at = text.indexOf(maskToken, at + maskToken.length)) {
    spans.push({ start: at, end: at + maskToken.length });
  }
  return spans;
}
