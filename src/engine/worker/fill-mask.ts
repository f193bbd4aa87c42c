import { type Embedding, embedText } from './embed';
import { jointFill } from '../decode/joint-fill';
import { LruCache } from '../lru-cache';
import { buildPairWindow } from '../window/pair-window';
import { buildWindow, type MaskWindow } from '../window/mask-window';
import type { MaskedLm } from './masked-lm';
import { matchCase, rankSuggestions } from '../decode/rank-suggestions';
import { DEFAULT_ALTERNATIVES, type FillRequest, type MaskResult, type ModelInfo, type Suggestion, type TargetScore } from '../types';
import { isInflectionOf, meanLogProb, scorePieces, searchWholeWords, type WholeWordSearch } from '../decode/whole-words';
import type { CheckRequest, CheckResult } from '../types';
import { checkWords } from './word-check';

/**
 * The fill-mask pipeline inside the worker: document text and mask spans →
 * model window → one forward pass → ranked suggestions per mask. Keeps the
 * logits of recent windows, keyed by the exact model input, so that hover,
 * inline completions and the command share one forward pass.
 */
export class FillMask {
  private readonly cache: LruCache<string, Float32Array[]>;

  constructor(
    private readonly lm: MaskedLm,
    cacheSize: number,
  ) {
    this.cache = new LruCache(cacheSize);
  }

  /** What the loaded model reports about itself. */
  get info(): ModelInfo {
    return {
      dir: this.lm.dir,
      modelFile: this.lm.modelFile,
      maskToken: this.lm.tokenizer.maskToken,
      vocabSize: this.lm.tokenizer.vocabSize,
      maxPositions: this.lm.config.maxPositions,
      inputNames: [...this.lm.inputNames],
      graph: this.lm.graph,
      fusedAttention: this.lm.fusedAttention,
      loadMs: this.lm.loadMs,
    };
  }

  /** Feature extraction; see {@link embedText}. */
  async embed(text: string): Promise<Embedding> {
    return embedText(this.lm, text);
  }

  /** How expected each word is where it stands; see {@link checkWords}. */
  async check(request: CheckRequest): Promise<CheckResult> {
    return checkWords(this.lm, request);
  }

  /**
   * @throws {TypeError|RangeError} for a malformed request (see {@link buildWindow}).
   */
  async fill(request: FillRequest): Promise<MaskResult[]> {
    const topK = request.topK ?? 5;
    if (!Number.isInteger(topK) || topK < 1 || topK > 50) {
      throw new RangeError(`Expected \`topK\` to be an integer from 1 to 50, got \`${topK}\``);
    }
    const maxTokens = request.maxTokens ?? 128;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new RangeError(`Expected \`maxTokens\` to be a positive integer, got \`${maxTokens}\``);
    }
    const tokenizer = this.lm.tokenizer;
    const windowOptions = { maxTokens: Math.min(maxTokens, this.lm.config.maxPositions), maskToken: request.maskToken };
    const alternatives = request.alternatives ?? DEFAULT_ALTERNATIVES;
    if (alternatives !== 'fit' && alternatives !== 'meaning') {
      throw new TypeError(`Expected \`alternatives\` to be 'fit' or 'meaning', got \`${String(alternatives)}\``);
    }
    if (request.pair !== undefined) {
      const pair = buildPairWindow({ text: request.text, masks: request.masks }, { text: request.pair.text, masks: request.pair.masks ?? [] }, tokenizer, windowOptions);
      const results = await this.fillWindow(pair, request, topK);
      return results.map((r, i) => ({ ...r, segment: pair.maskSegments[i] }));
    }
    // Alternatives that keep the meaning (LSBert's input): the original
    // sentence first, then the sentence with its word masked, as a BERT pair,
    // so that the model reads the word it is replacing. One forward pass, as
    // for `fit`; masks and blanks have no word to keep and are filled as usual.
    const marker = request.maskToken ?? tokenizer.maskToken;
    const replacesWord = Array.isArray(request.masks) && request.masks.some((m) => m?.end > m?.start && request.text.slice(m.start, m.end) !== marker);
    const window = alternatives === 'meaning' && replacesWord
      ? buildPairWindow({ text: request.text, masks: [] }, { text: request.text, masks: request.masks }, tokenizer, windowOptions)
      : buildWindow(request.text, request.masks, tokenizer, windowOptions);
    return this.fillWindow(window, request, topK);
  }

  private async fillWindow(window: MaskWindow, request: FillRequest, topK: number): Promise<MaskResult[]> {
    const tokenizer = this.lm.tokenizer;
    const wholeWords = parseWholeWords(request.wholeWords);
    const targets = parseTargets(request.targets);
    const key = `${window.inputIds.join(',')}|${window.tokenTypeIds.join('')}|${window.maskPositions.join(',')}`;
    let rows = this.cache.get(key);
    if (!rows) {
      rows = await this.lm.logitsAt({ inputIds: window.inputIds, tokenTypeIds: window.tokenTypeIds, maskPositions: window.maskPositions });
      this.cache.set(key, rows);
    }
    const filter = wholeWords ? 'words' : request.filter;
    if (request.joint) {
      if (wholeWords) throw new TypeError('Expected `joint` or `wholeWords`, got both: joint filling places one piece per mask');
      const results = await jointFill(this.lm, window, { topK, filter, first: rows });
      if (targets) for (let i = 0; i < results.length; i++) results[i].targets = await this.scoreTargets(window, i, targets);
      return results;
    }
    const results = rows.map((logits, maskIndex) => rankSuggestions(logits, { tokenizer, window, maskIndex, topK, filter }));
    const searchWindow = wholeWords ? this.wholeWordWindow(window, request) : window;
    for (let maskIndex = 0; maskIndex < results.length; maskIndex++) {
      if (wholeWords) results[maskIndex].suggestions = await this.mergeWholeWords(window, searchWindow, maskIndex, results[maskIndex].suggestions, topK, wholeWords);
      if (targets) results[maskIndex].targets = await this.scoreTargets(window, maskIndex, targets);
    }
    return results;
  }

  /**
   * The window the whole-word search widens: the request's own, or for a
   * long one the same masks with at most {@link WHOLE_WORD_TOKENS} tokens of
   * context. Which word of several pieces fits depends on the words around
   * it, and each of the search's rows costs about a forward pass of its length.
   */
  private wholeWordWindow(window: MaskWindow, request: FillRequest): MaskWindow {
    if (window.inputIds.length <= WHOLE_WORD_TOKENS || window.tokenTypeIds.some((t) => t !== 0)) return window;
    try {
      return buildWindow(request.text, request.masks, this.lm.tokenizer, { maxTokens: WHOLE_WORD_TOKENS, maskToken: request.maskToken });
    } catch {
      return window; // masks too far apart for the shorter window
    }
  }

  /**
   * The one-piece suggestions merged with multi-piece words, best mean
   * log-probability first; the words are searched in `searchWindow` (the
   * same masks, maybe less context) and shown in `window`.
   */
  private async mergeWholeWords(window: MaskWindow, searchWindow: MaskWindow, maskIndex: number, single: Suggestion[], topK: number, search: WholeWordSearch): Promise<Suggestion[]> {
    const tokenizer = this.lm.tokenizer;
    const mask = window.masks[maskIndex];
    const key = (s: string): string => tokenizer.normalize(s).trim().toLowerCase();
    const seen = new Set(single.map((s) => key(s.word)));
    if (!mask.isMaskToken) seen.add(key(mask.text));
    const caseSource = mask.isMaskToken || (mask.text.match(/\p{L}/gu) ?? []).length === 1 ? undefined : mask.text;
    const singleMask = window.inputIds.filter((id) => id === tokenizer.maskTokenId).length === 1;
    const merged: Suggestion[] = single.map((s) => ({ ...s, pieces: 1, tokens: [s.token] }));
    // A replaced word grown by pieces (`milk` → `milky`, `milks`) reads as the same word glued onto itself,
    // and a one-piece suggestion with an ending (`green` → `greened`, `greening`) as the same word bent:
    // the mean per piece lifts such words on the strength of their first piece alone.
    const original = mask.isMaskToken ? undefined : key(mask.text);
    const shown = new Map(single.map((s) => [s.token, key(s.word)]));
    const bent = (word: string, firstPiece: number): boolean => {
      const stem = shown.get(firstPiece);
      return stem !== undefined && isInflectionOf(key(word), stem);
    };
    const glued = (word: string, firstPiece: number): boolean => bent(word, firstPiece) || (original !== undefined && key(word).startsWith(original));
    // One word per first piece (`strawberry`, not also `straws` and `strawing`): the rest are its siblings,
    // ranked high by the same piece. The search returns a few extra for the siblings left out.
    const firstPieces = new Set<number>();
    const wanted = Math.max(search.beam, topK);
    for (const candidate of await searchWholeWords(this.lm, searchWindow, maskIndex, search, wanted * SIBLING_ROOM, glued)) {
      if (firstPieces.has(candidate.ids[0]) || firstPieces.size === wanted) continue;
      const tokenStr = tokenizer.decode(candidate.ids).trim();
      const word = matchCase(tokenStr, caseSource, mask.sentenceStart);
      if (seen.has(key(word))) continue;
      seen.add(key(word));
      firstPieces.add(candidate.ids[0]);
      const ids = window.inputIds.slice(0, mask.position).concat(candidate.ids, window.inputIds.slice(mask.position + 1));
      merged.push({
        score: Math.exp(meanLogProb(candidate)),
        token: candidate.ids[0],
        token_str: tokenStr,
        sequence: tokenizer.decode(ids.filter((x) => x !== tokenizer.padTokenId), { skipSpecialTokens: singleMask }),
        word,
        pieces: candidate.ids.length,
        tokens: candidate.ids,
      });
    }
    return merged.sort((a, b) => b.score - a.score || (a.pieces ?? 1) - (b.pieces ?? 1)).slice(0, topK);
  }

  private async scoreTargets(window: MaskWindow, maskIndex: number, targets: string[]): Promise<TargetScore[]> {
    const tokenizer = this.lm.tokenizer;
    const mask = window.masks[maskIndex];
    const afterSpace = mask.textOffset > 0 && /\s/.test(window.text[mask.textOffset - 1]);
    const words = targets.map((word) => {
      const ids = tokenizer.encodePiece(tokenizer.encodesWhitespace && afterSpace ? ` ${word}` : word);
      if (ids.length === 0 || ids.length > MAX_TARGET_PIECES) {
        throw new RangeError(`Expected each target to be 1 to ${MAX_TARGET_PIECES} vocabulary pieces, got \`${word}\` (${ids.length})`);
      }
      return ids;
    });
    const scored = await scorePieces(this.lm, window, maskIndex, words);
    return scored.map((c, i) => ({ word: targets[i], tokens: c.ids, pieces: c.ids.length, logProb: c.logProb, score: Math.exp(meanLogProb(c)) }));
  }
}

const MAX_TARGET_PIECES = 8;

/** How many more multi-piece words the whole-word search returns than are wanted, for the siblings of one first piece that are left out. */
const SIBLING_ROOM = 3;

/** The most tokens of context (special tokens included) the whole-word search reads: about a sentence each side. */
const WHOLE_WORD_TOKENS = 48;

function parseWholeWords(option: FillRequest['wholeWords']): WholeWordSearch | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { maxPieces: 3, beam: 4 };
  if (typeof option !== 'object' || option === null) {
    throw new TypeError(`Expected \`wholeWords\` to be a boolean or { maxPieces, beam }, got \`${String(option)}\``);
  }
  const maxPieces = option.maxPieces ?? 3;
  const beam = option.beam ?? 4;
  if (!Number.isInteger(maxPieces) || maxPieces < 2 || maxPieces > 4) {
    throw new RangeError(`Expected \`wholeWords.maxPieces\` to be an integer from 2 to 4, got \`${maxPieces}\``);
  }
  if (!Number.isInteger(beam) || beam < 1 || beam > 16) {
    throw new RangeError(`Expected \`wholeWords.beam\` to be an integer from 1 to 16, got \`${beam}\``);
  }
  return { maxPieces, beam };
}

function parseTargets(targets: FillRequest['targets']): string[] | undefined {
  if (targets === undefined) return undefined;
  if (!Array.isArray(targets) || targets.length < 1 || targets.length > 50) {
    throw new RangeError(`Expected \`targets\` to be 1 to 50 words, got \`${String(targets)}\``);
  }
  return targets.map((t) => {
    if (typeof t !== 'string' || t.trim().length === 0) throw new TypeError(`Expected every target to be a non-empty string, got \`${String(t)}\``);
    return t.trim();
  });
}
