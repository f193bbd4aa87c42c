import type { Span } from '../types';
import type { WordTokenizer } from './word-tokenizer';

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
  /** True when `text` is the typed mask marker; false for a word to replace. */
  isMaskToken: boolean;
  /** The index of this mask's id in `inputIds`. */
  position: number;
  /** Where this mask's token starts in the window's `text` (UTF-16 offset). */
  textOffset: number;
  /**
   * True when the mask starts a sentence in the document: at the start of the document or of
   * a paragraph (after a blank line), or after `.`, `!`, `?` or `…` and whitespace (opening
   * quotes and brackets before the mask are skipped).
   */
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
 * @param masks Mask spans: non-empty, non-overlapping, in any order, not splitting a
 *   surrogate pair. A span whose text is the mask marker is a typed mask; any other span is a
 *   word to replace.
 * @param tokenizer The model's tokenizer.
 * @param options See {@link WindowOptions}.
 * @throws {TypeError} When `text` is not a string or a span is not `{ start, end }`.
 * @throws {RangeError} When there are no masks, a span is empty, outside the text, splits a
 *   surrogate pair or overlaps another; when `maxTokens` is not an integer large enough for
 *   the special tokens and masks, or `maskToken` is empty; when the masks and the text
 *   between them alone need more than `maxTokens` ids.
 */
export function buildWindow(text: string, masks: readonly Span[], tokenizer: WordTokenizer, options: WindowOptions = {}): MaskWindow {
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
  const order = validateSpans(text, masks);

  const isWs = (i: number): boolean => i >= 0 && i < text.length && tokenizer.isWhitespace(text[i]);
  const first = masks[order[0]];
  const last = masks[order[order.length - 1]];
  const reach = maxTokens * CHARS_PER_TOKEN;

  // The region the context may come from: the paragraph, within `reach` of the masks.
  const reachLo = Math.max(0, first.start - reach);
  let lo = reachLo;
  let loIsCut = reachLo > 0;
  let lastBlank: RegExpMatchArray | undefined;
  for (const match of text.slice(reachLo, first.start).matchAll(/\r?\n[^\S\r\n]*\r?\n/g)) lastBlank = match;
  if (lastBlank?.index !== undefined) {
    lo = reachLo + lastBlank.index + lastBlank[0].length;
    loIsCut = false;
  }
  let hi = Math.min(text.length, last.end + reach);
  let hiIsCut = hi < text.length;
  const nextBlank = /\r?\n[^\S\r\n]*\r?\n/.exec(text.slice(last.end, hi));
  if (nextBlank !== null) {
    hi = last.end + nextBlank.index;
    hiIsCut = false;
  }

  // Mask segments, widened over whitespace the mask token strips.
  const segs: Span[] = [];
  for (let k = 0; k < order.length; k++) {
    const { start, end } = masks[order[k]];
    let s = start;
    let e = end;
    const floor = k === 0 ? lo : masks[order[k - 1]].end;
    const ceiling = k === order.length - 1 ? hi : masks[order[k + 1]].start;
    if (tokenizer.maskStrip.left) while (s > floor && /\s/.test(text[s - 1])) s--;
    if (tokenizer.maskStrip.right) while (e < ceiling && /\s/.test(text[e])) e++;
    segs.push({ start: s, end: e });
  }
  // A segment that strips right may have eaten whitespace a following left-stripper claims.
  for (let k = 1; k < segs.length; k++) segs[k].start = Math.max(segs[k].start, segs[k - 1].end);

  // A typed mask token inside the context strips the whitespace next to it (RoBERTa's
  // `<mask>` strips the space before it), so that whitespace cannot be cut apart from it.
  const blocked: [number, number][] = [];
  if (tokenizer.maskStrip.left || tokenizer.maskStrip.right) {
    for (const found of findMaskTokens(text.slice(lo, hi), tokenizer.maskToken)) {
      const a = lo + found.start;
      const b = lo + found.end;
      let w = a;
      while (tokenizer.maskStrip.left && w > lo && /\s/.test(text[w - 1])) w--;
      let z = b;
      while (tokenizer.maskStrip.right && z < hi && /\s/.test(text[z])) z++;
      blocked.push([w + 1, tokenizer.maskStrip.left ? a : w], [b, z - 1]);
    }
  }
  const boundaries = (from: number, to: number): number[] => {
    const cuts: number[] = [];
    for (let i = from + 1; i < to; i++) {
      if (isWordCut(text, i, to, isWs, tokenizer) && !blocked.some(([x, y]) => i >= x && i <= y)) cuts.push(i);
    }
    return cuts;
  };

  // Never start or end inside a word that the character cap cut through.
  const isEdge = (p: number): boolean =>
    isWs(p) || isWs(p - 1) || tokenizer.isolates(text.charCodeAt(p)) || tokenizer.isolates(text.charCodeAt(p - 1));
  if (loIsCut) {
    while (lo < segs[0].start && !isEdge(lo)) lo++;
  }
  if (hiIsCut) {
    while (hi > segs[segs.length - 1].end && !isEdge(hi)) hi--;
  }

  const unitsOf = (from: number, to: number): Span[] => {
    const points = [from, ...boundaries(from, to), to];
    const units: Span[] = [];
    for (let i = 0; i + 1 < points.length; i++) units.push({ start: points[i], end: points[i + 1] });
    return units.filter((u) => u.end > u.start);
  };

  // The masks and the text between them are always in the window.
  let budget = maxTokens - specials - masks.length;
  const gaps: Unit[][] = [];
  for (let k = 0; k + 1 < segs.length; k++) {
    const units: Unit[] = [];
    for (const span of unitsOf(segs[k].end, segs[k + 1].start)) {
      const ids = tokenizer.encodePiece(text.slice(span.start, span.end));
      budget -= ids.length;
      if (budget < 0) {
        throw new RangeError(`Expected the masks to lie within \`maxTokens\` (${maxTokens}) tokens of each other, but the text between the spans at ${JSON.stringify(masks[order[0]])} and ${JSON.stringify(masks[order[order.length - 1]])} needs more`);
      }
      units.push({ ...span, ids });
    }
    gaps.push(units);
  }

  // Context units, nearest first, tokenized only until one side alone exceeds the budget.
  const leftSpans = unitsOf(lo, segs[0].start).reverse();
  const rightSpans = unitsOf(segs[segs.length - 1].end, hi);
  const tokenize = (spans: Span[]): { units: Unit[]; complete: boolean } => {
    const units: Unit[] = [];
    let used = 0;
    for (const span of spans) {
      if (used > budget) return { units, complete: false };
      const ids = tokenizer.encodePiece(text.slice(span.start, span.end));
      used += ids.length;
      units.push({ ...span, ids });
    }
    return { units, complete: true };
  };
  const left = tokenize(leftSpans);
  const right = tokenize(rightSpans);
  const count = (units: Unit[]): number => units.reduce((n, u) => n + u.ids.length, 0);

  let takeLeft: number;
  let takeRight: number;
  if (left.complete && right.complete && count(left.units) + count(right.units) <= budget) {
    takeLeft = left.units.length;
    takeRight = right.units.length;
  } else {
    // Whole sentences first: a left group ends with a unit that starts a sentence, a right
    // group with a unit that ends one.
    const leftGroups = groupUnits(left.units, (u) => isSentenceBreak(text, u.start, isWs));
    const rightGroups = groupUnits(right.units, (u) => isSentenceBreak(text, u.end, isWs));
    const [gl, gr] = balance(leftGroups.map((g) => g.tokens), rightGroups.map((g) => g.tokens), budget);
    const ownSentence = (gl > 0 || leftGroups.length === 0) && (gr > 0 || rightGroups.length === 0);
    if (ownSentence) {
      takeLeft = leftGroups.slice(0, gl).reduce((n, g) => n + g.units, 0);
      takeRight = rightGroups.slice(0, gr).reduce((n, g) => n + g.units, 0);
    } else {
      [takeLeft, takeRight] = balance(left.units.map((u) => u.ids.length), right.units.map((u) => u.ids.length), budget);
    }
  }

  const leftUnits = left.units.slice(0, takeLeft).reverse();
  const rightUnits = right.units.slice(0, takeRight);
  // The window starts and ends on text, not whitespace. For byte-level BPE that changes the
  // edge ids (`Ġword` becomes `word`, as at the start of any text), so edge units are
  // re-tokenized, and dropped in the rare case that makes them longer than the budget allows.
  const used = (): number => count(leftUnits) + count(rightUnits);
  for (;;) {
    const grewLeft = trimEdge(leftUnits[0], 'start', text, tokenizer);
    const grewRight = trimEdge(rightUnits[rightUnits.length - 1], 'end', text, tokenizer);
    if (used() <= budget) break;
    if (grewLeft) leftUnits.shift();
    else if (grewRight) rightUnits.pop();
    else break;
  }
  // Whitespace a mask token strips belongs to the window only between text.
  if (leftUnits.length === 0) segs[0].start = first.start;
  if (rightUnits.length === 0) segs[segs.length - 1].end = last.end;
  const contextSpan: Span = {
    start: leftUnits.length > 0 ? leftUnits[0].start : segs[0].start,
    end: rightUnits.length > 0 ? rightUnits[rightUnits.length - 1].end : segs[segs.length - 1].end,
  };

  // Assemble ids, segments and the window text in document order.
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
      isMaskToken: maskText === marker,
      position: inputIds.length,
      textOffset: windowText.length,
      sentenceStart: isSentenceStart(text, span.start),
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

/**
 * The word under a cursor offset: the word containing the character at `offset`, or else the
 * word ending just before it.
 *
 * A word is a run of letters, combining marks and digits (any script). An apostrophe (`'` or
 * `’`) or a zero-width (non-)joiner between two such characters stays inside (`don't`,
 * Persian ZWNJ). Hyphens and every other punctuation end a word, so in `well-known` the
 * cursor picks `well` or `known`: BERT tokenizes the hyphen on its own, so each part is what
 * one mask can predict. A CJK ideograph is a word by itself, as BERT tokenizes it.
 * @param text Any text.
 * @param offset A UTF-16 offset from 0 to `text.length`; an offset inside a surrogate pair
 *   counts as the pair's start.
 * @returns The word's span, or undefined when there is no word at the offset.
 * @throws {RangeError} When `offset` is not an integer from 0 to `text.length`.
 */
export function wordAt(text: string, offset: number): Span | undefined {
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new RangeError(`Expected \`offset\` to be an integer from 0 to ${text.length}, got \`${offset}\``);
  }
  if (offset > 0 && offset < text.length && isLowSurrogate(text.charCodeAt(offset)) && isHighSurrogate(text.charCodeAt(offset - 1))) offset--;
  const charAt = (i: number): string => String.fromCodePoint(text.codePointAt(i) ?? 0);
  const charBefore = (i: number): string => {
    const unit = text.charCodeAt(i - 1);
    return i >= 2 && isLowSurrogate(unit) && isHighSurrogate(text.charCodeAt(i - 2)) ? text.slice(i - 2, i) : text[i - 1];
  };

  let at: number;
  if (offset < text.length && isWordChar(charAt(offset))) at = offset;
  else if (offset > 0 && isWordChar(charBefore(offset))) at = offset - charBefore(offset).length;
  else return undefined;

  const isHan = (c: string): boolean => /\p{Script=Han}/u.test(c);
  if (isHan(charAt(at))) {
    let end = at + charAt(at).length;
    while (end < text.length && /\p{M}/u.test(charAt(end))) end += charAt(end).length;
    return { start: at, end };
  }
  const inWord = (c: string): boolean => isWordChar(c) && !isHan(c);
  const joiner = (c: string): boolean => c === "'" || c === '\u2019' || c === '\u200C' || c === '\u200D';

  let start = at;
  while (start > 0) {
    const c = charBefore(start);
    if (inWord(c)) start -= c.length;
    else if (joiner(c) && start - 1 > 0 && inWord(charBefore(start - 1))) start -= 1;
    else break;
  }
  let end = at;
  while (end < text.length) {
    const c = charAt(end);
    if (inWord(c)) end += c.length;
    else if (joiner(c) && end + 1 < text.length && inWord(charAt(end + 1))) end += 1;
    else break;
  }
  return { start, end };
}

interface Unit extends Span {
  ids: number[];
}

function isWordChar(c: string): boolean {
  return /^[\p{L}\p{M}\p{N}]$/u.test(c);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Checks every span and returns the mask indices in document order. */
function validateSpans(text: string, masks: readonly Span[]): number[] {
  masks.forEach((span, i) => {
    if (typeof span !== 'object' || span === null || typeof span.start !== 'number' || typeof span.end !== 'number') {
      throw new TypeError(`Expected mask ${i} to be a \`{ start, end }\` span, got ${JSON.stringify(span)}`);
    }
    const { start, end } = span;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > text.length || start >= end) {
      throw new RangeError(`Expected mask ${i} to be a non-empty span inside the text (length ${text.length}), got ${JSON.stringify(span)}`);
    }
    for (const edge of [start, end]) {
      if (edge > 0 && edge < text.length && isHighSurrogate(text.charCodeAt(edge - 1)) && isLowSurrogate(text.charCodeAt(edge))) {
        throw new RangeError(`Expected mask ${i} not to split a surrogate pair, got ${JSON.stringify(span)}`);
      }
    }
  });
  const order = masks.map((_, i) => i).sort((a, b) => masks[a].start - masks[b].start);
  for (let k = 1; k < order.length; k++) {
    if (masks[order[k]].start < masks[order[k - 1]].end) {
      throw new RangeError(`Expected mask spans not to overlap, got ${JSON.stringify(masks[order[k - 1]])} and ${JSON.stringify(masks[order[k]])}`);
    }
  }
  return order;
}

/**
 * Whether text may be cut just before index `i` and tokenized in two parts with the same ids
 * as whole: before the last whitespace character ahead of a non-whitespace one (byte-level BPE
 * glues one space to the next word, so that is the only safe place in a run of spaces), and
 * on either side of a character the tokenizer isolates (BERT's CJK ideographs).
 */
function isWordCut(text: string, i: number, to: number, isWs: (i: number) => boolean, tokenizer: WordTokenizer): boolean {
  if (isWs(i) && (i + 1 >= to || !isWs(i + 1))) return true;
  return tokenizer.isolates(text.charCodeAt(i)) || tokenizer.isolates(text.charCodeAt(i - 1));
}

/**
 * Whether a sentence boundary lies at `at` (between two units): a line break in the
 * whitespace there, or sentence-final punctuation before it (followed by whitespace, except
 * for the CJK full stops, which need none).
 */
function isSentenceBreak(text: string, at: number, isWs: (i: number) => boolean): boolean {
  let l = at;
  while (l > 0 && isWs(l - 1)) l--;
  let r = at;
  while (r < text.length && isWs(r)) r++;
  const gap = text.slice(l, r);
  if (/[\n\r\u2028\u2029]/.test(gap)) return true;
  const before = text.slice(Math.max(0, l - 8), l);
  if (gap.length > 0 && /[.!?…]["'”’»)\]]*$/u.test(before)) return true;
  return /[。！？][」』”’）]*$/u.test(before);
}

/** Whether a mask at `start` begins a sentence; see {@link WindowMask.sentenceStart}. */
function isSentenceStart(text: string, start: number): boolean {
  let i = start;
  while (i > 0 && /["'“‘«([¿¡]/u.test(text[i - 1])) i--;
  let l = i;
  while (l > 0 && /\s/.test(text[l - 1])) l--;
  if (l === 0) return true;
  const gap = text.slice(l, i);
  if (/\n[^\S\n]*\n/.test(gap.replace(/\r\n?/g, '\n'))) return true;
  if (gap.length === 0) return false;
  return /[.!?…]["'”’»)\]]*$/u.test(text.slice(Math.max(0, l - 8), l));
}

/** Groups units (nearest first) into runs that each end with a unit where `ends` holds. */
function groupUnits(units: Unit[], ends: (u: Unit) => boolean): { units: number; tokens: number }[] {
  const groups: { units: number; tokens: number }[] = [];
  let current = { units: 0, tokens: 0 };
  for (const unit of units) {
    current.units++;
    current.tokens += unit.ids.length;
    if (ends(unit)) {
      groups.push(current);
      current = { units: 0, tokens: 0 };
    }
  }
  if (current.units > 0) groups.push(current);
  return groups;
}

/**
 * Takes items from two lists (nearest first) while they fit in `budget`, always from the side
 * with fewer tokens so far (the left on a tie); a side stops at its first item that does not fit.
 * @returns How many items were taken from each side.
 */
function balance(left: number[], right: number[], budget: number): [number, number] {
  let nl = 0;
  let nr = 0;
  let tl = 0;
  let tr = 0;
  let leftOpen = left.length > 0;
  let rightOpen = right.length > 0;
  while (leftOpen || rightOpen) {
    const useLeft = leftOpen && (!rightOpen || tl <= tr);
    if (useLeft) {
      if (tl + tr + left[nl] <= budget) {
        tl += left[nl++];
        leftOpen = nl < left.length;
      } else leftOpen = false;
    } else if (tl + tr + right[nr] <= budget) {
      tr += right[nr++];
      rightOpen = nr < right.length;
    } else rightOpen = false;
  }
  return [nl, nr];
}

/**
 * Moves a unit's outer edge past whitespace and re-tokenizes it if it changed.
 * @returns Whether the unit now has more ids than before.
 */
function trimEdge(unit: Unit | undefined, edge: 'start' | 'end', text: string, tokenizer: WordTokenizer): boolean {
  if (unit === undefined) return false;
  const { start, end } = unit;
  if (edge === 'start') while (unit.start < unit.end && /\s/.test(text[unit.start])) unit.start++;
  else while (unit.end > unit.start && /\s/.test(text[unit.end - 1])) unit.end--;
  if (unit.start === start && unit.end === end) return false;
  const before = unit.ids.length;
  unit.ids = tokenizer.encodePiece(text.slice(unit.start, unit.end));
  return unit.ids.length > before;
}
