/**
 * Small, deterministic tokenizers for unit tests, so the engine's text side is tested on a
 * fresh clone without the real bert-base-uncased files: a BERT-style WordPiece tokenizer built
 * from a word list, and a RoBERTa-style byte-level BPE tokenizer (`<s>`, `</s>`, `<mask>` with
 * `lstrip`, `Ġ` word starts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bertTokenizerJson, WordTokenizer } from '../../src/engine/window/word-tokenizer';

/** The repository root (this file is test/helpers/small-tokenizer.ts). */
export const repoRoot = path.resolve(__dirname, '../..');

/** The real bert-base-uncased tokenizer folder, beside the repository. */
export const realBertDir = path.resolve(repoRoot, '../shared/bert-base-uncased');

/** `{ skip }` for tests that need the real tokenizer when it is absent. */
export const needsRealBert = fs.existsSync(path.join(realBertDir, 'tokenizer.json'))
  ? {}
  : { skip: 'needs ../shared/bert-base-uncased' };

/** The real bert-base-uncased tokenizer, or undefined when the folder is absent. */
export function realBert(): WordTokenizer | undefined {
  return needsRealBert.skip === undefined ? WordTokenizer.fromFolder(realBertDir) : undefined;
}

/** Words the small BERT vocabulary knows whole (lowercase). */
export const SMALL_WORDS = [
  'the', 'a', 'is', 'of', 'what', 'your', 'my', 'name', 'capital', 'france', 'paris', 'london',
  'city', 'cat', 'sat', 'on', 'mat', 'dog', 'and', 'it', 'was', 'good', 'day', 'i', 'you', 'he',
  'she', 'we', 'they', 'straw', 'cafe', 'naive', 'don', 't', 's', 'well', 'known', 'hello', 'world',
  'big', 'small', 'red', 'blue', 'this', 'that', 'in', 'to', 'be', 'not', 'very', 'home',
];

/** Continuation pieces the small BERT vocabulary knows (without `##`). */
export const SMALL_PIECES = ['berries', 'ing', 's', 'ed', 'ly'];

/** CJK characters the small BERT vocabulary knows. */
export const SMALL_CJK = ['中', '文', '字', '日', '本'];

/**
 * A BERT-style tokenizer.json for a word list: `[PAD] [unused0] [UNK] [CLS] [SEP] [MASK]`,
 * ASCII punctuation, the letters a–z, digits and their `##` forms (so any ASCII word
 * tokenizes without `[UNK]`), then the given words and pieces.
 * @returns The parsed tokenizer.json and tokenizer_config.json contents.
 */
export function smallBertJson(
  words: readonly string[] = SMALL_WORDS,
  pieces: readonly string[] = SMALL_PIECES,
  options: { lowercase?: boolean; maskToken?: string } = {},
): { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown> } {
  const lowercase = options.lowercase ?? true;
  const mask = options.maskToken ?? '[MASK]';
  const specials = ['[PAD]', '[unused0]', '[UNK]', '[CLS]', '[SEP]', mask];
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
  const entries = [
    ...specials,
    ...punctuation,
    ...letters,
    ...letters.map((c) => `##${c}`),
    ...SMALL_CJK,
    ...words,
    ...pieces.map((p) => `##${p}`),
  ];
  // The first of a repeated entry keeps its place.
  const unique = [...new Set(entries)];
  return {
    tokenizerJson: bertTokenizerJson(unique, lowercase, mask),
    tokenizerConfig: {
      do_lower_case: lowercase,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: mask,
    },
  };
}

/** The small BERT-style tokenizer; see {@link smallBertJson}. */
export function smallBert(options: { lowercase?: boolean } = {}): WordTokenizer {
  const { tokenizerJson, tokenizerConfig } = smallBertJson(SMALL_WORDS, SMALL_PIECES, options);
  return WordTokenizer.fromJson(tokenizerJson, tokenizerConfig, 'small-bert');
}

/** GPT-2's byte-to-character table: printable bytes map to themselves, the rest to U+0100 onwards. */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table[b] = String.fromCodePoint(printable ? b : next++);
  }
  return table;
}

/** Words the small RoBERTa vocabulary merges whole, with and without a leading space. */
export const SMALL_BPE_WORDS = ['The', 'the', 'capital', 'of', 'France', 'is', 'Paris', 'paris', 'London', 'city', 'cat', 'sat', 'on', 'mat', 'berries', 'straw', 'hello', 'world'];

/**
 * A RoBERTa-style byte-level BPE tokenizer.json: `<s> <pad> </s> <unk>`, the 256 byte
 * characters, merges that build each of `words` and `Ġ` + each of `words` left to right,
 * then `<mask>` (special, `lstrip`), as in roberta-base.
 */
export function smallRobertaJson(words: readonly string[] = SMALL_BPE_WORDS): {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
} {
  const bytes = bytesToUnicode();
  const encoder = new TextEncoder();
  const vocab: Record<string, number> = {};
  const add = (token: string): void => {
    if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
  };
  ['<s>', '<pad>', '</s>', '<unk>'].forEach(add);
  bytes.forEach(add);
  // Merges are added as a BPE trainer would: each new word is first split with the merges
  // so far, then joined left to right, so the merge list stays consistent.
  const merges: string[] = [];
  const rank = new Map<string, number>();
  const split = (chars: string[]): string[] => {
    const pieces = [...chars];
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < pieces.length; i++) {
        const r = rank.get(`${pieces[i]} ${pieces[i + 1]}`);
        if (r !== undefined && (best < 0 || r < (rank.get(`${pieces[best]} ${pieces[best + 1]}`) ?? Infinity))) best = i;
      }
      if (best < 0) return pieces;
      pieces.splice(best, 2, pieces[best] + pieces[best + 1]);
    }
  };
  for (const word of words) {
    for (const form of [word, ` ${word}`]) {
      const pieces = split(Array.from(encoder.encode(form), (b) => bytes[b]));
      let acc = pieces[0];
      for (const piece of pieces.slice(1)) {
        rank.set(`${acc} ${piece}`, merges.length);
        merges.push(`${acc} ${piece}`);
        acc += piece;
        add(acc);
      }
    }
  }
  add('<mask>');
  const added = (content: string, lstrip = false): Record<string, unknown> => ({
    id: vocab[content], content, single_word: false, lstrip, rstrip: false, normalized: false, special: true,
  });
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [added('<s>'), added('<pad>'), added('</s>'), added('<unk>'), added('<mask>', true)],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'RobertaProcessing', sep: ['</s>', vocab['</s>']], cls: ['<s>', vocab['<s>']], trim_offsets: true, add_prefix_space: false },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
    },
    tokenizerConfig: {
      bos_token: '<s>',
      eos_token: '</s>',
      sep_token: '</s>',
      cls_token: '<s>',
      unk_token: '<unk>',
      pad_token: '<pad>',
      mask_token: { content: '<mask>', lstrip: true, normalized: false, rstrip: false, single_word: false, special: true },
      clean_up_tokenization_spaces: false,
    },
  };
}

/** The small RoBERTa-style tokenizer; see {@link smallRobertaJson}. */
export function smallRoberta(): WordTokenizer {
  const { tokenizerJson, tokenizerConfig } = smallRobertaJson();
  return WordTokenizer.fromJson(tokenizerJson, tokenizerConfig, 'small-roberta');
}

/** A logits row of `size` values, `base` everywhere except the given ids. */
export function logitsWith(size: number, values: ReadonlyMap<number, number> | Record<number, number>, base = 0): Float32Array {
  const row = new Float32Array(size).fill(base);
  const entries = values instanceof Map ? [...values.entries()] : Object.entries(values).map(([k, v]) => [Number(k), v] as const);
  for (const [id, value] of entries) row[id] = value;
  return row;
}
