import * as vscode from 'vscode';
import { isCancellation, LruCache, type Span, type Suggestion, type WordCheck } from '../engine';
import { hintThresholds, type HintThresholds, spelledAlike, unlikelyWord } from '../text/unlikely-word';
import { checkableWords } from '../text/hint-words';
import { PARAGRAPH_REACH_LINES, paragraphsOf, sentencesOf } from '../text/words';
import { delay } from './delay';
import type { EngineHost } from './engine-host';
import { percent } from './format';
import type { ClozeSettings } from './settings';
import { isEnabledFor, isTooLarge, type SettingsWatcher } from './settings-watcher';

/** The diagnostics' `source` and `code`. */
export const HINT_SOURCE = 'Cloze';
export const HINT_CODE = 'unlikely-word';
/** The quick fix's command: adds a word to `cloze.hints.ignore` (user settings). */
export const IGNORE_WORD_COMMAND = 'cloze.ignoreHintWord';

/** Milliseconds without typing or scrolling before a pass starts. */
const IDLE_MS = 1000;
/** Lines above and below the visible ones read to find whole paragraphs. */
const MARGIN_LINES = PARAGRAPH_REACH_LINES;
/** Sentences whose word scores are kept. */
const CACHE_SENTENCES = 2000;
/** Sentences longer than this are not checked: at this length, not prose. */
const MAX_SENTENCE_CHARS = 2000;
/** Words per request to the engine: about a paragraph, a few hundred milliseconds with bert-base. */
const BATCH_WORDS = 120;
/** Alternatives kept per word: the quick fixes offer up to three. */
const ALTERNATIVES = 8;

/** A word of a cached sentence, offsets relative to the sentence's start. */
interface CachedWord {
  start: number;
  end: number;
  check: Pick<WordCheck, 'text' | 'score' | 'alternatives'>;
}

/** A hint as shown: the diagnostic and the replacements its quick fixes offer. */
interface Hint {
  diagnostic: vscode.Diagnostic;
  replacements: string[];
}

/**
 * Unlikely-word hints (`cloze.hints.enabled`, off by default). While the user
 * is idle, the paragraphs on screen are checked word by word (each word
 * masked and scored where it stands, see `checkWords`); a word whose
 * alternative spelled alike is far more probable gets an Information
 * diagnostic with quick fixes.
 *
 * Cost is bounded three ways: only visible paragraphs, only sentences not
 * seen before (scores are cached per sentence text), and a CPU budget: after
 * each paragraph the pass sleeps in proportion to the time the paragraph
 * took. Requests go to the engine at background priority, so a suggestion
 * the user asks for never waits behind them. Any edit or scroll cancels the
 * pass; the next starts after {@link IDLE_MS} of quiet.
 */
export class HintsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('cloze');
  private readonly hints = new Map<string, Hint[]>();
  private readonly cache = new LruCache<string, CachedWord[]>(CACHE_SENTENCES);
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pass: vscode.CancellationTokenSource | undefined;
  private cacheKey = '';
  /** Requests to the engine so far and the model's milliseconds for them, for the log. */
  private readonly stats = { batches: 0, busyMs: 0 };

  constructor(
    private readonly host: EngineHost,
    private readonly settings: SettingsWatcher,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
        if (this.hintsOn(e.textEditor.document)) this.schedule();
      }),
      settings.onDidChange(() => this.onSettingsChanged()),
      vscode.commands.registerCommand(IGNORE_WORD_COMMAND, async (word: unknown) => {
        if (typeof word !== 'string' || word.trim() === '') return;
        const ignore = this.settings.current.hints.ignore;
        const key = word.trim().toLowerCase();
        if (ignore.includes(key)) return;
        await vscode.workspace.getConfiguration('cloze').update('hints.ignore', [...ignore, key], vscode.ConfigurationTarget.Global);
      }),
      vscode.languages.registerCodeActionsProvider({ scheme: '*' }, { provideCodeActions: (document, _range, context) => this.codeActions(document, context) }, {
        providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
      }),
    );
    this.schedule();
  }

  dispose(): void {
    this.cancel();
    for (const d of this.disposables) d.dispose();
  }

  /** Whether the hints are on for `document` (`[language]` overrides applied) and Cloze works in it. */
  private hintsOn(document: vscode.TextDocument): boolean {
    const current = this.settings.for(document);
    return current.hints.enabled && isEnabledFor(current, document);
  }

  private onSettingsChanged(): void {
    for (const [key] of this.hints) {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (!document || !this.hintsOn(document)) this.forget(vscode.Uri.parse(key));
    }
    // Thresholds apply to cached scores: show the change at once, then look for more.
    for (const editor of vscode.window.visibleTextEditors) if (this.hintsOn(editor.document)) this.publish(editor.document, undefined);
    this.schedule();
  }

  private schedule(): void {
    this.cancel();
    if (!vscode.window.visibleTextEditors.some((e) => this.hintsOn(e.document))) return;
    this.timer = setTimeout(() => void this.runPass(), IDLE_MS);
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pass?.cancel();
    this.pass?.dispose();
    this.pass = undefined;
  }

  private forget(uri: vscode.Uri): void {
    this.collection.delete(uri);
    this.hints.delete(uri.toString());
  }

  /** Drops the hints on lines an edit touched and moves the later ones with the text; then waits for quiet. */
  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    // Output channels (our own log among them) change all the time: only documents Cloze works in count.
    if (event.contentChanges.length === 0 || !this.hintsOn(event.document)) return;
    const key = event.document.uri.toString();
    let hints = this.hints.get(key);
    if (hints) {
      for (const change of event.contentChanges) {
        const added = (change.text.match(/\n/g) ?? []).length - (change.range.end.line - change.range.start.line);
        hints = hints.flatMap((hint) => {
          const range = hint.diagnostic.range;
          if (range.end.line < change.range.start.line) return [hint];
          if (range.start.line <= change.range.end.line) return [];
          hint.diagnostic.range = new vscode.Range(range.start.translate(added), range.end.translate(added));
          return [hint];
        });
      }
      this.hints.set(key, hints);
      this.collection.set(event.document.uri, hints.map((h) => h.diagnostic));
    }
    this.schedule();
  }

  private async runPass(): Promise<void> {
    const windowSettings = this.settings.current;
    const source = new vscode.CancellationTokenSource();
    this.pass = source;
    const token = source.token;
    const modelKey = JSON.stringify([windowSettings.model, windowSettings.modelPath]);
    if (modelKey !== this.cacheKey) {
      this.cache.clear();
      this.cacheKey = modelKey;
    }
    try {
      for (const editor of vscode.window.visibleTextEditors) {
        const document = editor.document;
        if (token.isCancellationRequested) return;
        const current = this.settings.for(document);
        if (!this.hintsOn(document) || isTooLarge(current, document, this.log)) continue;
        const started = performance.now();
        const before = { ...this.stats };
        for (const visible of editor.visibleRanges) {
          await this.checkRange(document, visible, current, token);
          if (token.isCancellationRequested) {
            this.log.trace(`Hints: pass over ${document.uri.toString(true)} cancelled (an edit or a scroll)`);
            return;
          }
        }
        this.publish(document, editor.visibleRanges);
        this.log.debug(`Hints: ${document.uri.toString(true)} lines ${editor.visibleRanges.map((r) => `${r.start.line + 1}-${r.end.line + 1}`).join(', ')}: `
          + `${this.stats.batches - before.batches} batches in ${Math.round(performance.now() - started)} ms (model ${Math.round(this.stats.busyMs - before.busyMs)} ms), `
          + `${this.hints.get(document.uri.toString())?.length ?? 0} hints`);
      }
    } catch (error) {
      if (!isCancellation(error)) this.log.warn(`Unlikely-word hints failed: ${(error as Error).message}`);
    } finally {
      if (this.pass === source) this.pass = undefined;
      source.dispose();
    }
  }

  /**
   * Scores the sentences on screen (of the paragraphs around `visible`) that
   * are not cached yet, a batch of at most {@link BATCH_WORDS} words per
   * request, resting after each as the CPU budget says.
   */
  private async checkRange(document: vscode.TextDocument, visible: vscode.Range, current: ClozeSettings, token: vscode.CancellationToken): Promise<void> {
    const { base, text, paragraphs, span } = paragraphsAround(document, visible);
    for (const paragraph of paragraphs) {
      const sentences = sentencesOf(text, paragraph).filter((s) => s.end >= span.start && s.start <= span.end);
      // A "sentence" of thousands of characters is a data dump or a minified line, not prose.
      const pending = sentences.filter((s) => s.end - s.start <= MAX_SENTENCE_CHARS && this.cache.get(text.slice(s.start, s.end)) === undefined);
      for (const batch of batches(pending, (s) => checkableWords(text.slice(s.start, s.end)).map((w) => ({ start: w.start + s.start, end: w.end + s.start })))) {
        const result = await this.host.check({
          document,
          words: batch.words.map((w) => new vscode.Range(document.positionAt(base + w.start), document.positionAt(base + w.end))),
          caller: 'hints',
          priority: 'background',
          topK: ALTERNATIVES,
          token,
        });
        if (!result || token.isCancellationRequested) return;
        // The model's time only: a first check also waits for the model to load.
        const busy = result.ms;
        this.stats.batches++;
        this.stats.busyMs += busy;
        for (const sentence of batch.sentences) {
          const inside = (s: Span) => s.start - base >= sentence.start && s.end - base <= sentence.end;
          this.cache.set(
            text.slice(sentence.start, sentence.end),
            result.checked.filter((c) => inside(c.span)).map((c) => ({
              start: c.span.start - base - sentence.start,
              end: c.span.end - base - sentence.start,
              check: { text: c.text, score: c.score, alternatives: c.alternatives },
            })),
          );
        }
        // The budget: this batch took `busy` ms; rest so that work is at most `cpuBudget` % of the time.
        const rest = busy * (100 / current.hints.cpuBudget - 1);
        if (rest > 0 && (await delay(rest, token))) return;
      }
    }
  }

  /**
   * Sets the document's diagnostics from the cache: hints in the visible
   * paragraphs are rebuilt, those elsewhere kept (they move with edits).
   * @param visible - the ranges to rebuild; undefined rebuilds the hints already shown.
   */
  private publish(document: vscode.TextDocument, visible: readonly vscode.Range[] | undefined): void {
    const current = this.settings.for(document);
    const key = document.uri.toString();
    const previous = this.hints.get(key) ?? [];
    const ranges = visible ?? previous.map((h) => document.lineAt(h.diagnostic.range.start.line).range);
    const fresh: Hint[] = [];
    const covered: vscode.Range[] = [];
    const thresholds = hintThresholds(current.hints, this.host.modelProfile.hints);
    for (const range of ranges) {
      const { base, text, paragraphs } = paragraphsAround(document, range);
      for (const paragraph of paragraphs) {
        covered.push(new vscode.Range(document.positionAt(base + paragraph.start), document.positionAt(base + paragraph.end)));
        for (const sentence of sentencesOf(text, paragraph).filter((s) => s.end - s.start <= MAX_SENTENCE_CHARS)) {
          for (const word of this.cache.get(text.slice(sentence.start, sentence.end)) ?? []) {
            const hint = hintFor(word, current, thresholds);
            if (!hint) continue;
            const at = base + sentence.start;
            const wordRange = new vscode.Range(document.positionAt(at + word.start), document.positionAt(at + word.end));
            if (!fresh.some((h) => h.diagnostic.range.isEqual(wordRange))) fresh.push(hint(wordRange));
          }
        }
      }
    }
    const kept = previous.filter((h) => !covered.some((c) => c.intersection(h.diagnostic.range)));
    const hints = [...kept, ...fresh].sort((a, b) => a.diagnostic.range.start.compareTo(b.diagnostic.range.start));
    this.hints.set(key, hints);
    this.collection.set(document.uri, hints.map((h) => h.diagnostic));
  }

  private codeActions(document: vscode.TextDocument, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const hints = this.hints.get(document.uri.toString()) ?? [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== HINT_SOURCE || diagnostic.code !== HINT_CODE) continue;
      const hint = hints.find((h) => h.diagnostic.range.isEqual(diagnostic.range));
      if (!hint) continue;
      hint.replacements.forEach((word, i) => {
        const action = new vscode.CodeAction(vscode.l10n.t('Replace with “{0}”', word), vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(document.uri, diagnostic.range, word);
        action.diagnostics = [diagnostic];
        action.isPreferred = i === 0;
        actions.push(action);
      });
      const word = document.getText(diagnostic.range);
      const ignore = new vscode.CodeAction(vscode.l10n.t('Don\'t mark “{0}” again', word), vscode.CodeActionKind.QuickFix);
      ignore.command = { command: IGNORE_WORD_COMMAND, title: ignore.title, arguments: [word] };
      ignore.diagnostics = [diagnostic];
      actions.push(ignore);
    }
    return actions;
  }
}

/**
 * The paragraphs that `range` touches, found in the lines around it
 * ({@link MARGIN_LINES} more on each side): offsets into `text`, which
 * starts at document offset `base`.
 */
function paragraphsAround(document: vscode.TextDocument, range: vscode.Range): { base: number; text: string; paragraphs: Span[]; span: Span } {
  const first = Math.max(0, range.start.line - MARGIN_LINES);
  const last = Math.min(document.lineCount - 1, range.end.line + MARGIN_LINES);
  const slice = new vscode.Range(first, 0, last, document.lineAt(last).text.length);
  const base = document.offsetAt(slice.start);
  const text = document.getText(slice);
  const start = document.offsetAt(range.start) - base;
  const end = document.offsetAt(range.end) - base;
  return { base, text, paragraphs: paragraphsOf(text).filter((p) => p.end >= start && p.start <= end), span: { start, end } };
}

/**
 * Groups sentences, in order, into batches of at most {@link BATCH_WORDS}
 * words (a longer sentence alone). Sentences without words come along, so
 * that they are cached too.
 */
function batches(sentences: Span[], wordsOf: (sentence: Span) => Span[]): { sentences: Span[]; words: Span[] }[] {
  const out: { sentences: Span[]; words: Span[] }[] = [];
  let current: { sentences: Span[]; words: Span[] } = { sentences: [], words: [] };
  for (const sentence of sentences) {
    const words = wordsOf(sentence);
    if (current.words.length > 0 && current.words.length + words.length > BATCH_WORDS) {
      out.push(current);
      current = { sentences: [], words: [] };
    }
    current.sentences.push(sentence);
    current.words.push(...words);
  }
  if (current.sentences.length > 0) out.push(current);
  return out;
}

/** The diagnostic for a word, when the thresholds flag it. */
function hintFor(word: CachedWord, current: ClozeSettings, thresholds: HintThresholds): ((range: vscode.Range) => Hint) | undefined {
  if (current.hints.ignore.includes(word.check.text.toLowerCase())) return undefined;
  const best = unlikelyWord(word.check, thresholds);
  if (!best) return undefined;
  const others = word.check.alternatives.filter((a: Suggestion) => a !== best && spelledAlike(word.check.text, a.word) && a.score >= thresholds.minScore / 10);
  const replacements = [best.word, ...others.map((a) => a.word)].slice(0, 3);
  const ratio = best.score / Math.max(word.check.score, Number.MIN_VALUE);
  const message = vscode.l10n.t('“{0}” is unlikely here ({1}): “{2}” is {3} times as likely ({4})', word.check.text, percent(word.check.score), best.word, formatRatio(ratio), percent(best.score));
  return (range) => {
    const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Information);
    diagnostic.source = HINT_SOURCE;
    diagnostic.code = HINT_CODE;
    return { diagnostic, replacements };
  };
}

function formatRatio(ratio: number): string {
  if (ratio >= 1e6) return vscode.l10n.t('over a million');
  return Math.round(ratio).toLocaleString('en-US');
}

/** Starts the hints controller; it stays idle while `cloze.hints.enabled` is off. */
export function registerHints(host: EngineHost, settings: SettingsWatcher, log: vscode.LogOutputChannel): HintsController {
  return new HintsController(host, settings, log);
}
