import { LruCache } from './lru-cache';
import { buildWindow } from './mask-window';
import type { MaskedLm } from './masked-lm';
import { rankSuggestions } from './rank-suggestions';
import type { FillRequest, MaskResult, ModelInfo } from './types';

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
      loadMs: this.lm.loadMs,
    };
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
    const window = buildWindow(request.text, request.masks, tokenizer, {
      maxTokens: Math.min(maxTokens, this.lm.config.maxPositions),
      maskToken: request.maskToken,
    });
    const key = `${window.inputIds.join(',')}|${window.maskPositions.join(',')}`;
    let rows = this.cache.get(key);
    if (!rows) {
      rows = await this.lm.logitsAt({ inputIds: window.inputIds, tokenTypeIds: window.tokenTypeIds, maskPositions: window.maskPositions });
      this.cache.set(key, rows);
    }
    return rows.map((logits, maskIndex) => rankSuggestions(logits, { tokenizer, window, maskIndex, topK, filter: request.filter }));
  }
}
