import type { MaskWindow } from '../window/mask-window';
import type { MaskedLm } from '../worker/masked-lm';
import { rankSuggestions, type SuggestionFilter } from './rank-suggestions';
import type { MaskResult } from '../types';

/**
 * Fills several masks of one window jointly, greedily, most confident first:
 * one forward pass over the window with every unfilled mask; the mask whose
 * best candidate has the highest probability takes it (its token is written
 * into the window); repeat until every mask is filled. `n` masks cost `n`
 * forward passes, the first being the same pass the independent fill runs.
 *
 * Each result holds the candidates ranked at the step its mask was chosen
 * (so later masks see the earlier choices in their context), and `joint`
 * tells the step, the chosen candidate (always `suggestions[0]`) and the
 * window with every mask filled.
 * @param first - the logits of the first pass, when the caller has them (cached).
 */
export async function jointFill(
  lm: MaskedLm,
  window: MaskWindow,
  options: { topK: number; filter?: SuggestionFilter; first?: Float32Array[] },
): Promise<MaskResult[]> {
  const tokenizer = lm.tokenizer;
  const inputIds = window.inputIds.slice();
  const results: (MaskResult | undefined)[] = window.masks.map(() => undefined);
  const steps: number[] = [];
  let first = options.first;
  for (let step = 0; step < window.masks.length; step++) {
    const open = window.masks.map((_, i) => i).filter((i) => results[i] === undefined);
    const positions = open.map((i) => window.maskPositions[i]);
    const rows = first ?? (await lm.logitsAt({ inputIds, tokenTypeIds: window.tokenTypeIds, maskPositions: positions }));
    // The cached first pass holds every mask, in the caller's order: the same as `open`.
    first = undefined;
    // Rank against the window as it stands now, so `sequence` shows the earlier choices.
    const current: MaskWindow = { ...window, inputIds: inputIds.slice() };
    const ranked = open.map((maskIndex, k) => rankSuggestions(rows[k], { tokenizer, window: current, maskIndex, topK: options.topK, filter: options.filter }));
    let best = -1;
    ranked.forEach((r, k) => {
      if (r.suggestions.length > 0 && (best < 0 || r.suggestions[0].score > ranked[best].suggestions[0].score)) best = k;
    });
    // No candidate survived the filter anywhere: leave the rest as they are.
    if (best < 0) {
      open.forEach((maskIndex, k) => (results[maskIndex] = ranked[k]));
      break;
    }
    const maskIndex = open[best];
    results[maskIndex] = ranked[best];
    steps[maskIndex] = step;
    inputIds[window.maskPositions[maskIndex]] = ranked[best].suggestions[0].token;
  }
  const sequence = tokenizer.decode(inputIds.filter((x) => x !== tokenizer.padTokenId), { skipSpecialTokens: true });
  return results.map((r, i) => {
    const result = r as MaskResult;
    const chosen = steps[i] === undefined ? undefined : result.suggestions[0];
    return chosen ? { ...result, joint: { step: steps[i], chosen, sequence } } : result;
  });
}
