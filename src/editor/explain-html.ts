/**
 * The HTML of the Explain Suggestions panel, built from plain data (no vscode
 * here: unit-tested). Everything is rendered on the extension side: the page
 * runs no script, and its only styles are one `<style>` element carrying the
 * nonce of a strict Content-Security-Policy (inline `style` attributes would
 * need `'unsafe-inline'`), so bar widths and heat levels are classes defined
 * there. Colours are VS Code's theme variables only, so the page follows
 * light, dark and high-contrast themes.
 */
import { percent } from './format';

/** A word with its probability at a position, 0..1. */
export interface Candidate {
  word: string;
  score: number;
}

/** What the model would put at the cursor's word or mask. */
export interface CandidateChart {
  /** The word or mask explained, as the document has it. */
  target: string;
  isMaskToken: boolean;
  /** The best candidates, best first (the word itself excluded). */
  candidates: Candidate[];
  /** The word's own probability where it stands, when the vocabulary has it as one piece. */
  original?: Candidate;
}

/** One word of a {@link HeatMap}. */
export interface HeatWord {
  /** Offsets into `HeatMap.text`. */
  start: number;
  end: number;
  /** The word's probability with it masked, 0..1; undefined when not scored (several vocabulary pieces, code). */
  score?: number;
  /** The best other words there, best first. */
  alternatives: Candidate[];
  /** The word a writer probably meant, when the model is sure this one is a slip (`their` for `there`). */
  slipFor?: string;
}

/** How expected each word of a paragraph is. */
export interface HeatMap {
  /** The paragraph's text. */
  text: string;
  /** The words checked or skipped, in order, not overlapping. */
  words: HeatWord[];
  /** The word or mask at the cursor, as offsets into `text`, outlined. */
  current?: { start: number; end: number };
}

/** A part of the panel: its data, or a line saying why there is none (yet). */
export type Section<T> = { kind: 'ready'; data: T } | { kind: 'message'; text: string; busy?: boolean };

/** Everything the panel shows; also what `cloze.explainSuggestions` returns. */
export interface ExplainModel {
  /** The document explained (its file name), for the heading. */
  source?: string;
  /** A message for the whole panel in place of the sections: Cloze off, no editor, no model. */
  notice?: string;
  chart: Section<CandidateChart>;
  heatMap: Section<HeatMap>;
}

/** Where the page runs, from the webview. */
export interface PageContext {
  /** A fresh random nonce for this rendering: base64 characters, at least 16. */
  nonce: string;
  /** `webview.cspSource`. */
  cspSource: string;
  /**
   * Translates a message of the page, as `vscode.l10n.t` does (`{0}` … filled
   * from the arguments). @default English, placeholders filled
   */
  localize?: Localize;
}

/** Candidates the chart shows at most (the current word comes in addition). */
export const MAX_BARS = 10;

/** A probability of `10 ** -HEAT_DECADES` or less gets the full heat colour. */
export const HEAT_DECADES = 4;

/** Heat levels are drawn in this many steps above 0. */
export const HEAT_STEPS = 10;

/** The strongest heat colour, as the theme colour's share in `color-mix()`, in percent. */
const MAX_HEAT_MIX = 70;

/**
 * How unexpected a probability is, from 0 (probability 1) to 1 (at most
 * `10 ** -HEAT_DECADES`), linear in its logarithm: each factor of ten less
 * probable adds `1 / HEAT_DECADES`. Not a number, or 0, is 1.
 */
export function heatLevel(score: number): number {
  if (!(score > 0)) return 1;
  return Math.min(1, Math.max(0, -Math.log10(score) / HEAT_DECADES));
}

/** {@link heatLevel} rounded to one of the drawn steps, 0 to {@link HEAT_STEPS}. */
export function heatStep(score: number): number {
  return Math.round(heatLevel(score) * HEAT_STEPS);
}

/** A translation function: `vscode.l10n.t`'s shape. */
export type Localize = (message: string, ...args: (string | number)[]) => string;

/** The page's messages in English: `{0}`, `{1}` … replaced by the arguments. */
export const english: Localize = (message, ...args) => message.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));

/** Escapes text for HTML content and for attribute values in double or single quotes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * The chart's rows, best first: the candidates (at most {@link MAX_BARS})
 * and the current word among them by its probability, each with its bar's
 * width in percent of the longest bar.
 */
export function chartRows(chart: CandidateChart): { word: string; score: number; width: number; isOriginal: boolean }[] {
  const rows = chart.candidates.slice(0, MAX_BARS).map((c) => ({ ...c, isOriginal: false }));
  if (chart.original) rows.push({ ...chart.original, isOriginal: true });
  rows.sort((a, b) => b.score - a.score);
  const longest = Math.max(0, ...rows.map((r) => r.score));
  return rows.map((r) => ({ ...r, width: longest > 0 ? (100 * Math.max(0, r.score)) / longest : 0 }));
}

/**
 * The panel's page for `model`.
 * @throws {TypeError} when the nonce is not base64 text of at least 16 characters.
 */
export function renderExplainHtml(model: ExplainModel, page: PageContext): string {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(page.nonce)) {
    throw new TypeError(`Expected \`nonce\` to be base64 text of at least 16 characters, got \`${page.nonce}\``);
  }
  const localize = page.localize ?? english;
  const rules: string[] = [];
  const body = model.notice !== undefined
    ? `<p class="notice">${escapeHtml(model.notice)}</p>`
    : [renderChartSection(model.chart, rules, localize), renderHeatSection(model.heatMap, localize)].join('\n');
  const heading = model.source === undefined ? '' : `<p class="source">${escapeHtml(model.source)}</p>\n`;
  const csp = `default-src 'none'; style-src ${page.cspSource} 'nonce-${page.nonce}'; script-src 'none'; img-src 'none'; font-src 'none'; form-action 'none';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp.replace(/[&"<>]/g, (c) => ESCAPES[c] ?? c)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(localize('Cloze: Explain Suggestions'))}</title>
<style nonce="${page.nonce}">
${STYLES}
${heatRules()}
${rules.join('\n')}
</style>
</head>
<body>
${heading}${body}
</body>
</html>
`;
}

function renderChartSection(section: Section<CandidateChart>, rules: string[], localize: Localize): string {
  if (section.kind === 'message') {
    return `<section class="chart-section">\n<h2>${escapeHtml(localize('Candidates'))}</h2>\n${message(section)}\n</section>`;
  }
  const chart = section.data;
  const title = chart.isMaskToken ? localize('Candidates for {0}', chart.target) : localize('Candidates for “{0}”', chart.target);
  const rows = chartRows(chart);
  const lines = rows.map((row, i) => {
    rules.push(`.bar-${i} { width: ${row.width.toFixed(2)}%; }`);
    const tag = row.isOriginal ? ` <span class="tag">${escapeHtml(localize('current'))}</span>` : '';
    return `<tr class="row${row.isOriginal ? ' original' : ''}"><th scope="row" class="label">${escapeHtml(row.word)}${tag}</th>`
      + `<td class="track"><span class="bar bar-${i}"></span></td><td class="pct">${escapeHtml(percent(row.score))}</td></tr>`;
  });
  const empty = rows.length === 0 ? `\n<p class="message">${escapeHtml(localize('The model has no candidates here.'))}</p>` : '';
  const note = chart.original === undefined && !chart.isMaskToken
    ? `\n<p class="note">${escapeHtml(localize('“{0}” is more than one vocabulary piece for the model: it has no probability of its own here.', chart.target))}</p>`
    : '';
  return `<section class="chart-section">
<h2>${escapeHtml(title)}</h2>
<table class="chart" aria-label="${escapeHtml(title)}">
${lines.join('\n')}
</table>${empty}${note}
<p class="note">${escapeHtml(localize('Each candidate\'s probability at this position; the longest bar is the most probable word.'))}</p>
</section>`;
}

function renderHeatSection(section: Section<HeatMap>, localize: Localize): string {
  const heading = `<h2>${escapeHtml(localize('How expected each word is'))}</h2>`;
  if (section.kind === 'message') {
    return `<section class="heat-section">\n${heading}\n${message(section)}\n</section>`;
  }
  const { text, words, current } = section.data;
  const valid = [...words].sort((a, b) => a.start - b.start).filter((w, i, all) => w.start >= 0 && w.end > w.start && w.end <= text.length && (i === 0 || w.start >= all[i - 1].end));
  // The cursor's word is outlined; when it is not one of the words (a mask, a name), in the plain text.
  const currentWord = current && valid.find((w) => w.start < current.end && current.start < w.end);
  let html = '';
  let at = 0;
  const plain = (end: number) => {
    if (current && !currentWord && current.start >= at && current.end <= end && current.end > current.start) {
      html += `${escapeHtml(text.slice(at, current.start))}<span class="current">${escapeHtml(text.slice(current.start, current.end))}</span>`;
      at = current.end;
    }
    html += escapeHtml(text.slice(at, end));
    at = end;
  };
  for (const word of valid) {
    plain(word.start);
    html += renderWord(text.slice(word.start, word.end), word, word === currentWord, localize);
    at = word.end;
  }
  plain(text.length);
  return `<section class="heat-section">
${heading}
<div class="heat">${html}</div>
${legend(localize)}
</section>`;
}

function renderWord(text: string, word: HeatWord, isCurrent: boolean, localize: Localize): string {
  const current = isCurrent ? ' current' : '';
  if (word.score === undefined) {
    return `<span class="w skipped${current}" title="${escapeHtml(localize('{0}: not scored (several vocabulary pieces, or code)', text))}">${escapeHtml(text)}</span>`;
  }
  const lines = [localize('{0}: {1} here', text, percent(word.score))];
  const top = word.alternatives.slice(0, 3);
  if (top.length > 0) lines.push(localize('Instead: {0}', top.map((a) => `${a.word} ${percent(a.score)}`).join(', ')));
  if (word.slipFor !== undefined) lines.push(localize('Probably meant: {0}', word.slipFor));
  const classes = `w h${heatStep(word.score)}${word.slipFor === undefined ? '' : ' slip'}${current}`;
  // A line break in an attribute value must be a character reference to survive as one.
  const title = lines.map(escapeHtml).join('&#10;');
  return `<span class="${classes}" title="${title}">${escapeHtml(text)}</span>`;
}

function message(section: { text: string; busy?: boolean }): string {
  return `<p class="message${section.busy ? ' busy' : ''}">${escapeHtml(section.text)}</p>`;
}

/** One class per heat step: the theme's red mixed into transparent by the step's level. */
function heatRules(): string {
  const rules: string[] = [];
  for (let step = 0; step <= HEAT_STEPS; step++) {
    const share = Math.round((step / HEAT_STEPS) * MAX_HEAT_MIX);
    rules.push(`.h${step} { background-color: color-mix(in srgb, var(--vscode-charts-red) ${share}%, transparent); }`);
  }
  return rules.join('\n');
}

function legend(localize: Localize): string {
  // One swatch per factor of ten, labelled with the probability it stands for.
  const swatches = Array.from({ length: HEAT_DECADES + 1 }, (_, decade) => {
    const label = `${decade === HEAT_DECADES ? '≤ ' : ''}${(100 / 10 ** decade).toString()}%`;
    return `<span class="swatch h${heatStep(10 ** -decade)}">${escapeHtml(label)}</span>`;
  });
  return `<p class="legend">${swatches.join('')}
<span class="swatch"><span class="w slip">${escapeHtml(localize('slip'))}</span></span>
<span class="swatch"><span class="w skipped">${escapeHtml(localize('not scored'))}</span></span></p>
<p class="note">${escapeHtml(localize('Each word\'s probability where it stands, with it masked: the redder, the less expected.'))}
${escapeHtml(localize('Hover a word for its probability and the model\'s alternatives. A wavy underline marks a probable slip (such as “there” for “their”).'))}</p>`;
}

const STYLES = `
body {
  color: var(--vscode-editor-foreground);
  background-color: var(--vscode-editor-background);
  font-family: var(--vscode-font-family);
  font-size: var(--vscode-font-size);
  padding: 0 16px 16px;
}
h2 { font-size: 1.1em; font-weight: 600; margin: 1.2em 0 0.5em; }
.source { color: var(--vscode-descriptionForeground); margin: 0.8em 0 0; }
.notice, .message { color: var(--vscode-descriptionForeground); }
.busy::after { content: ' …'; }
.note { color: var(--vscode-descriptionForeground); font-size: 0.9em; margin: 0.5em 0; }
.chart { border-collapse: collapse; width: 100%; max-width: 640px; }
.chart th, .chart td { padding: 2px 6px; }
.label {
  font-family: var(--vscode-editor-font-family);
  font-weight: normal;
  text-align: right;
  white-space: nowrap;
  width: 1%;
}
.track { width: auto; }
.bar {
  display: block;
  height: 1.1em;
  min-width: 1px;
  background-color: var(--vscode-charts-blue);
}
.original .bar { background-color: var(--vscode-charts-orange); }
.original .label { font-weight: 600; }
.tag {
  color: var(--vscode-descriptionForeground);
  font-family: var(--vscode-font-family);
  font-size: 0.85em;
  font-weight: normal;
}
.pct { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; width: 1%; }
.heat {
  font-family: var(--vscode-editor-font-family);
  font-size: var(--vscode-editor-font-size);
  line-height: 1.9;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  max-width: 72ch;
}
.w { border-radius: 3px; padding: 1px 0; }
.skipped { text-decoration: underline dotted var(--vscode-descriptionForeground); }
.slip { text-decoration: underline wavy var(--vscode-editorError-foreground, var(--vscode-charts-red)); }
.current { outline: 1px solid var(--vscode-focusBorder); border-radius: 3px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 0.8em 0 0.3em; }
.swatch {
  border: 1px solid var(--vscode-widget-border, var(--vscode-editorWidget-border, transparent));
  border-radius: 3px;
  font-size: 0.85em;
  padding: 1px 6px;
}`;
