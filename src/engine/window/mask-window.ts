import { BLANK_LINE, isHighSurrogate, isLowSurrogate, startsSentence } from '../../text/words';
import type { Span } from '../types';
import { findMaskTokens } from './mask-tokens';
import { chooseContext, count, type Doc, keepWholeWordsAtCuts, type Region, tokenizeBetweenMasks, type Unit, unitCutter } from './window-context';
import type { WordTokenizer } from './word-tokenizer';

export { findMaskTokens };

/** Options for {@link buildWindow}. */
export interface WindowOptions {
  /**
   * The most ids in the window, the special tokens (`[CLS]`, `[SEP]`) included. An integer of
   * at least the special tokens plus one per mask; no upper bound here (the engine clamps it
   * to the model's maximum positions).
   * @default 128
   */
  maxTokens?: number;
  /**
   * The text that marks a typed mask in the document. A mask span whose text equals it is a
   * typed mask; any other span is a word to replace. Either way the model input holds the
   * tokenizer's own mask token, so a user may type `[MASK]` for a RoBERTa model too.
   * @default tokenizer.maskToken
   */
  maskToken?: string;
}

/** One mask span of a {@link MaskWindow}. */
export interface WindowMask {
  /** The span in the document (UTF-16 offsets). */
  span: Span;
  /** The document text in `span`. */
  text: string;
  /**
   * True when `text` is the typed mask marker or the span is empty (a blank inserted there);
   * false for a word to replace.
   */
  isMaskToken: boolean;
  /** The index of this mask's id in `inputIds`. */
  position: number;
  /** Where this mask's token starts in the window's `text` (UTF-16 offset). */
  textOffset: number;
  /** True when the mask starts a sentence in the document (see `startsSentence` in src/text/words.ts). */
  sentenceStart: boolean;
}

/**
 * A run of ids and the document text they came from. Segments are in order and contiguous:
 * their spans tile `contextSpan` and their id ranges tile `inputIds`.
 */
export interface WindowSegment {
  /** `special`: tokens the tokenizer adds (empty span); `mask`: one mask id; `text`: context. */
  kind: 'special' | 'mask' | 'text';
  /**
   * The document text these ids come from. For `text`, the tokenizer gives exactly
   * `inputIds.slice(start, end)` for `document.slice(span.start, span.end)`. A `mask` span also
   * covers whitespace that the mask token strips (RoBERTa's `<mask>` strips the space before it).
   */
  span: Span;
  /** First index into `inputIds`. */
  start: number;
  /** One past the last index into `inputIds`. */
  end: number;
  /** For `mask`: the index of the mask in the caller's `masks` array. */
  mask?: number;
}

/**
 * The model input for one or more masks in a document, and its mapping back to the document.
 * Ids are plain `number[]`; the caller converts them to the tensor type its model wants
 * (`BigInt64Array` for an int64 ONNX input).
 */
export interface MaskWindow {
  /** Token ids, special tokens included; never more than `maxTokens`. */
  inputIds: number[];
  /** All zeros (one sentence), same length as `inputIds`. */
  tokenTypeIds: number[];
  /** All ones (no padding), same length as `inputIds`. */
  attentionMask: number[];
  /** For each mask in the caller's order, the index of its id in `inputIds`. */
  maskPositions: number[];
  /** For each mask in the caller's order, its document span. */
  spans: Span[];
  /** For each mask in the caller's order, what it is and where it went. */
  masks: WindowMask[];
  /** The document range the window was taken from (UTF-16 offsets). */
  contextSpan: Span;
  /**
   * The window as text the fill-mask pipeline would be given: the document text in
   * `contextSpan` with every mask span replaced by the tokenizer's mask token. For ordinary
   * text, `tokenizer.encode(text)` equals `inputIds`.
   */
  text: string;
  /** How every id maps back to the document; see {@link WindowSegment}. */
  segments: WindowSegment[];
}

/**
 * Characters of raw text taken on each side of the masks before tokenizing, per token of
 * budget. Tokens rarely cover more than a dozen characters, and the cap keeps a 1 MB line from
 * being scanned or tokenized whole.
 */
const CHARS_PER_TOKEN = 12;

/**
 * Builds the model input for mask spans in a document.
 *
 * Context is the paragraph (blank-line separated) around the masks. When its tokens do not
 * fit, the window keeps whole sentences around the masks, and when even the masks' own
 * sentence does not fit, it cuts at word boundaries; either way it adds context on the side
 * that has less so far, keeping the masks in the middle. Text further than
 * `maxTokens × 12` characters from the masks is never read.
 *
 * The tokenizer gives no offsets, so the context is tokenized in word-sized pieces that it
 * cannot tokenize differently apart than together (cut before whitespace that precedes a
 * word, and around CJK ideographs for BERT; never between a mask token and whitespace it
 * strips), and each mask becomes one mask id. The window starts and ends on text rather than
 * whitespace. The result: `tokenizer.encode(window.text)` equals `inputIds` (checked by a
 * property test on random text), and every id maps to an exact document span
 * (`segments`, {@link tokenSpan}).
 *
 * @param text The document (or any slice of it; offsets are into this string).
 * @param masks Mask spans: non-overlapping, in any order, not splitting a surrogate pair. A
 *   span whose text is the mask marker is a typed mask; an empty span is a blank inserted at
 *   that offset (the text on both sides stays as it is); any other span is a word to replace.
 * @param tokenizer The model's tokenizer.
 * @param options See {@link WindowOptions}.
 * @throws {TypeError} When `text` is not a string or a span is not `{ start, end }`.
 * @throws {RangeError} When there are no masks, a span is outside the text, splits a
 *   surrogate pair or overlaps another (two blanks at one offset overlap); when `maxTokens` is not an integer large enough for
 *   the special tokens and masks, or `maskToken` is empty; when the masks and the text
 *   between them alone need more than `maxTokens` ids.
 */
export function buildWindow(text: string, masks: readonly Span[], tokenizer: WordTokenizer, options: WindowOptions = {}): MaskWindow {
  const { maxTokens, marker, order } = checkArguments(text, masks, tokenizer, options);
  const doc: Doc = { text, tokenizer, isWs: (i) => i >= 0 && i < text.length && tokenizer.isWhitespace(text[i]) };
  const region = contextRegion(text, masks[order[0]], masks[order[order.length - 1]], maxTokens * CHARS_PER_TOKEN);
  const segs = maskSegments(doc, masks, order, region);
  const unitsOf = unitCutter(doc, region);
  keepWholeWordsAtCuts(doc, region, segs);
  const budget = maxTokens - tokenizer.prefixIds.length - tokenizer.suffixIds.length - masks.length;
  const gaps = tokenizeBetweenMasks(doc, segs, unitsOf, budget, () => `${JSON.stringify(masks[order[0]])} and ${JSON.stringify(masks[order[order.length - 1]])}`, maxTokens);
  const { left, right } = chooseContext(doc, segs, unitsOf, region, budget - gaps.reduce((n, units) => n + count(units), 0));
  return assemble(doc, masks, order, marker, segs, gaps, left, right);
}

/** Phase 0: checks the arguments; returns the options with defaults and the mask indices in document order. */
function checkArguments(text: string, masks: readonly Span[], tokenizer: WordTokenizer, options: WindowOptions): { maxTokens: number; marker: string; order: number[] } {
  if (typeof text !== 'string') throw new TypeError(`Expected \`text\` to be a string, got ${typeof text}`);
  const maxTokens = options.maxTokens ?? 128;
  const marker = options.maskToken ?? tokenizer.maskToken;
  if (typeof marker !== 'string' || marker.length === 0) {
    throw new RangeError(`Expected \`maskToken\` to be a non-empty string, got \`${String(marker)}\``);
  }
  if (!Array.isArray(masks) || masks.length === 0) {
    throw new RangeError(`Expected at least one mask span, got ${JSON.stringify(masks)}`);
  }
  const specials = tokenizer.prefixIds.length + tokenizer.suffixIds.length;
  if (!Number.isInteger(maxTokens) || maxTokens < specials + masks.length) {
    throw new RangeError(`Expected \`maxTokens\` to be an integer of at least ${specials + masks.length} (special tokens and masks), got \`${maxTokens}\``);
  }
  return { maxTokens, marker, order: validateSpans(text, masks) };
}

/** Phase 1: the paragraph around the masks, within `reach` characters of them. */
function contextRegion(text: string, first: Span, last: Span, reach: number): Region {
  const reachLo = Math.max(0, first.start - reach);
  let lo = reachLo;
  let loIsCut = reachLo > 0;
  let lastBlank: RegExpMatchArray | undefined;
  for (const match of text.slice(reachLo, first.start).matchAll(BLANK_LINE_G)) lastBlank = match;
  if (lastBlank?.index !== undefined) {
    lo = reachLo + lastBlank.index + lastBlank[0].length;
    loIsCut = false;
  }
  let hi = Math.min(text.length, last.end + reach);
  let hiIsCut = hi < text.length;
  const nextBlank = BLANK_LINE.exec(text.slice(last.end, hi));
  if (nextBlank !== null) {
    hi = last.end + nextBlank.index;
    hiIsCut = false;
  }
  return { lo, hi, loIsCut, hiIsCut };
}

/** Phase 2: one segment per mask in document order, widened over whitespace the mask token strips. */
function maskSegments({ text, tokenizer }: Doc, masks: readonly Span[], order: number[], region: Region): Span[] {
  const segs: Span[] = [];
  for (let k = 0; k < order.length; k++) {
    const { start, end } = masks[order[k]];
    let s = start;
    let e = end;
    const floor = k === 0 ? region.lo : masks[order[k - 1]].end;
    const ceiling = k === order.length - 1 ? region.hi : masks[order[k + 1]].start;
    if (tokenizer.maskStrip.left) while (s > floor && /\s/.test(text[s - 1])) s--;
    if (tokenizer.maskStrip.right) while (e < ceiling && /\s/.test(text[e])) e++;
    segs.push({ start: s, end: e });
  }
  // A segment that strips right may have eaten whitespace a following left-stripper claims.
  for (let k = 1; k < segs.length; k++) segs[k].start = Math.max(segs[k].start, segs[k - 1].end);
  return segs;
}

/** Phase 7: ids, segments, masks and the window text, in document order. */
function assemble(doc: Doc, masks: readonly Span[], order: number[], marker: string, segs: Span[], gaps: Unit[][], leftUnits: Unit[], rightUnits: Unit[]): MaskWindow {
  const { text, tokenizer } = doc;
  const first = masks[order[0]];
  const last = masks[order[order.length - 1]];
  // Whitespace a mask token strips belongs to the window only between text.
  if (leftUnits.length === 0) segs[0].start = first.start;
  if (rightUnits.length === 0) segs[segs.length - 1].end = last.end;
  const contextSpan: Span = {
    start: leftUnits.length > 0 ? leftUnits[0].start : segs[0].start,
    end: rightUnits.length > 0 ? rightUnits[rightUnits.length - 1].end : segs[segs.length - 1].end,
  };

  const inputIds: number[] = [...tokenizer.prefixIds];
  const segments: WindowSegment[] = [];
  if (tokenizer.prefixIds.length > 0) {
    segments.push({ kind: 'special', span: { start: contextSpan.start, end: contextSpan.start }, start: 0, end: inputIds.length });
  }
  const windowMasks: WindowMask[] = new Array<WindowMask>(masks.length);
  let windowText = '';
  let cursor = contextSpan.start;
  const pushText = (units: Unit[]): void => {
    for (const unit of units) {
      segments.push({ kind: 'text', span: { start: unit.start, end: unit.end }, start: inputIds.length, end: inputIds.length + unit.ids.length });
      inputIds.push(...unit.ids);
    }
  };
  pushText(leftUnits);
  for (let k = 0; k < order.length; k++) {
    const index = order[k];
    const span = masks[index];
    windowText += text.slice(cursor, span.start);
    const maskText = text.slice(span.start, span.end);
    windowMasks[index] = {
      span: { start: span.start, end: span.end },
      text: maskText,
      isMaskToken: maskText === marker || span.start === span.end,
      position: inputIds.length,
      textOffset: windowText.length,
      sentenceStart: startsSentence(text, span.start),
    };
    windowText += tokenizer.maskToken;
    cursor = span.end;
    segments.push({ kind: 'mask', span: { ...segs[k] }, start: inputIds.length, end: inputIds.length + 1, mask: index });
    inputIds.push(tokenizer.maskTokenId);
    if (k < gaps.length) pushText(gaps[k]);
  }
  pushText(rightUnits);
  windowText += text.slice(cursor, contextSpan.end);
  const suffixStart = inputIds.length;
  inputIds.push(...tokenizer.suffixIds);
  if (tokenizer.suffixIds.length > 0) {
    segments.push({ kind: 'special', span: { start: contextSpan.end, end: contextSpan.end }, start: suffixStart, end: inputIds.length });
  }

  return {
    inputIds,
    tokenTypeIds: new Array<number>(inputIds.length).fill(0),
    attentionMask: new Array<number>(inputIds.length).fill(1),
    maskPositions: windowMasks.map((m) => m.position),
    spans: windowMasks.map((m) => ({ ...m.span })),
    masks: windowMasks,
    contextSpan,
    text: windowText,
    segments,
  };
}

const BLANK_LINE_G = new RegExp(BLANK_LINE.source, 'g');

/**
 * The document span that the id at `index` of a window came from: the word (or word piece
 * run) for context ids, the mask span for a mask id, an empty span at the window's edge for
 * special tokens. Pieces of one word share its span.
 * @param window A window from {@link buildWindow}.
 * @param index An index into `window.inputIds`.
 * @throws {RangeError} When `index` is not an index into `window.inputIds`.
 */
export function tokenSpan(window: MaskWindow, index: number): Span {
  if (!Number.isInteger(index) || index < 0 || index >= window.inputIds.length) {
    throw new RangeError(`Expected \`index\` to be an integer from 0 to ${window.inputIds.length - 1}, got \`${index}\``);
  }
  const segment = window.segments.find((s) => index >= s.start && index < s.end);
  if (segment === undefined) throw new RangeError(`No segment holds id index ${index}`);
  if (segment.kind === 'mask' && segment.mask !== undefined) return { ...window.masks[segment.mask].span };
  return { ...segment.span };
}

/** Checks every span and returns the mask indices in document order. */
function validateSpans(text: string, masks: readonly Span[]): number[] {
  masks.forEach((span, i) => {
    if (typeof span !== 'object' || span === null || typeof span.start !== 'number' || typeof span.end !== 'number') {
      throw new TypeError(`Expected mask ${i} to be a \`{ start, end }\` span, got ${JSON.stringify(span)}`);
    }
    const { start, end } = span;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > text.length || start > end) {
      throw new RangeError(`Expected mask ${i} to be a span inside the text (length ${text.length}), got ${JSON.stringify(span)}`);
    }
    for (const edge of [start, end]) {
      if (edge > 0 && edge < text.length && isHighSurrogate(text.charCodeAt(edge - 1)) && isLowSurrogate(text.charCodeAt(edge))) {
        throw new RangeError(`Expected mask ${i} not to split a surrogate pair, got ${JSON.stringify(span)}`);
      }
    }
  });
  // A blank before a word that starts at the same offset: sort by end too.
  const order = masks.map((_, i) => i).sort((a, b) => masks[a].start - masks[b].start || masks[a].end - masks[b].end);
  for (let k = 1; k < order.length; k++) {
    const [before, after] = [masks[order[k - 1]], masks[order[k]]];
    if (after.start < before.end || (after.start === before.start && before.start === before.end && after.end === after.start)) {
      throw new RangeError(`Expected mask spans not to overlap, got ${JSON.stringify(masks[order[k - 1]])} and ${JSON.stringify(masks[order[k]])}`);
    }
  }
  return order;
}
