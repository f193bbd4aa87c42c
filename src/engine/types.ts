/**
 * Types shared by the engine's main-thread client, its worker and its callers
 * (the editor adapters and the CLI). Offsets are UTF-16 code-unit offsets into
 * the text that was passed in, as JavaScript strings and VS Code use.
 */

/** A sink for diagnostics. A VS Code `LogOutputChannel` satisfies it. */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A half-open range `[start, end)` of UTF-16 offsets. */
export interface Span {
  start: number;
  end: number;
}

/** One ranked candidate for a mask, in the Hugging Face fill-mask pipeline's shape plus our own fields. */
export interface Suggestion {
  /** Softmax probability over the whole vocabulary at the mask position, 0..1. */
  score: number;
  /** Vocabulary id. */
  token: number;
  /** The decoded token, as the pipeline prints it (e.g. `paris`). */
  token_str: string;
  /** The model input's text with this token in place of the mask, as the pipeline prints it. */
  sequence: string;
  /** What to put into the document: `token_str` with the replaced word's capitalisation. */
  word: string;
  /**
   * Only with `FillRequest.wholeWords`: how many vocabulary pieces the word has
   * (1 for a single token). For a word of several pieces, `token` is its first
   * piece, `token_str` the decoded word, and `score` is `exp(logProb / pieces)`:
   * the geometric mean of the pieces' chain-rule probabilities (see
   * `whole-words.ts`), the same scale as a one-piece word's probability.
   */
  pieces?: number;
  /** Only with `FillRequest.wholeWords`: the vocabulary ids of all pieces. */
  tokens?: number[];
}

/** A word scored in place of a mask (`FillRequest.targets`). */
export interface TargetScore {
  /** The target as given, trimmed. */
  word: string;
  /** Its vocabulary ids at this position (one or more pieces). */
  tokens: number[];
  /** `tokens.length`. */
  pieces: number;
  /** Chain-rule log-probability of the whole word (natural log, sum over pieces). */
  logProb: number;
  /**
   * `exp(logProb / pieces)`, 0..1: for a one-piece word its softmax probability
   * (the pipeline's `targets` score); for more pieces the geometric mean per piece.
   */
  score: number;
}

/** The result for one mask span. */
export interface MaskResult {
  /** The document range that a suggestion replaces. */
  span: Span;
  /** The document text in `span`. */
  text: string;
  /** True when `span` held a literal mask token or is empty (a blank); false when it held a word to replace. */
  isMaskToken: boolean;
  /**
   * When replacing a word that is a single vocabulary token: that word's own
   * probability at this position, for comparison. Undefined for mask tokens and
   * for words the vocabulary splits into pieces.
   */
  original?: { token: number; score: number };
  /** Ranked candidates, best first, at most `topK`. */
  suggestions: Suggestion[];
  /** Only with `FillRequest.targets`: each target's score here, in the order given. */
  targets?: TargetScore[];
  /**
   * Only with `FillRequest.joint`: `step` is when this mask was filled (0 first),
   * `chosen` the word it got (`suggestions[0]`, which were ranked at that step,
   * with the earlier masks filled), `sequence` the window with every mask filled.
   */
  joint?: { step: number; chosen: Suggestion; sequence: string };
  /** Only with `FillRequest.pair`: which sentence the span is in (offsets are into that sentence). */
  segment?: 0 | 1;
}

/** What alternatives to a replaced word are; see {@link FillRequest.alternatives}. */
export type Alternatives = 'fit' | 'meaning';

/**
 * The default of {@link FillRequest.alternatives}, and of the editor's
 * `cloze.alternatives` and the CLI's `--alternatives`: the one place to change it.
 */
export const DEFAULT_ALTERNATIVES: Alternatives = 'fit';

/** What `Engine.fill` is asked for. */
export interface FillRequest {
  /** The document text, or any slice of it (offsets in `masks` are into this string). */
  text: string;
  /**
   * The spans to predict: a literal mask token, a word to replace, or an
   * empty span, `{ start: n, end: n }`: a blank inserted at offset `n`, the
   * text on both sides as it is (the gap after `The weather today is `).
   * Non-overlapping; two blanks at one offset overlap.
   */
  masks: Span[];
  /**
   * How many candidates per mask, an integer from 1 to 50.
   * @default 5
   */
  topK?: number;
  /**
   * The most model tokens to send, special tokens included; clamped to the
   * model's maximum positions.
   * @default 128
   */
  maxTokens?: number;
  /**
   * The text that marks a typed mask in `text`; any other span is a word to
   * replace. @default the model's own mask token (`[MASK]`, `<mask>`)
   */
  maskToken?: string;
  /**
   * Which candidates to keep: `none` keeps every vocabulary entry (the Hugging
   * Face pipeline's behaviour), `words` drops special tokens, word pieces,
   * punctuation, duplicates and the replaced word itself.
   * @default 'words' for a word being replaced, 'none' for a typed mask
   */
  filter?: 'none' | 'words';
  /**
   * Also propose words the vocabulary splits into 2 to `maxPieces` pieces: the
   * mask is widened to `k` mask ids and filled left to right by a beam search
   * of width `beam` (first piece a word start, the others `##` pieces). The
   * result merges them with the one-piece words (the `words` filter is then
   * implied) by mean log-probability per piece; see `Suggestion.pieces`.
   * Costs `2 + … + maxPieces` extra forward passes per mask, each batched over the beam.
   * `true` means `{ maxPieces: 3, beam: 4 }`.
   * @default false
   */
  wholeWords?: boolean | { maxPieces?: number; beam?: number };
  /**
   * Score these words at every mask instead of (in addition to) the model's
   * own candidates, as the pipeline's `targets` does, but a word of several
   * pieces is scored whole: `k` masks, chain rule left to right
   * (`MaskResult.targets`). 1 to 50 non-empty words.
   */
  targets?: string[];
  /**
   * Fill the masks jointly rather than independently: most confident mask
   * first, then a fresh forward pass with its word in place, and so on
   * (`n` passes for `n` masks; see `MaskResult.joint`). Not combined with
   * `wholeWords`. @default false
   */
  joint?: boolean;
  /**
   * What alternatives to a replaced word are: `fit` ranks what fits the gap
   * (the word itself unseen, so an antonym often wins: `a big house` →
   * `small`); `meaning` gives the model the original sentence first, as a
   * BERT sentence pair (`[CLS] text [SEP] text with the word masked [SEP]`,
   * LSBert's input), so that what keeps the word's meaning ranks higher
   * (`large`). Same cost: one forward pass, on about twice the tokens (each
   * sentence gets half of `maxTokens`). `sequence` then shows both sentences.
   * Typed masks and blanks have no word to keep: `fit` either way. Not with `pair`.
   * @default {@link DEFAULT_ALTERNATIVES}
   */
  alternatives?: Alternatives;
  /**
   * A BERT sentence pair: `text` is the first sentence and this the second;
   * the model reads `[CLS] text [SEP] pair.text [SEP]` with segment ids 0 then
   * 1. `pair.masks` are offsets into `pair.text`; their results come after
   * those of `masks`, with `segment: 1`.
   */
  pair?: { text: string; masks?: Span[] };
}

/** What a loaded model reports about itself. */
export interface ModelInfo {
  /** The model folder. */
  dir: string;
  /** The file the session was created from. */
  modelFile: string;
  maskToken: string;
  vocabSize: number;
  maxPositions: number;
  inputNames: string[];
  /**
   * Which graph runs: `head-at-mask` when the model was rewritten to compute
   * the vocabulary-wide logits at the masks only, `stock` when it runs as
   * exported (the rewrite was off or did not apply; the log says why).
   */
  graph: 'head-at-mask' | 'stock';
  /** Whether each attention block runs as one fused operator (dynamically quantized models the rewrite recognises). */
  fusedAttention: boolean;
  /** Milliseconds from start of load to a warmed-up session. */
  loadMs: number;
}

/** What `Engine.check` is asked for: how expected each word of a text is in its context. */
export interface CheckRequest {
  /** The document text, or any slice of it (offsets in `words` are into this string). */
  text: string;
  /** The words to score: non-empty, non-overlapping spans, each one word (see `wordAt`). At most 512. */
  words: Span[];
  /**
   * Alternatives kept per word, an integer from 1 to 50.
   * @default 5
   */
  topK?: number;
  /**
   * The most model tokens per forward pass, special tokens included.
   * @default 128
   */
  maxTokens?: number;
}

/** One word of a {@link CheckRequest}, scored in place. */
export interface WordCheck {
  span: Span;
  /** The document text in `span`. */
  text: string;
  /** The word's vocabulary id. */
  token: number;
  /**
   * The word's probability at its position with it masked (its term of the
   * text's pseudo-likelihood), 0..1.
   */
  score: number;
  /** The best other words at this position (the `words` filter, the word itself excluded), best first. */
  alternatives: Suggestion[];
}

/** What `Engine.check` found (computed by the worker's `checkWords`). */
export interface CheckResult {
  /** The words that are a single vocabulary piece, in the order of the request. */
  checked: WordCheck[];
  /**
   * The words it did not score, in the order of the request: those the
   * vocabulary splits into several pieces (or does not know), whose
   * probability is not comparable with a one-piece alternative's.
   */
  skipped: Span[];
  /** Milliseconds the check took where it ran (in the worker: queueing and the round trip not included). */
  ms: number;
}

/** What `Engine.embed` is asked for. */
export interface EmbedRequest {
  /** The text to embed; a text longer than the model allows keeps its start. */
  text: string;
}
