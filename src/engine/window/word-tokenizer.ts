import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Tokenizers from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import { ModelError } from '../errors';
import { LruCache } from '../lru-cache';

// The package ships a CommonJS build (its `require` export) but only ESM type declarations,
// which a CommonJS module may import for types alone.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as typeof Tokenizers;
type Tokenizer = Tokenizers.Tokenizer;

/**
 * How a vocabulary marks word pieces:
 * - `wordpiece`: BERT-style; pieces that continue a word carry a prefix (`##berries`).
 * - `bpe`: byte-level BPE (RoBERTa, GPT-2); pieces that start a word after a space carry a
 *   marker (`Ġparis`), everything else is bare.
 * - `unigram`: SentencePiece (ALBERT, XLM-R); like `bpe` with the marker `▁`.
 */
export type VocabularyKind = 'wordpiece' | 'bpe' | 'unigram';

/** Options for {@link WordTokenizer.fromVocabTxt}. */
export interface VocabTxtOptions {
  /**
   * Lowercase and strip accents before looking words up, as an uncased BERT does.
   * @default true (the default of the Python `BertTokenizer`)
   */
  lowercase?: boolean;
}

/** What `@huggingface/tokenizers` reads; only the parts we inspect are typed. */
interface TokenizerJson {
  added_tokens: AddedTokenJson[];
  normalizer: NormalizerJson | null;
  pre_tokenizer: { type: string; pretokenizers?: { type: string; replacement?: string }[]; replacement?: string } | null;
  post_processor: unknown;
  decoder: unknown;
  model: { type?: string; vocab: unknown; continuing_subword_prefix?: string | null; unk_token?: string };
}

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
  normalized?: boolean;
}

interface NormalizerJson {
  type: string;
  lowercase?: boolean;
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  normalizers?: NormalizerJson[];
}

type TokenizerConfig = Record<string, unknown>;

/** How many fragments {@link WordTokenizer.encodePiece} remembers: a few pages of prose. */
const PIECE_CACHE_SIZE = 4096;
const TOKENIZER_FILE = 'tokenizer.json';
const CONFIG_FILE = 'tokenizer_config.json';
const VOCAB_FILE = 'vocab.txt';

/**
 * Text <-> ids for a masked-language model, around `@huggingface/tokenizers`.
 *
 * The underlying tokenizer gives ids and tokens but no character offsets; callers that
 * need offsets tokenize pieces of text separately (see `mask-window.ts`), using the
 * facts this class exposes about where the tokenizer may split text.
 */
export class WordTokenizer {
  /** The mask token's text, e.g. `[MASK]` (BERT) or `<mask>` (RoBERTa). */
  readonly maskToken: string;
  /** The mask token's id. */
  readonly maskTokenId: number;
  /**
   * Whether the tokenizer removes whitespace before (`left`) or after (`right`) a mask
   * token (the added token's `lstrip`/`rstrip`; RoBERTa's `<mask>` has `lstrip`).
   */
  readonly maskStrip: { readonly left: boolean; readonly right: boolean };
  /** The id of the classifier/start token (`[CLS]`, `<s>`), if the vocabulary has one. */
  readonly clsTokenId: number | undefined;
  /** The id of the separator/end token (`[SEP]`, `</s>`), if the vocabulary has one. */
  readonly sepTokenId: number | undefined;
  /** The id of the padding token (`[PAD]`, `<pad>`), if the vocabulary has one. */
  readonly padTokenId: number | undefined;
  /** The id of the unknown-word token (`[UNK]`, `<unk>`), if the vocabulary has one. */
  readonly unkTokenId: number | undefined;
  /** The ids `encode` puts before the text (e.g. `[101]` for BERT's `[CLS]`). */
  readonly prefixIds: readonly number[];
  /** The ids `encode` puts after the text (e.g. `[102]` for BERT's `[SEP]`). */
  readonly suffixIds: readonly number[];
  /** Ids of every special token (added tokens marked `special`, and `additional_special_tokens`). */
  readonly specialIds: ReadonlySet<number>;
  /** One more than the largest id the tokenizer knows (30522 for bert-base-uncased). */
  readonly vocabSize: number;
  /** True when the tokenizer lowercases text before lookup (uncased models). */
  readonly lowercase: boolean;
  /** How the vocabulary marks word pieces; see {@link VocabularyKind}. */
  readonly kind: VocabularyKind;
  /** For `wordpiece`: the prefix of pieces that continue a word (`##`); otherwise undefined. */
  readonly continuationPrefix: string | undefined;
  /** For `bpe`/`unigram`: the marker of pieces that start a word after a space (`Ġ`, `▁`); otherwise undefined. */
  readonly wordStartMarker: string | undefined;
  /**
   * True when whitespace changes the ids (byte-level BPE, SentencePiece: a space becomes part
   * of the next token); false when whitespace only separates words (BERT).
   */
  readonly encodesWhitespace: boolean;

  readonly #tokenizer: Tokenizer;
  // Windows are built from words tokenized one by one, and the same paragraph is
  // windowed again for every keystroke, hover and hint: most words were seen
  // moments ago, and a tokenizer run costs several microseconds a word.
  readonly #pieces = new LruCache<string, readonly number[]>(PIECE_CACHE_SIZE);
  readonly #cleansControls: boolean;
  readonly #isolatesCjk: boolean;

  private constructor(tokenizer: Tokenizer, json: TokenizerJson, config: TokenizerConfig, source: string) {
    this.#tokenizer = tokenizer;
    const added = json.added_tokens;

    const mask = findMaskToken(added, config);
    if (mask === undefined) {
      throw new ModelError('no-mask-token', `The tokenizer in ${source} has no mask token (no \`mask_token\` in ${CONFIG_FILE}, no [MASK] or <mask> among its added tokens)`, source);
    }
    const maskId = tokenizer.token_to_id(mask);
    if (maskId === undefined) {
      throw new ModelError('no-mask-token', `The mask token \`${mask}\` of ${source} is not in its vocabulary`, source);
    }
    this.maskToken = mask;
    this.maskTokenId = maskId;
    const maskEntry = added.find((t) => t.content === mask);
    this.maskStrip = { left: maskEntry?.lstrip ?? false, right: maskEntry?.rstrip ?? false };

    const idOf = (key: string, fallbacks: string[]): number | undefined => {
      const named = tokenContent(config[key]);
      for (const candidate of named === undefined ? fallbacks : [named, ...fallbacks]) {
        const id = tokenizer.token_to_id(candidate);
        if (id !== undefined) return id;
      }
      return undefined;
    };
    this.clsTokenId = idOf('cls_token', ['[CLS]', '<s>']);
    this.sepTokenId = idOf('sep_token', ['[SEP]', '</s>']);
    this.padTokenId = idOf('pad_token', ['[PAD]', '<pad>']);
    this.unkTokenId = idOf('unk_token', [json.model.unk_token ?? '[UNK]', '[UNK]', '<unk>']);

    const special = new Set<number>();
    for (const token of added) {
      if (token.special === true) special.add(token.id);
    }
    const additional = config['additional_special_tokens'];
    if (Array.isArray(additional)) {
      for (const item of additional) {
        const content = tokenContent(item);
        const id = content === undefined ? undefined : tokenizer.token_to_id(content);
        if (id !== undefined) special.add(id);
      }
    }
    special.add(maskId);
    this.specialIds = special;

    let maxId = -1;
    for (const id of tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const normalizers = flattenNormalizers(json.normalizer);
    const bert = normalizers.find((n) => n.type === 'BertNormalizer');
    this.lowercase = normalizers.some((n) => n.type === 'Lowercase' || (n.type === 'BertNormalizer' && n.lowercase === true));
    this.#cleansControls = bert !== undefined && bert.clean_text !== false;
    this.#isolatesCjk = bert !== undefined && bert.handle_chinese_chars !== false;

    const modelType = json.model.type ?? (Array.isArray(json.model.vocab) ? 'Unigram' : 'merges' in json.model ? 'BPE' : 'WordPiece');
    const preTokenizers = json.pre_tokenizer === null ? [] : json.pre_tokenizer.type === 'Sequence' ? json.pre_tokenizer.pretokenizers ?? [] : [json.pre_tokenizer];
    const metaspace = preTokenizers.find((p) => p.type === 'Metaspace');
    if (modelType === 'WordPiece') {
      this.kind = 'wordpiece';
      this.continuationPrefix = json.model.continuing_subword_prefix ?? '##';
      this.wordStartMarker = undefined;
      this.encodesWhitespace = false;
    } else if (modelType === 'BPE' || modelType === 'Unigram') {
      this.kind = modelType === 'BPE' ? 'bpe' : 'unigram';
      this.continuationPrefix = undefined;
      this.wordStartMarker = metaspace !== undefined ? metaspace.replacement ?? '\u2581' : modelType === 'BPE' ? '\u0120' : '\u2581';
      this.encodesWhitespace = true;
    } else {
      throw new ModelError('invalid-tokenizer', `Unsupported tokenizer model type \`${modelType}\` in ${source}`, source);
    }

    // Which special tokens `encode` wraps the text in: found by encoding a probe, so any
    // post-processor (Bert, Roberta, Template) is read the same way.
    const probe = 'a';
    const bare = tokenizer.encode(probe, { add_special_tokens: false }).ids;
    const wrapped = tokenizer.encode(probe, { add_special_tokens: true }).ids;
    const at = indexOfRun(wrapped, bare);
    if (bare.length === 0 || at < 0) {
      throw new ModelError('invalid-tokenizer', `Cannot tell which special tokens the tokenizer in ${source} adds (probe \`${probe}\` gave ${JSON.stringify(wrapped)})`, source);
    }
    this.prefixIds = wrapped.slice(0, at);
    this.suffixIds = wrapped.slice(at + bare.length);
  }

  /**
   * Loads the tokenizer of a model folder: `tokenizer.json` with `tokenizer_config.json`
   * beside it, or, for older exports, `vocab.txt` alone (a BERT WordPiece vocabulary;
   * lowercasing follows `do_lower_case` in `tokenizer_config.json`, default true).
   * A missing `tokenizer_config.json` is read as `{}`.
   * @param dir The model folder.
   * @throws {ModelError} `missing-file` when neither `tokenizer.json` nor `vocab.txt` exists;
   *   `invalid-tokenizer` when a file is not valid JSON or the tokenizer rejects it;
   *   `no-mask-token` when the vocabulary has no mask token. `path` names the file at fault.
   */
  static fromFolder(dir: string): WordTokenizer {
    const tokenizerPath = path.join(dir, TOKENIZER_FILE);
    const configPath = path.join(dir, CONFIG_FILE);
    const config = fs.existsSync(configPath) ? readJson(configPath) : {};
    if (!isRecord(config)) {
      throw new ModelError('invalid-tokenizer', `Expected ${configPath} to hold a JSON object`, configPath);
    }
    if (!fs.existsSync(tokenizerPath)) {
      const vocabPath = path.join(dir, VOCAB_FILE);
      if (fs.existsSync(vocabPath)) {
        const lowercase = typeof config['do_lower_case'] === 'boolean' ? config['do_lower_case'] : true;
        return WordTokenizer.fromVocabTxt(vocabPath, { lowercase }, config);
      }
      throw new ModelError('missing-file', `Missing ${TOKENIZER_FILE} (or ${VOCAB_FILE}) in ${dir}`, tokenizerPath);
    }
    return WordTokenizer.fromJson(readJson(tokenizerPath), config, tokenizerPath);
  }

  /**
   * Builds a tokenizer from parsed `tokenizer.json` and `tokenizer_config.json` contents.
   * @param tokenizerJson The parsed `tokenizer.json`.
   * @param tokenizerConfig The parsed `tokenizer_config.json` (`{}` when there is none).
   * @param source Where the data came from, for error messages and `ModelError.path`.
   * @throws {ModelError} `invalid-tokenizer` when the data is not a tokenizer we can use;
   *   `no-mask-token` when it has no mask token.
   */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown = {}, source = '(in memory)'): WordTokenizer {
    if (!isRecord(tokenizerJson) || !Array.isArray(tokenizerJson['added_tokens']) || !isRecord(tokenizerJson['model'])) {
      throw new ModelError('invalid-tokenizer', `Expected ${source} to be a tokenizer.json object with \`model\` and \`added_tokens\``, source);
    }
    if (!isRecord(tokenizerConfig)) {
      throw new ModelError('invalid-tokenizer', `Expected the tokenizer config for ${source} to be an object, got ${JSON.stringify(tokenizerConfig)}`, source);
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (error) {
      throw new ModelError('invalid-tokenizer', `The tokenizer in ${source} cannot be loaded: ${String(error)}`, source, { cause: error });
    }
    try {
      return new WordTokenizer(tokenizer, tokenizerJson as unknown as TokenizerJson, tokenizerConfig, source);
    } catch (error) {
      if (error instanceof ModelError) throw error;
      throw new ModelError('invalid-tokenizer', `The tokenizer in ${source} cannot be used: ${String(error)}`, source, { cause: error });
    }
  }

  /**
   * Builds a BERT WordPiece tokenizer from a plain `vocab.txt` (one token per line, the
   * line number is the id), as the Python `BertTokenizer` would: BertNormalizer,
   * BertPreTokenizer, `##` continuations, `[CLS] text [SEP]`.
   * @param vocabPath The `vocab.txt` file.
   * @param options See {@link VocabTxtOptions}.
   * @param tokenizerConfig Extra `tokenizer_config.json` fields (e.g. a non-default `mask_token`).
   * @throws {ModelError} `missing-file` when the file does not exist; `invalid-tokenizer` when it
   *   lacks `[UNK]`, `[CLS]` or `[SEP]`; `no-mask-token` when it has no mask token.
   */
  static fromVocabTxt(vocabPath: string, options: VocabTxtOptions = {}, tokenizerConfig: TokenizerConfig = {}): WordTokenizer {
    let text: string;
    try {
      text = fs.readFileSync(vocabPath, 'utf8');
    } catch (error) {
      throw new ModelError('missing-file', `Cannot read ${vocabPath}: ${String(error)}`, vocabPath, { cause: error });
    }
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    const lowercase = options.lowercase ?? true;
    let json: Record<string, unknown>;
    try {
      json = bertTokenizerJson(lines, lowercase);
    } catch (error) {
      throw new ModelError('invalid-tokenizer', `${vocabPath} is not a BERT vocabulary: ${(error as Error).message}`, vocabPath, { cause: error });
    }
    return WordTokenizer.fromJson(json, { do_lower_case: lowercase, ...tokenizerConfig }, vocabPath);
  }

  /**
   * The ids of `text` with the model's special tokens around it, as the pipeline's tokenizer
   * gives them (`[CLS] … [SEP]` for BERT).
   * @param text Any text; mask tokens in it become the mask id.
   */
  encode(text: string): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: true }).ids;
  }

  /**
   * The ids of a fragment of text, without special tokens around it.
   * @param text Any text; mask tokens in it become the mask id. Empty text gives `[]`.
   */
  encodePiece(text: string): number[] {
    if (text.length === 0) return [];
    const known = this.#pieces.get(text);
    if (known !== undefined) return known.slice();
    const ids = this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
    this.#pieces.set(text, ids.slice());
    return ids;
  }

  /**
   * Ids back to text, as the Hugging Face tokenizer's `decode` does: `decode([id])` is the
   * fill-mask pipeline's `token_str` (`##berries` stays `##berries` for BERT; `Ġparis` gives
   * ` paris` for RoBERTa); pieces of a sequence are joined and tokenization spaces cleaned up
   * (`what is your name ?` gives `what is your name?`) when the tokenizer config asks for it
   * (`clean_up_tokenization_spaces`, default true).
   * @param ids Token ids; ids outside the vocabulary decode as the unknown token.
   * @param options `skipSpecialTokens` drops special tokens first. @default false
   * @returns The text; `''` for no ids.
   */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return '';
    return this.#tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /**
   * The vocabulary entry of an id (`##berries`, `Ġparis`), or undefined outside the vocabulary.
   * @param id A token id.
   */
  idToToken(id: number): string | undefined {
    return this.#tokenizer.id_to_token(id);
  }

  /**
   * The id of a vocabulary entry, or undefined when there is none.
   * @param token A vocabulary entry, exactly as stored (`##berries`, `Ġparis`).
   */
  tokenToId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  /**
   * Whether a vocabulary entry lacks the mark of a word start: for `wordpiece`, it carries the
   * continuation prefix (`##berries`); for `bpe`/`unigram`, it lacks the word-start marker
   * (`berries` rather than `Ġberries`). A bare BPE piece can still start a word where no space
   * precedes it (at the start of a text, after a bracket), so callers weigh it with context.
   * False for special tokens and ids outside the vocabulary.
   * @param id A token id.
   */
  isContinuation(id: number): boolean {
    const token = this.idToToken(id);
    if (token === undefined || this.specialIds.has(id)) return false;
    if (this.continuationPrefix !== undefined) return token.startsWith(this.continuationPrefix) && token.length > this.continuationPrefix.length;
    return this.wordStartMarker !== undefined && !token.startsWith(this.wordStartMarker);
  }

  /**
   * The tokenizer's own normalization of a text (lowercasing, accent stripping, …), or the
   * text unchanged when it has no normalizer. Used to compare words as the model sees them.
   * @param text Any text.
   */
  normalize(text: string): string {
    const normalizer = this.#tokenizer.normalizer;
    return normalizer === null ? text : normalizer(text);
  }

  /**
   * Whether a character separates words for this tokenizer, i.e. text may be cut there and
   * tokenized in parts with the same ids. JavaScript's `\s`, less the control characters
   * that BERT's normalizer deletes (`\v`, `\f`, U+FEFF), which join their neighbours instead.
   * @param char One character (a UTF-16 code unit or a code point).
   */
  isWhitespace(char: string): boolean {
    if (!/^\s$/u.test(char)) return false;
    return !(this.#cleansControls && (char === '\v' || char === '\f' || char === '\uFEFF'));
  }

  /**
   * Whether the tokenizer always makes this UTF-16 code unit a word of its own: BERT's
   * normalizer puts spaces around CJK ideographs. `@huggingface/tokenizers` tests each UTF-16
   * code unit, so ideographs outside the BMP (e.g. U+20000) are not isolated.
   * @param codeUnit A UTF-16 code unit, 0..0xFFFF.
   */
  isolates(codeUnit: number): boolean {
    return this.#isolatesCjk && isCjkCodeUnit(codeUnit);
  }
}

/** BERT's CJK ranges, as `@huggingface/tokenizers` tests them (only the BMP ranges can match a code unit). */
function isCjkCodeUnit(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token field of tokenizer_config.json: a string or an AddedToken object `{ content }`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value['content'] === 'string') return value['content'];
  return undefined;
}

function findMaskToken(added: AddedTokenJson[], config: TokenizerConfig): string | undefined {
  const configured = tokenContent(config['mask_token']);
  if (configured !== undefined) return configured;
  const known = ['[MASK]', '<mask>'];
  return added.find((t) => known.includes(t.content))?.content ?? added.find((t) => /^[[<]mask[\]>]$/i.test(t.content))?.content;
}

function flattenNormalizers(normalizer: NormalizerJson | null | undefined): NormalizerJson[] {
  if (normalizer === null || normalizer === undefined) return [];
  if (normalizer.type === 'Sequence') return (normalizer.normalizers ?? []).flatMap(flattenNormalizers);
  return [normalizer];
}

function indexOfRun(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ModelError('missing-file', `Cannot read ${file}: ${String(error)}`, file, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelError('invalid-tokenizer', `${file} is not valid JSON: ${(error as Error).message}`, file, { cause: error });
  }
}

/**
 * The tokenizer.json the Python `BertTokenizerFast` would write for this
 * vocabulary (one token per id, in id order): BertNormalizer, BertPreTokenizer,
 * WordPiece with `##`, `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` templates.
 * The test models' tokenizers are written by it too.
 * @param maskToken - the mask token, when the vocabulary's is not `[MASK]`.
 */
export function bertTokenizerJson(tokens: readonly string[], lowercase: boolean, maskToken = '[MASK]'): Record<string, unknown> {
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  // A repeated line maps to its last id, as in the Python `BertTokenizer.load_vocab`.
  tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  for (const required of ['[UNK]', '[CLS]', '[SEP]']) {
    if (!(required in vocab)) throw new Error(`no \`${required}\` token`);
  }
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', maskToken].filter((t) => t in vocab);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: vocab[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}
