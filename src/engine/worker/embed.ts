import type { MaskedLm } from './masked-lm';

/** What {@link embedText} returns. */
export interface Embedding {
  /** The mean-pooled last hidden state, `hidden` floats. */
  vector: number[];
  /** How many tokens were pooled, special tokens included. */
  tokens: number;
  /** True when the text was longer than the model allows and its end was dropped. */
  truncated: boolean;
}

/**
 * Feature extraction: the encoder's last hidden state at every token of
 * `[CLS] text [SEP]`, averaged over the tokens the attention mask lets
 * through (all of them: one unpadded text; special tokens included, as
 * sentence-transformers' mean pooling does). A text longer than the model's
 * positions keeps its first tokens and the closing special tokens.
 * @throws {ModelError} when the model's graph does not expose the hidden state.
 */
export async function embedText(lm: MaskedLm, text: string): Promise<Embedding> {
  if (typeof text !== 'string') throw new TypeError(`Expected \`text\` to be a string, got \`${String(text)}\``);
  const tokenizer = lm.tokenizer;
  let ids = tokenizer.encode(text);
  const max = lm.config.maxPositions;
  const truncated = ids.length > max;
  if (truncated) {
    const suffix = tokenizer.suffixIds.length;
    ids = [...ids.slice(0, max - suffix), ...ids.slice(ids.length - suffix)];
  }
  const { data, length, hidden } = await lm.hiddenStates(ids);
  // One unpadded text: the attention mask is all ones, so the masked mean is the plain mean.
  const vector = new Array<number>(hidden).fill(0);
  for (let t = 0; t < length; t++) {
    for (let d = 0; d < hidden; d++) vector[d] += data[t * hidden + d];
  }
  return { vector: vector.map((v) => v / length), tokens: length, truncated };
}
