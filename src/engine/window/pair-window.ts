import { buildWindow, type MaskWindow, type WindowMask } from './mask-window';
import type { Span } from '../types';
import type { WordTokenizer } from './word-tokenizer';

/** Options of {@link buildPairWindow}. */
export interface PairWindowOptions {
  /** The most ids in the whole pair, special tokens included. @default 128 */
  maxTokens?: number;
  /** See `WindowOptions.maskToken`. */
  maskToken?: string;
}

/** A {@link MaskWindow} over a sentence pair, and which sentence each mask is in. */
export interface PairWindow extends MaskWindow {
  /** For each mask in the order given (first sentence's, then second's): 0 or 1. */
  maskSegments: (0 | 1)[];
}

/**
 * The model input for a BERT sentence pair, `[CLS] first [SEP] second [SEP]`,
 * with `token_type_ids` 0 up to the first `[SEP]` and 1 after it, as BERT's
 * next-sentence pretraining had them. Each sentence is windowed around its
 * own masks as {@link buildWindow} does, with half of `maxTokens` each; a
 * sentence without masks is taken from its start. Masks are numbered first
 * sentence first; their spans stay offsets into their own sentence, and
 * `text` is the two sentences' windows joined by a line break (so mask
 * `textOffset`s of the second sentence are shifted by the first's length + 1).
 * `segments` is empty and `contextSpan` is the first sentence's: a pair is not
 * one document, so `tokenSpan` does not apply.
 * @throws {TypeError} when the tokenizer has no `[CLS]`/`[SEP]` (not a BERT vocabulary).
 * @throws {RangeError} when neither sentence has a mask, or for what {@link buildWindow} rejects.
 */
export function buildPairWindow(
  first: { text: string; masks: readonly Span[] },
  second: { text: string; masks: readonly Span[] },
  tokenizer: WordTokenizer,
  options: PairWindowOptions = {},
): PairWindow {
  const cls = tokenizer.clsTokenId;
  const sep = tokenizer.sepTokenId;
  const prefix = tokenizer.prefixIds;
  const suffix = tokenizer.suffixIds;
  if (cls === undefined || sep === undefined || prefix.length !== 1 || prefix[0] !== cls || suffix.length !== 1 || suffix[0] !== sep) {
    throw new TypeError('Expected a BERT tokenizer (`[CLS] text [SEP]`) for a sentence pair');
  }
  if (first.masks.length + second.masks.length === 0) throw new RangeError('Expected at least one mask in the sentence pair, got none');
  const maxTokens = options.maxTokens ?? 128;
  const half = Math.floor(maxTokens / 2);
  const part = (sentence: { text: string; masks: readonly Span[] }, budget: number): MaskWindow | { inputIds: number[]; text: string } => {
    if (sentence.masks.length > 0) return buildWindow(sentence.text, sentence.masks, tokenizer, { maxTokens: budget, maskToken: options.maskToken });
    const ids = tokenizer.encode(sentence.text);
    return { inputIds: ids.length <= budget ? ids : [...ids.slice(0, budget - 1), sep], text: sentence.text };
  };
  const a = part(first, half + (maxTokens % 2));
  // `[CLS]` of the second window is dropped: one `[SEP]` separates the sentences.
  const b = part(second, half + 1);
  const bIds = b.inputIds.slice(1);
  const shift = a.inputIds.length - 1;
  const textShift = a.text.length + 1;
  const masksOf = (w: typeof a): WindowMask[] => ('masks' in w ? w.masks : []);
  const masks = [
    ...masksOf(a),
    ...masksOf(b).map((m) => ({ ...m, position: m.position + shift, textOffset: m.textOffset + textShift })),
  ];
  const inputIds = [...a.inputIds, ...bIds];
  return {
    inputIds,
    tokenTypeIds: [...new Array<number>(a.inputIds.length).fill(0), ...new Array<number>(bIds.length).fill(1)],
    attentionMask: new Array<number>(inputIds.length).fill(1),
    maskPositions: masks.map((m) => m.position),
    spans: masks.map((m) => ({ ...m.span })),
    masks,
    maskSegments: [...masksOf(a).map(() => 0 as const), ...masksOf(b).map(() => 1 as const)],
    contextSpan: 'contextSpan' in a ? a.contextSpan : { start: 0, end: first.text.length },
    text: `${a.text}\n${b.text}`,
    segments: [],
  };
}
