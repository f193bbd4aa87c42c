import { englishWords } from '../../text/word-list';
import type { WordTokenizer } from '../window/word-tokenizer';

/**
 * The words of the English word list (src/text/word-list.ts) that a
 * tokenizer splits into 2 to 4 vocabulary pieces, grouped by piece count:
 * the only multi-piece words a whole-word search may propose. A piece
 * sequence that is not one of them (`milk ##n`, `blue ##h`) can never come
 * out, and scoring every listed word against the logits costs a few lookups
 * per word instead of a beam of forward passes.
 */
export interface PieceWords {
  /** Per piece count (2, 3, 4): the words' ids, `k` per word, flat, and the words in the same order. */
  byPieces: Map<number, { ids: Int32Array; words: string[] }>;
}

/** The longest word, in pieces, that the lists keep. */
export const MAX_LISTED_PIECES = 4;

const cache = new WeakMap<WordTokenizer, Map<boolean, PieceWords>>();

/**
 * The listed words of 2 to {@link MAX_LISTED_PIECES} pieces as `tokenizer`
 * encodes them at a word start; built on first use (tens of milliseconds for
 * WordPiece, about a second for a byte-level BPE) and kept per tokenizer.
 * @param afterSpace For tokenizers that encode whitespace (byte-level BPE):
 *   whether a space precedes the word (`Ġstraw` rather than `straw`).
 */
export function pieceWords(tokenizer: WordTokenizer, afterSpace: boolean): PieceWords {
  const key = tokenizer.encodesWhitespace && afterSpace;
  let perTokenizer = cache.get(tokenizer);
  if (!perTokenizer) cache.set(tokenizer, (perTokenizer = new Map()));
  const known = perTokenizer.get(key);
  if (known) return known;

  const lists = new Map<number, { ids: number[]; words: string[] }>();
  const seen = new Set<string>();
  for (const listed of englishWords()) {
    const word = tokenizer.lowercase ? listed.toLowerCase() : listed;
    if (seen.has(word)) continue;
    seen.add(word);
    const ids = tokenizer.kind === 'wordpiece' && tokenizer.continuationPrefix !== undefined ? wordPieceIds(tokenizer, word) : tokenizer.encodePiece(key ? ` ${word}` : word);
    if (ids === undefined || ids.length < 2 || ids.length > MAX_LISTED_PIECES || ids.includes(tokenizer.unkTokenId ?? -1)) continue;
    let list = lists.get(ids.length);
    if (!list) lists.set(ids.length, (list = { ids: [], words: [] }));
    list.ids.push(...ids);
    list.words.push(word);
  }
  const built: PieceWords = { byPieces: new Map([...lists].map(([k, l]) => [k, { ids: Int32Array.from(l.ids), words: l.words }])) };
  perTokenizer.set(key, built);
  return built;
}

/**
 * WordPiece's own greedy longest-match-first split of one normalized word,
 * done with vocabulary lookups (the tokenizer's full pipeline is far slower
 * for 60,000 words and would flush its piece cache).
 * @returns The ids, or undefined when some part of the word has no piece.
 */
function wordPieceIds(tokenizer: WordTokenizer, word: string): number[] | undefined {
  const prefix = tokenizer.continuationPrefix ?? '##';
  const ids: number[] = [];
  for (let start = 0; start < word.length; ) {
    let end = word.length;
    let id: number | undefined;
    for (; end > start; end--) {
      id = tokenizer.tokenToId(start === 0 ? word.slice(start, end) : prefix + word.slice(start, end));
      if (id !== undefined) break;
    }
    if (id === undefined) return undefined;
    ids.push(id);
    if (ids.length > MAX_LISTED_PIECES) return ids;
    start = end;
  }
  return ids;
}
