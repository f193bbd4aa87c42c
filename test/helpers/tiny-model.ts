import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { findMaskTokens } from '../../src/engine/window/mask-window';
import { MaskedLm, type MaskedLmOptions } from '../../src/engine/worker/masked-lm';
import { silentLogger } from '../../src/engine/types';

/** The planted tiny model (test/fixtures/make-models.ts --tiny). */
export const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');

/** The typed `[MASK]` spans of `text`. */
export const masksOf = (text: string) => findMaskTokens(text, '[MASK]');

/** What {@link useTinyModel} hands its suite once `before` has run. */
export interface TinyModel {
  lm: MaskedLm;
  fillMask: FillMask;
}

/**
 * Loads the planted model in the calling suite's `before` hook (its
 * rewritten graph in a fresh temporary folder) and frees it in `after`.
 * Read the fields inside tests, not at suite definition time.
 */
export function useTinyModel(options: Omit<MaskedLmOptions, 'graphCacheDir'> = {}): TinyModel {
  const model = {} as TinyModel;
  let cacheDir = '';
  before(async () => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-graphs-'));
    model.lm = await MaskedLm.load(TINY, 1, silentLogger, { ...options, graphCacheDir: cacheDir });
    model.fillMask = new FillMask(model.lm, 8);
  });
  after(async () => {
    await model.lm?.release();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
  return model;
}
