import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { checkableWords } from '../text/hint-words';
import { paragraphAt } from '../text/words';
import { blankSpans, markdownCodeSpans } from '../text/markdown-code';
import { hintThresholds, unlikelyWord } from '../text/unlikely-word';
import type { EngineHost } from './engine-host';
import { type CandidateChart, type ExplainModel, type HeatMap, type HeatWord, MAX_BARS, renderExplainHtml, type Section } from './explain-html';
import type { SettingsWatcher } from './settings-watcher';
import { masksAround, type Target, targetForSelection } from './targets';

export const EXPLAIN_SUGGESTIONS_COMMAND = 'cloze.explainSuggestions';

/** Quiet time after a cursor move or an edit before the panel asks the model again. */
const DEBOUNCE_MS = 300;

/** The most characters of a paragraph the heat map shows, around the cursor: a display limit (a paragraph is src/text/words.ts's; the heat map cuts a long one). */
const MAX_PARAGRAPH_CHARS = 2000;

/** The most words scored for the heat map, those nearest the cursor. */
const MAX_HEAT_WORDS = 200;

/** Alternatives kept per word of the heat map: the tooltip shows three; slips are looked for among these. */
const HEAT_ALTERNATIVES = 5;

/** Editors that are not documents the user writes: the Output panel's. */
const IGNORED_SCHEMES = new Set(['output', 'vscode-scm']);

const NO_TARGET = (): string => vscode.l10n.t('Put the cursor on a word or a [MASK] (or select a word) to see what the model would put there.');
const NO_PARAGRAPH = (): string => vscode.l10n.t('Put the cursor in a paragraph of prose to see how expected each of its words is.');

/**
 * "Cloze: Explain Suggestions": a panel beside the editor with the model's
 * candidates for the word or mask at the cursor as a bar chart, and a heat
 * map of how expected each word of the cursor's paragraph is. It follows the
 * cursor, edits and the active editor. One panel: running the command again
 * reveals it. The command returns what the panel shows once it is up to
 * date (an {@link ExplainModel}).
 */
export function registerExplainSuggestionsCommand(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): vscode.Disposable {
  let panel: ExplainPanel | undefined;
  const command = vscode.commands.registerCommand(EXPLAIN_SUGGESTIONS_COMMAND, () => {
    if (panel) return panel.reveal();
    const created = new ExplainPanel(host, settings, log, () => {
      if (panel === created) panel = undefined;
    });
    panel = created;
    return created.refresh();
  });
  return new vscode.Disposable(() => {
    command.dispose();
    panel?.dispose();
  });
}

class ExplainPanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The editor explained: the active one, or the last one while the panel itself has focus. */
  private editor: vscode.TextEditor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerEvenHidden = false;
  private cancel: vscode.CancellationTokenSource | undefined;
  /** Counts updates: only the latest may show its result. */
  private generation = 0;
  private running = false;
  /** What the latest update was for; an update for the same thing again is skipped. */
  private key = '';
  /** The latest heat map and what it was computed for, reused while only the cursor's word changes. */
  private heat: { key: string; map: HeatMap } | undefined;
  private model: ExplainModel = { chart: { kind: 'message', text: vscode.l10n.t('Starting'), busy: true }, heatMap: { kind: 'message', text: vscode.l10n.t('Starting'), busy: true } };
  private readonly waiting: ((model: ExplainModel) => void)[] = [];
  private disposed = false;

  constructor(
    private readonly host: EngineHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
    private readonly onDispose: () => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(
      'cloze.explainSuggestions',
      vscode.l10n.t('Cloze: Explain Suggestions'),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      // Rendered on this side: the page needs no script and loads nothing.
      { enableScripts: false, enableForms: false, localResourceRoots: [] },
    );
    this.editor = usable(vscode.window.activeTextEditor);
    this.subscriptions.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.onDidChangeViewState(() => {
        if (this.panel.visible) this.schedule();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        // Focus in the panel itself (or in no editor) leaves the last editor explained.
        if (usable(editor)) {
          this.editor = editor;
          this.schedule();
        }
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        if (this.editor && !editors.includes(this.editor)) {
          this.editor = usable(vscode.window.activeTextEditor);
          this.schedule();
        }
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.textEditor === this.editor) this.schedule();
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === this.editor?.document && event.contentChanges.length > 0) this.schedule();
      }),
      this.settings.onDidChange(() => this.schedule(true)),
    );
  }

  /**
   * Shows the panel and resolves with what it shows for the active editor
   * and its cursor as they are now, once nothing newer is pending. A hidden
   * panel, or one that shows something else, updates now: the events that
   * would have told it of a new editor or cursor may not have arrived yet
   * (the workbench reports them a moment later, longer on a busy machine
   * or a large document), so it does not wait for them.
   */
  reveal(): Promise<ExplainModel> {
    const hidden = !this.panel.visible;
    this.panel.reveal(undefined, true);
    const active = usable(vscode.window.activeTextEditor);
    if (active) this.editor = active;
    if (hidden || this.key === '' || this.view().key !== this.key) this.schedule(false, 0, true);
    return this.settled();
  }

  /** Updates now, whatever was shown, and resolves with what the panel shows once nothing newer is pending. */
  refresh(): Promise<ExplainModel> {
    this.schedule(true, 0, true);
    return this.settled();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.cancel?.cancel();
    this.cancel?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.panel.dispose();
    for (const resolve of this.waiting.splice(0)) resolve(this.model);
    this.onDispose();
  }

  /**
   * Updates after {@link DEBOUNCE_MS} of quiet (or `delay` ms): `force` even
   * when the cursor's word and paragraph are unchanged, `evenHidden` even
   * when the panel is not visible (yet: `visible` changes only when the
   * workbench says so, after a reveal).
   */
  private schedule(force = false, delay = DEBOUNCE_MS, evenHidden = false): void {
    if (this.disposed) return;
    if (force) this.key = '';
    evenHidden ||= this.timerEvenHidden && this.timer !== undefined;
    clearTimeout(this.timer);
    this.timerEvenHidden = evenHidden;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update(evenHidden);
    }, delay);
  }

  private settled(): Promise<ExplainModel> {
    if (this.disposed || (!this.running && this.timer === undefined)) return Promise.resolve(this.model);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async update(evenHidden: boolean): Promise<void> {
    if (this.disposed) return;
    const view = this.view();
    const hidden = !this.panel.visible && !evenHidden;
    // A hidden panel waits (it updates when shown again), and the same word and paragraph need no new answer.
    if (hidden || view.key === this.key) {
      if (hidden) this.key = '';
      if (!this.running) this.answerWaiting();
      return;
    }
    this.key = view.key;
    const generation = ++this.generation;
    this.cancel?.cancel();
    this.cancel?.dispose();
    const cancel = new vscode.CancellationTokenSource();
    this.cancel = cancel;
    this.running = true;
    try {
      await this.explain(view, cancel.token, generation);
    } catch (error) {
      // Nothing thrown here may reach the user as a crash: say it in the panel.
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`Explain Suggestions failed: ${message}`);
      if (generation === this.generation) {
        this.key = '';
        this.show({ notice: vscode.l10n.t('Cloze could not explain this: {0} (see “Cloze: Show Log”).', message), chart: this.model.chart, heatMap: this.model.heatMap });
      }
    } finally {
      if (generation === this.generation) {
        this.running = false;
        this.answerWaiting();
      }
    }
  }

  /** Answers those waiting for the panel to settle, unless an update is scheduled. */
  private answerWaiting(): void {
    if (this.timer === undefined) for (const resolve of this.waiting.splice(0)) resolve(this.model);
  }

  /** What to explain now, and a key that changes when that does. */
  private view(): View {
    const settings = this.settings.current;
    const editor = this.editor;
    if (!settings.enable) return { key: 'off', notice: vscode.l10n.t('Cloze is turned off (setting cloze.enable). Run “Cloze: Enable/Disable” to turn it on.') };
    if (!editor || editor.document.isClosed) return { key: 'none', notice: vscode.l10n.t('Open a text document and put the cursor on a word or a [MASK]: this panel explains what the model suggests there.') };
    const { document } = editor;
    if (!settings.languages.includes(document.languageId)) {
      return { key: `language:${document.languageId}`, notice: vscode.l10n.t('Cloze is not enabled for {0} files (setting cloze.languages).', document.languageId) };
    }
    const target = targetForSelection(document, editor.selection);
    const paragraph = paragraphAround(document, editor.selection.active);
    const heatKey = paragraph && JSON.stringify([document.uri.toString(), document.version, paragraph.base, paragraph.text.length]);
    const key = JSON.stringify([document.uri.toString(), document.version, target?.range, heatKey]);
    return { key, document, target, paragraph, heatKey };
  }

  private async explain(view: View, token: vscode.CancellationToken, generation: number): Promise<void> {
    if (view.notice !== undefined || !view.document) {
      this.show({ notice: view.notice, chart: { kind: 'message', text: '' }, heatMap: { kind: 'message', text: '' } });
      return;
    }
    const { document, target, paragraph, heatKey } = view;
    const source = fileName(document);
    const cachedHeat = this.heat && this.heat.key === heatKey ? this.heat.map : undefined;
    const loading = this.host.currentState.kind === 'idle' || this.host.currentState.kind === 'loading';
    const waitText = loading ? vscode.l10n.t('Loading the model') : vscode.l10n.t('Asking the model');
    let chart: Section<CandidateChart> = target ? { kind: 'message', text: waitText, busy: true } : { kind: 'message', text: NO_TARGET() };
    let heatMap: Section<HeatMap> = !paragraph
      ? { kind: 'message', text: NO_PARAGRAPH() }
      : cachedHeat
        ? { kind: 'ready', data: { ...cachedHeat, current: currentIn(document, paragraph, target) } }
        : { kind: 'message', text: waitText, busy: true };
    // While the model loads, say so; otherwise keep the previous picture until the new one is ready (no flicker).
    if (loading || this.model.notice !== undefined || this.model.source !== source) this.show({ source, chart, heatMap });

    const engine = await this.host.getEngine();
    if (token.isCancellationRequested || generation !== this.generation) return;
    if (!engine) {
      this.show({ source, notice: vscode.l10n.t('No model yet: choose one with “Cloze: Select Model”, “Cloze: Download Model” or “Cloze: Choose Local Model Folder”.'), chart, heatMap });
      return;
    }

    if (target) {
      chart = await this.chartFor(document, target, token);
      if (token.isCancellationRequested || generation !== this.generation) return;
      this.show({ source, chart, heatMap });
    }
    if (paragraph && !cachedHeat && heatKey !== undefined) {
      const map = await this.heatMapFor(document, paragraph, token);
      if (token.isCancellationRequested || generation !== this.generation) return;
      if (map.kind === 'ready') {
        this.heat = { key: heatKey, map: map.data };
        heatMap = { kind: 'ready', data: { ...map.data, current: currentIn(document, paragraph, target) } };
      } else {
        heatMap = map;
      }
      this.show({ source, chart, heatMap });
    }
  }

  private async chartFor(document: vscode.TextDocument, target: Target, token: vscode.CancellationToken): Promise<Section<CandidateChart>> {
    const masks = masksAround(document, target);
    const index = masks.findIndex((m) => m.range.isEqual(target.range));
    try {
      const results = await this.host.fill({ document, ranges: masks.map((m) => m.range), primary: index, caller: 'explain', token, topK: MAX_BARS });
      if (!results) return { kind: 'message', text: vscode.l10n.t('Waiting for the document to settle'), busy: true };
      const result = results[index];
      if (!result) return { kind: 'message', text: vscode.l10n.t('No suggestions here (Markdown code is skipped).') };
      return {
        kind: 'ready',
        data: {
          target: target.text,
          isMaskToken: target.isMaskToken,
          candidates: result.suggestions.map((s) => ({ word: s.word, score: s.score })),
          ...(result.original ? { original: { word: target.text, score: result.original.score } } : {}),
        },
      };
    } catch (error) {
      return this.failed('candidates', error);
    }
  }

  private async heatMapFor(document: vscode.TextDocument, paragraph: Paragraph, token: vscode.CancellationToken): Promise<Section<HeatMap>> {
    const { text, base, cursor } = paragraph;
    // Words in Markdown code are not prose: blank the code before picking words (offsets stay).
    const prose = document.languageId === 'markdown' ? blankSpans(text, markdownCodeSpans(text).spans) : text;
    const distance = (s: { start: number; end: number }) => (cursor < s.start ? s.start - cursor : Math.max(0, cursor - s.end));
    const spans = checkableWords(prose)
      .sort((a, b) => distance(a) - distance(b))
      .slice(0, MAX_HEAT_WORDS)
      .sort((a, b) => a.start - b.start);
    if (spans.length === 0) return { kind: 'ready', data: { text, words: [] } };
    const range = (s: { start: number; end: number }) => new vscode.Range(document.positionAt(base + s.start), document.positionAt(base + s.end));
    try {
      const result = await this.host.check({ document, words: spans.map(range), caller: 'explain', token, topK: HEAT_ALTERNATIVES });
      if (!result) return { kind: 'message', text: vscode.l10n.t('Waiting for the document to settle'), busy: true };
      const checked = new Map(result.checked.map((c) => [document.offsetAt(c.range.start) - base, c]));
      // The same rule as the unlikely-word hints, with the thresholds in force and the ignored words.
      const hints = this.settings.current.hints;
      const thresholds = hintThresholds(hints, this.host.modelProfile.hints);
      const words: HeatWord[] = spans.map((s) => {
        const check = checked.get(s.start);
        if (!check) return { ...s, alternatives: [] };
        const slip = hints.ignore.includes(check.text.toLowerCase()) ? undefined : unlikelyWord(check, thresholds);
        return {
          ...s,
          score: check.score,
          alternatives: check.alternatives.map((a) => ({ word: a.word, score: a.score })),
          ...(slip ? { slipFor: slip.word } : {}),
        };
      });
      return { kind: 'ready', data: { text, words } };
    } catch (error) {
      return this.failed('heat map', error);
    }
  }

  private failed(what: string, error: unknown): Section<never> {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(`Explain Suggestions (${what}): ${message}`);
    return { kind: 'message', text: vscode.l10n.t('The model failed: {0} (see “Cloze: Show Log”).', message) };
  }

  private show(model: ExplainModel): void {
    if (this.disposed) return;
    this.model = model;
    // A fresh nonce per page: a nonce must not be guessable from an earlier one.
    this.panel.webview.html = renderExplainHtml(model, { nonce: randomBytes(18).toString('base64'), cspSource: this.panel.webview.cspSource, localize: vscode.l10n.t });
  }
}

/** A paragraph of a document: its text (maybe a slice, see `paragraphAt`) and where it starts. */
interface Paragraph {
  text: string;
  /** The offset of `text` in the document. */
  base: number;
  /** The cursor, as an offset into `text`. */
  cursor: number;
}

type View =
  | { key: string; notice: string; document?: undefined; target?: undefined; paragraph?: undefined; heatKey?: undefined }
  | { key: string; notice?: undefined; document: vscode.TextDocument; target: Target | undefined; paragraph: Paragraph | undefined; heatKey: string | undefined };

/**
 * The paragraph around `position`: lines up to the nearest blank ones, read
 * only as far as {@link MAX_PARAGRAPH_CHARS} on each side, so a huge document
 * (or a huge line) costs no more than its neighbourhood; then cut by
 * `paragraphAt`. Undefined on a blank line.
 */
function paragraphAround(document: vscode.TextDocument, position: vscode.Position): Paragraph | undefined {
  const line = document.lineAt(position.line);
  if (line.isEmptyOrWhitespace) return undefined;
  let first = position.line;
  let before = position.character;
  while (first > 0 && before < MAX_PARAGRAPH_CHARS && !document.lineAt(first - 1).isEmptyOrWhitespace) {
    first--;
    before += document.lineAt(first).text.length + 1;
  }
  let last = position.line;
  let after = line.text.length - position.character;
  while (last < document.lineCount - 1 && after < MAX_PARAGRAPH_CHARS && !document.lineAt(last + 1).isEmptyOrWhitespace) {
    last++;
    after += document.lineAt(last).text.length + 1;
  }
  // A long line is read only around the cursor.
  const cursor = document.offsetAt(position);
  const start = Math.max(document.offsetAt(new vscode.Position(first, 0)), cursor - MAX_PARAGRAPH_CHARS);
  const end = Math.min(document.offsetAt(document.lineAt(last).range.end), cursor + MAX_PARAGRAPH_CHARS);
  const window = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end)));
  const span = paragraphAt(window, cursor - start, MAX_PARAGRAPH_CHARS);
  return span && { text: window.slice(span.start, span.end), base: start + span.start, cursor: cursor - start - span.start };
}

/** The target's place in the paragraph's text, when it lies there. */
function currentIn(document: vscode.TextDocument, paragraph: Paragraph, target: Target | undefined): HeatMap['current'] {
  if (!target) return undefined;
  const start = document.offsetAt(target.range.start) - paragraph.base;
  const end = document.offsetAt(target.range.end) - paragraph.base;
  return start >= 0 && end <= paragraph.text.length ? { start, end } : undefined;
}

function usable(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
  return editor && !IGNORED_SCHEMES.has(editor.document.uri.scheme) ? editor : undefined;
}

function fileName(document: vscode.TextDocument): string {
  const path = document.uri.path;
  return path.slice(path.lastIndexOf('/') + 1) || document.uri.toString(true);
}
