import { findMaskTokens } from './mask-tokens';
import type { Span } from '../types';
import type { WordTokenizer } from './word-tokenizer';

/**
 * Phases 3 to 6 of `buildWindow` (mask-window.ts): cutting the context into
 * units that tokenize alike apart and together, and choosing which of them
 * fit the token budget, nearest first, whole sentences before words.
 */

/** The document text, its tokenizer and its whitespace test, shared by the phases of {@link buildWindow}. */
export interface Doc {
  text: string;
  tokenizer: WordTokenizer;
  isWs: (i: number) => boolean;
}

/** The region the context may come from; a side `isCut` when the character cap (not a blank line or the text's edge) ends it. */
export interface Region {
  lo: number;
  hi: number;
  loIsCut: boolean;
  hiIsCut: boolean;
}

export interface Unit extends Span {
  ids: number[];
}

/**
 * Phase 3: how text between two offsets is cut into units that tokenize alike apart and
 * together (see {@link isWordCut}). A typed mask token inside the context strips the
 * whitespace next to it (RoBERTa's `<mask>` strips the space before it), so that whitespace
 * is never cut apart from it.
 */
export function unitCutter(doc: Doc, region: Region): (from: number, to: number) => Span[] {
  const { text, tokenizer } = doc;
  const blocked: [number, number][] = [];
  if (tokenizer.maskStrip.left || tokenizer.maskStrip.right) {
    for (const found of findMaskTokens(text.slice(region.lo, region.hi), tokenizer.maskToken)) {
      const a = region.lo + found.start;
      const b = region.lo + found.end;
      let w = a;
      while (tokenizer.maskStrip.left && w > region.lo && /\s/.test(text[w - 1])) w--;
      let z = b;
      while (tokenizer.maskStrip.right && z < region.hi && /\s/.test(text[z])) z++;
      blocked.push([w + 1, tokenizer.maskStrip.left ? a : w], [b, z - 1]);
    }
  }
  return (from, to) => {
    const points = [from];
    for (let i = from + 1; i < to; i++) {
      if (isWordCut(text, i, to, doc.isWs, tokenizer) && !blocked.some(([x, y]) => i >= x && i <= y)) points.push(i);
    }
    points.push(to);
    const units: Span[] = [];
    for (let i = 0; i + 1 < points.length; i++) if (points[i + 1] > points[i]) units.push({ start: points[i], end: points[i + 1] });
    return units;
  };
}

/** Phase 4: never start or end inside a word that the character cap cut through. */
export function keepWholeWordsAtCuts({ text, tokenizer, isWs }: Doc, region: Region, segs: Span[]): void {
  const isEdge = (p: number): boolean =>
    isWs(p) || isWs(p - 1) || tokenizer.isolates(text.charCodeAt(p)) || tokenizer.isolates(text.charCodeAt(p - 1));
  if (region.loIsCut) {
    while (region.lo < segs[0].start && !isEdge(region.lo)) region.lo++;
  }
  if (region.hiIsCut) {
    while (region.hi > segs[segs.length - 1].end && !isEdge(region.hi)) region.hi--;
  }
}

/** Phase 5: the text between the masks, which is always in the window. */
export function tokenizeBetweenMasks(
  { text, tokenizer }: Doc,
  segs: Span[],
  unitsOf: (from: number, to: number) => Span[],
  budget: number,
  describe: () => string,
  maxTokens: number,
): Unit[][] {
  const gaps: Unit[][] = [];
  for (let k = 0; k + 1 < segs.length; k++) {
    const units: Unit[] = [];
    for (const span of unitsOf(segs[k].end, segs[k + 1].start)) {
      const ids = tokenizer.encodePiece(text.slice(span.start, span.end));
      budget -= ids.length;
      if (budget < 0) {
        throw new RangeError(`Expected the masks to lie within \`maxTokens\` (${maxTokens}) tokens of each other, but the text between the spans at ${describe()} needs more`);
      }
      units.push({ ...span, ids });
    }
    gaps.push(units);
  }
  return gaps;
}

/**
 * Phase 6: the context units on each side, in document order: all of the region when it fits,
 * else whole sentences, else words, added on the side that has fewer tokens so far. The
 * window starts and ends on text, not whitespace.
 */
export function chooseContext(doc: Doc, segs: Span[], unitsOf: (from: number, to: number) => Span[], region: Region, budget: number): { left: Unit[]; right: Unit[] } {
  const { text, tokenizer, isWs } = doc;
  // Nearest first, tokenized only until one side alone exceeds the budget.
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
  const left = tokenize(unitsOf(region.lo, segs[0].start).reverse());
  const right = tokenize(unitsOf(segs[segs.length - 1].end, region.hi));

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
  // For byte-level BPE trimming whitespace changes the edge ids (`Ġword` becomes `word`, as
  // at the start of any text), so edge units are re-tokenized, and dropped in the rare case
  // that makes them longer than the budget allows.
  for (;;) {
    const grewLeft = trimEdge(leftUnits[0], 'start', text, tokenizer);
    const grewRight = trimEdge(rightUnits[rightUnits.length - 1], 'end', text, tokenizer);
    if (count(leftUnits) + count(rightUnits) <= budget) break;
    if (grewLeft) leftUnits.shift();
    else if (grewRight) rightUnits.pop();
    else break;
  }
  return { left: leftUnits, right: rightUnits };
}

export function count(units: Unit[]): number {
  return units.reduce((n, u) => n + u.ids.length, 0);
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
