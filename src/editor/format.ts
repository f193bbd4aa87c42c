/** Formatting shared by the editor surfaces (no vscode dependency, unit-tested). */

/** A probability as a percentage with sensible precision: `42%`, `3.1%`, `0.04%`, `<0.01%`. */
export function percent(score: number): string {
  const p = score * 100;
  if (p >= 10) return `${p.toFixed(0)}%`;
  if (p >= 1) return `${p.toFixed(1)}%`;
  if (p >= 0.01) return `${p.toFixed(2)}%`;
  return '<0.01%';
}

/** A small text bar, `width` cells of full and light blocks, proportional to `score` (0..1). */
export function bar(score: number, width = 10): string {
  const filled = Math.max(0, Math.min(width, Math.round(score * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/**
 * Escapes text from a document for a Markdown string, so that it can neither
 * format nor link (no command links or HTML injected by a document).
 */
export function escapeMarkdown(text: string): string {
  // Every ASCII punctuation character may be backslash-escaped in CommonMark;
  // escaping `:` also keeps bare `command:` or `https:` text from linkifying.
  return text.replace(/[!-/:-@[-`{-~]/g, '\\$&').replace(/\r?\n/g, ' ');
}
