/**
 * Finds code in Markdown so that it is neither masked nor used as context:
 * fenced blocks (``` or ~~~), indented blocks are left alone (prose indented
 * in lists is common), and inline code spans.
 */
import type { Span } from '../engine/types';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The spans of `text` that are Markdown code, in order. `insideFence` says
 * whether `text` starts inside a fenced block (when it is a slice of a larger
 * document), and the result's `insideFence` whether it ends inside one.
 */
export function markdownCodeSpans(text: string, insideFence = false): { spans: Span[]; insideFence: boolean } {
  const spans: Span[] = [];
  let fence: string | undefined = insideFence ? '```' : undefined;
  let fenceStart = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) {
        spans.push({ start: fenceStart, end: lineEnd });
        fence = undefined;
      }
    } else if (marker) {
      fence = marker;
      fenceStart = lineStart;
    } else {
      inlineCodeSpans(line, lineStart, spans);
    }
    lineStart = lineEnd + 1;
  }
  if (fence !== undefined) spans.push({ start: fenceStart, end: text.length });
  return { spans, insideFence: fence !== undefined };
}

/** Inline code: a run of N backticks closed by a run of exactly N backticks on the same line. */
function inlineCodeSpans(line: string, offset: number, spans: Span[]): void {
  const runs = /`+/g;
  let open: RegExpExecArray | null;
  while ((open = runs.exec(line))) {
    const closer = new RegExp(`(?<!\`)${open[0]}(?!\`)`, 'g');
    closer.lastIndex = open.index + open[0].length;
    const close = closer.exec(line);
    if (!close) continue;
    spans.push({ start: offset + open.index, end: offset + close.index + close[0].length });
    runs.lastIndex = close.index + close[0].length;
  }
}

/**
 * `text` with every character inside `spans` turned into a space (line breaks
 * kept), so offsets stay valid while the code no longer reads as prose.
 */
export function blankSpans(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const { start, end } of spans) {
    out += text.slice(at, start) + text.slice(start, end).replace(/[^\r\n]/g, ' ');
    at = end;
  }
  return out + text.slice(at);
}

/** True when `span` overlaps any of `spans`. */
export function overlapsAny(span: Span, spans: readonly Span[]): boolean {
  return spans.some((s) => span.start < s.end && s.start < span.end);
}
