import * as vscode from 'vscode';
import { CancelledError, Engine, type EngineState, type FillOptions, type FillRequest, isCancellation, LruCache, type MaskResult, type Span, type WordCheck } from '../engine';
import { type ModelProfile, readModelProfile } from '../models/model-profile';
import { blankSpans, markdownCodeSpans, overlapsAny } from '../text/markdown-code';
import { PARAGRAPH_REACH_LINES } from '../text/words';
import type { ClozeSettings } from './settings';
import { NoModelError } from './no-model';
import { masksAround, type Target, TYPED_MASK } from './targets';

/**
 * Finds the model folder for the current settings without asking anything;
 * throws a `NoModelError` (or returns undefined) when there is none.
 */
export type ModelResolver = (settings: ClozeSettings) => Promise<string | undefined>;

/**
 * Lines of context taken on each side of the masks; the engine cuts them to
 * the paragraph (src/text/words.ts) and its token window.
 */
const CONTEXT_LINES = PARAGRAPH_REACH_LINES;

/** How many recent fill requests `EngineHost` keeps to answer the same request again. */
const SHARED_FILLS = 16;

/** `promise`, or a `CancelledError` as soon as `signal` aborts (the promise itself runs on). */
function whileNotAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CancelledError('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** One document request from an editor surface. */
export interface DocumentFill {
  document: vscode.TextDocument;
  /** Ranges to predict: mask tokens or words to replace. */
  ranges: vscode.Range[];
  /**
   * The index in `ranges` of the one the caller needs: when the ranges cannot
   * share one model window (too far apart), it is predicted on its own and the
   * others get no result.
   */
  primary?: number;
  /** `inline`, `hover`, `command`: a newer request from the same caller supersedes an older one. */
  caller: string;
  token?: vscode.CancellationToken;
  /** Engine options beyond the settings: a joint fill, target words. */
  options?: Pick<FillRequest, 'joint' | 'targets'>;
  /** Candidates per range, 1 to 50, in place of `cloze.topK` (a view that always shows ten, say). */
  topK?: number;
}

/** Words of a document to score where they stand (`EngineHost.check`). */
export interface DocumentCheck {
  document: vscode.TextDocument;
  /** The words, as ranges of the document. */
  words: vscode.Range[];
  /** A newer request from the same caller supersedes an older one. */
  caller: string;
  token?: vscode.CancellationToken;
  /** Alternatives per word. @default 5 */
  topK?: number;
  /** `background` for work nobody waits for (see `FillOptions.priority`). */
  priority?: 'normal' | 'background';
}

/** A word scored where it stands, mapped back onto the document. */
export interface DocumentWordCheck extends WordCheck {
  range: vscode.Range;
}

/** A result mapped back onto the document. */
export interface DocumentResult extends MaskResult {
  range: vscode.Range;
}

/**
 * One engine per extension host, created on first need and loaded once. A
 * change of model, model path or threads disposes it; the next request
 * creates a fresh one. A request that was under way for the old model,
 * whether still finding it or already in the worker, gets no result.
 */
export class EngineHost implements vscode.Disposable {
  private engine: Engine | undefined;
  private engineKey = '';
  private creating: Promise<Engine | undefined> | undefined;
  /** Counts resets: an engine or a result from before the latest reset is stale. */
  private generation = 0;
  private readonly stateEmitter = new vscode.EventEmitter<EngineState>();
  /** Fires whenever the engine's state changes (loading, ready, error…). */
  readonly onDidChangeState = this.stateEmitter.event;
  private state: EngineState = { kind: 'idle' };
  private missing: NoModelError | undefined;
  /** Fill requests under way or recently answered, by their exact engine request (see `sharedFill`). */
  private readonly shared = new LruCache<string, Promise<MaskResult[]>>(SHARED_FILLS);
  private profile: { dir: string; profile: ModelProfile } | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** The settings for a document (its language's overrides applied), or the window's. */
    private readonly getSettings: (document?: vscode.TextDocument) => ClozeSettings,
    private readonly resolveModel: ModelResolver,
    /** Where the engine keeps models rewritten for speed (see `EngineOptions.graphCacheDir`). */
    private readonly graphCacheDir?: string,
  ) {}

  get currentState(): EngineState {
    return this.state;
  }

  /**
   * Why the last request found no model (what to do, in the editor's words),
   * until a model is found; undefined otherwise.
   */
  get missingModel(): string | undefined {
    return this.missing?.message;
  }

  /** The model folder in use, once known. */
  get modelDir(): string | undefined {
    return this.engine?.modelDir;
  }

  /**
   * What the model folder in use says about itself (its `cloze.json`: the
   * hint thresholds measured for it), read once per folder; empty until a
   * model is in use.
   */
  get modelProfile(): ModelProfile {
    const dir = this.engine?.modelDir;
    if (!dir) return {};
    if (this.profile?.dir !== dir) {
      const { profile, problem } = readModelProfile(dir);
      if (problem) this.log.warn(problem);
      this.profile = { dir, profile };
    }
    return this.profile.profile;
  }

  /** Drops the engine when settings that shape it changed. */
  onSettingsChanged(): void {
    if ((this.engine || this.creating) && keyOf(this.getSettings()) !== this.engineKey) {
      this.log.info('Model settings changed: the model will be loaded again on next use');
      this.reset();
    }
  }

  /** Disposes the engine; the next request creates a new one. */
  reset(): void {
    const engine = this.engine;
    this.generation++;
    this.engine = undefined;
    this.creating = undefined;
    this.setState({ kind: 'idle' });
    void engine?.dispose();
  }

  /**
   * The engine, created and loaded on first call.
   * @returns undefined when no model is available (the resolver told the user why).
   */
  async getEngine(): Promise<Engine | undefined> {
    if (this.engine) return this.engine;
    if (!this.creating) {
      const creating = this.create().finally(() => {
        // A reset may have started another creation meanwhile: leave that one be.
        if (this.creating === creating) this.creating = undefined;
      });
      this.creating = creating;
    }
    return this.creating;
  }

  private async create(): Promise<Engine | undefined> {
    const generation = this.generation;
    const settings = this.getSettings();
    this.engineKey = keyOf(settings);
    let modelDir: string | undefined;
    try {
      modelDir = await this.resolveModel(settings);
    } catch (error) {
      if (!(error instanceof NoModelError)) throw error;
      if (generation === this.generation) this.setMissing(error);
      return undefined;
    }
    // The settings changed while the model was being found (a download, say): it is not wanted any more.
    if (!modelDir || generation !== this.generation) return undefined;
    this.setMissing(undefined);
    const engine = new Engine({
      modelDir,
      threads: settings.threads > 0 ? settings.threads : undefined,
      graphCacheDir: this.graphCacheDir,
      logger: this.log,
    });
    engine.onStateChange((state) => {
      if (this.engine === engine) this.setState(state);
    });
    this.engine = engine;
    void engine.load().catch(() => undefined); // errors surface through state and the first fill
    return engine;
  }

  /**
   * Predicts each range of `request`, using the text around them as context
   * (in Markdown, without code). Ranges inside Markdown code get no result.
   * @returns one result per range in order (undefined for a skipped range), or
   *   undefined when cancelled, superseded, stale or without a model.
   * @throws what the engine throws, except cancellation.
   */
  async fill(request: DocumentFill): Promise<(DocumentResult | undefined)[] | undefined> {
    const { document, ranges, caller, token, options, topK } = request;
    const settings = this.getSettings(document);
    const version = document.version;
    const engine = await this.getEngine();
    if (!engine || token?.isCancellationRequested) return undefined;

    const { text, base, spans: all, kept } = contextFor(document, ranges);
    const spans = all.filter((_, i) => kept[i]);
    if (spans.length === 0) return ranges.map(() => undefined);

    const abort = new AbortController();
    const subscription = token?.onCancellationRequested(() => abort.abort());
    try {
      let results: MaskResult[];
      try {
        results = await this.sharedFill(
          engine,
          { text, masks: spans, topK: topK ?? settings.topK, maxTokens: settings.maxContextTokens, maskToken: TYPED_MASK, filter: 'words', wholeWords: wholeWordsFor(settings, document, ranges), alternatives: settings.alternatives, ...options },
          { caller, signal: abort.signal },
        );
      } catch (error) {
        const { primary } = request;
        // Masks too far apart for one model window: the one the caller needs, alone, always fits.
        if (error instanceof RangeError && ranges.length > 1 && primary !== undefined && kept[primary]) {
          this.log.debug(`Predicting one mask alone: ${error.message}`);
          const alone = await this.fill({ ...request, ranges: [ranges[primary]], primary: undefined });
          return alone && ranges.map((_, i) => (i === primary ? alone[0] : undefined));
        }
        throw error;
      }
      // A result from a model the settings no longer name must not be shown.
      if (token?.isCancellationRequested || document.version !== version || this.engine !== engine) return undefined;
      const mapped = results.map((r) => ({
        ...r,
        suggestions: r.suggestions.filter((s) => s.score >= settings.minScore),
        range: new vscode.Range(document.positionAt(base + r.span.start), document.positionAt(base + r.span.end)),
        span: { start: base + r.span.start, end: base + r.span.end },
      }));
      let next = 0;
      return kept.map((k) => (k ? mapped[next++] : undefined));
    } catch (error) {
      if (isCancellation(error)) return undefined;
      throw error;
    } finally {
      subscription?.dispose();
    }
  }

  /**
   * Predicts `target` together with the mask tokens around it (see
   * `masksAround`): the one request the inline suggestion, the hover and the
   * prefetch make alike, so that they share its answer.
   * @returns undefined as `fill` does, or when the target lies in code.
   */
  async fillTarget(document: vscode.TextDocument, target: Target, caller: string, token?: vscode.CancellationToken): Promise<DocumentResult | undefined> {
    const masks = masksAround(document, target);
    const index = masks.findIndex((m) => m.range.isEqual(target.range));
    const results = await this.fill({ document, ranges: masks.map((m) => m.range), primary: index, caller, token });
    return results?.[index];
  }

  /**
   * `engine.fill`, shared by identical requests: one under way or answered a
   * moment ago (a prefetch, the hover beside the inline suggestion) answers
   * the next that asks the same, with no second forward pass. A request whose
   * first asker gave up (cancelled, superseded) is asked again; failures are
   * not kept.
   */
  private async sharedFill(engine: Engine, request: FillRequest, options: FillOptions): Promise<MaskResult[]> {
    const key = `${this.generation}\n${JSON.stringify(request)}`;
    const shared = this.shared.get(key);
    if (shared) {
      try {
        return await whileNotAborted(shared, options.signal);
      } catch (error) {
        if (options.signal?.aborted || !isCancellation(error)) throw error;
      }
    }
    const answer = engine.fill(request, options);
    this.shared.set(key, answer);
    answer.catch(() => {
      if (this.shared.get(key) === answer) this.shared.delete(key);
    });
    return answer;
  }

  /**
   * Scores each word of `words` where it stands (see `Engine.check`), with
   * the text around them as context (in Markdown, without code: words in
   * code are skipped).
   * @returns the words scored and the ranges skipped (several vocabulary
   *   pieces, or in code), or undefined when cancelled, stale or without a model.
   * @throws what the engine throws, except cancellation.
   */
  async check(request: DocumentCheck): Promise<{ checked: DocumentWordCheck[]; skipped: vscode.Range[]; ms: number } | undefined> {
    const { document, words, token } = request;
    const version = document.version;
    const engine = await this.getEngine();
    if (!engine || token?.isCancellationRequested) return undefined;
    if (words.length === 0) return { checked: [], skipped: [], ms: 0 };
    const { text, base, spans, kept } = contextFor(document, words);
    const abort = new AbortController();
    const subscription = token?.onCancellationRequested(() => abort.abort());
    try {
      const result = await engine.check(
        { text, words: spans.filter((_, i) => kept[i]), topK: request.topK, maxTokens: this.getSettings(document).maxContextTokens },
        { caller: request.caller, signal: abort.signal, priority: request.priority },
      );
      if (token?.isCancellationRequested || document.version !== version || this.engine !== engine) return undefined;
      const range = (span: Span) => new vscode.Range(document.positionAt(base + span.start), document.positionAt(base + span.end));
      return {
        checked: result.checked.map((c) => ({ ...c, span: { start: base + c.span.start, end: base + c.span.end }, range: range(c.span) })),
        skipped: [...words.filter((_, i) => !kept[i]), ...result.skipped.map(range)],
        ms: result.ms,
      };
    } catch (error) {
      if (isCancellation(error)) return undefined;
      throw error;
    } finally {
      subscription?.dispose();
    }
  }

  dispose(): void {
    this.reset();
    this.stateEmitter.dispose();
  }

  /** Disposes the engine and waits for its worker to end (for `deactivate`). */
  async disposeAsync(): Promise<void> {
    const engine = this.engine;
    this.dispose();
    await engine?.dispose();
  }

  private setMissing(missing: NoModelError | undefined): void {
    if (missing?.message === this.missing?.message) return;
    this.missing = missing;
    this.stateEmitter.fire(this.state);
  }

  private setState(state: EngineState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }
}

/**
 * The text around `ranges` that the engine gets as context: whole lines, up
 * to {@link CONTEXT_LINES} on each side, Markdown code blanked out. `spans`
 * are the ranges as offsets into `text`; `kept[i]` is false for a range
 * inside code.
 */
function contextFor(document: vscode.TextDocument, ranges: readonly vscode.Range[]): { text: string; base: number; spans: Span[]; kept: boolean[] } {
  const firstLine = Math.max(0, Math.min(...ranges.map((r) => r.start.line)) - CONTEXT_LINES);
  const lastLine = Math.min(document.lineCount - 1, Math.max(...ranges.map((r) => r.end.line)) + CONTEXT_LINES);
  const slice = new vscode.Range(firstLine, 0, lastLine, document.lineAt(lastLine).text.length);
  const base = document.offsetAt(slice.start);
  let text = document.getText(slice);
  const spans: Span[] = ranges.map((r) => ({ start: document.offsetAt(r.start) - base, end: document.offsetAt(r.end) - base }));
  const kept = spans.map(() => true);
  if (document.languageId === 'markdown') {
    const code = markdownCodeSpans(text, startsInsideFence(document, firstLine)).spans;
    spans.forEach((s, i) => (kept[i] = !overlapsAny(s, code)));
    text = blankSpans(text, code);
  }
  return { text, base, spans, kept };
}

/**
 * Whether to propose words of several vocabulary pieces too (`cloze.wholeWords`):
 * `words` when every range replaces a word, `always` also for typed masks.
 * Not with `joint` or `targets`, which the callers pass themselves.
 */
function wholeWordsFor(settings: ClozeSettings, document: vscode.TextDocument, ranges: readonly vscode.Range[]): boolean {
  if (settings.wholeWords === 'always') return true;
  return settings.wholeWords === 'words' && ranges.every((r) => document.getText(r) !== TYPED_MASK);
}

function keyOf(settings: ClozeSettings): string {
  return JSON.stringify([settings.model, settings.modelPath, settings.threads, settings.hubEndpoint]);
}

/** Whether line `line` of a Markdown document lies inside a fenced code block. */
function startsInsideFence(document: vscode.TextDocument, line: number): boolean {
  if (line === 0) return false;
  const before = document.getText(new vscode.Range(0, 0, line, 0));
  return markdownCodeSpans(before).insideFence;
}
