/**
 * What the client checks and trims before a request crosses to the worker:
 * mask spans inside the text, at most {@link MAX_MASKS_PER_REQUEST} of them,
 * and a huge text cut to a slice around them (results are shifted back).
 */
import { isLowSurrogate } from '../text/words';
import type { FillRequest, MaskResult } from './types';

/**
 * Documents above this many UTF-16 code units are cut to a slice around the
 * masks before they are posted, so a huge file costs the editor thread one
 * `slice`, not a copy of the whole text.
 */
const MAX_POSTED_CHARS = 64 * 1024;

/**
 * The most mask spans one request may have. No model we know has a window of
 * more than 512 positions, so more masks can never fit one forward pass; a
 * request with more is rejected before anything is sent to the worker.
 */
export const MAX_MASKS_PER_REQUEST = 512;

/** Cuts a huge text to a slice around its masks; returns the slice's offset into the original. */
export function cutForPosting(request: FillRequest): { posted: FillRequest; offset: number } {
  if (typeof request?.text !== 'string') {
    throw new TypeError(`Expected \`text\` to be a string, got \`${typeof request?.text}\``);
  }
  // A sentence pair may have its masks in the second sentence only.
  const pairMasks = request.pair?.masks?.length ?? 0;
  if (!Array.isArray(request.masks) || (request.masks.length === 0 && pairMasks === 0)) {
    throw new TypeError('Expected `masks` to be a non-empty array of spans');
  }
  if (request.masks.length > MAX_MASKS_PER_REQUEST) {
    throw new RangeError(`Expected at most ${MAX_MASKS_PER_REQUEST} mask spans per request, got ${request.masks.length}`);
  }
  for (const span of request.masks) {
    if (!Number.isInteger(span?.start) || !Number.isInteger(span?.end) || span.start < 0 || span.end < span.start || span.end > request.text.length) {
      throw new RangeError(`Expected each mask span to lie inside the text (0..${request.text.length}), got \`${JSON.stringify(span)}\``);
    }
  }
  if (request.text.length <= MAX_POSTED_CHARS || request.masks.length === 0) return { posted: request, offset: 0 };
  const first = Math.min(...request.masks.map((m) => m.start));
  const last = Math.max(...request.masks.map((m) => m.end));
  const margin = Math.max(0, Math.floor((MAX_POSTED_CHARS - (last - first)) / 2));
  let start = Math.max(0, first - margin);
  let end = Math.min(request.text.length, last + margin);
  // Never split a surrogate pair at the cut.
  if (start > 0 && isLowSurrogate(request.text.charCodeAt(start))) start--;
  if (end < request.text.length && isLowSurrogate(request.text.charCodeAt(end))) end++;
  const text = request.text.slice(start, end);
  const masks = request.masks.map((m) => ({ start: m.start - start, end: m.end - start }));
  return { posted: { ...request, text, masks }, offset: start };
}

export function shiftResult(result: MaskResult, offset: number): MaskResult {
  return { ...result, span: { start: result.span.start + offset, end: result.span.end + offset } };
}
