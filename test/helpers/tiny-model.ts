/**
 * The planted tiny model (test/fixtures/make-models.ts --tiny) and the one
 * way unit tests load it: through an {@link Engine} ({@link tinyEngine}) or
 * in process ({@link useTinyModel}). Both keep the rewritten graph in one
 * temporary folder per test process, never in the committed fixture folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { Engine, type EngineOptions } from '../../src/engine/engine';
import { silentLogger } from '../../src/engine/types';
import { findMaskTokens } from '../../src/engine/window/mask-window';
import { FillMask } from '../../src/engine/worker/fill-mask';
import { MaskedLm, type MaskedLmOptions } from '../../src/engine/worker/masked-lm';

/** The planted tiny model's folder. */
export const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');

/** The engine worker as it ships, which `npm test` builds first. */
export const BUILT_WORKER = path.join(__dirname, '../../dist/engine-worker.js');

/** Whether {@link BUILT_WORKER} is there; when not, skips test `t` saying why. */
export function hasBuiltWorker(t: { skip(message: string): void }): boolean {
  if (fs.existsSync(BUILT_WORKER)) return true;
  t.skip('needs dist/engine-worker.js (npm run build; npm test builds it)');
  return false;
}

/** The typed `[MASK]` spans of `text`. */
export const masksOf = (text: string) => findMaskTokens(text, '[MASK]');

let sharedGraphCache: string | undefined;

/**
 * This test process's folder for rewritten graphs: made on first use,
 * removed when the process exits. The tiny model is rewritten once per
 * process, and nothing is written beside the committed fixture.
 */
export function testGraphCache(): string {
  if (sharedGraphCache === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-test-graphs-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    sharedGraphCache = dir;
  }
  return sharedGraphCache;
}

/** An engine on the tiny model (one thread, graphs in {@link testGraphCache}); `options` override. The caller disposes it. */
export function tinyEngine(options: Partial<EngineOptions> = {}): Engine {
  return new Engine({ modelDir: TINY, threads: 1, graphCacheDir: testGraphCache(), ...options });
}

/**
 * An engine on the tiny model for the calling suite, made in its `before`
 * hook (loaded there with `load: true`) and disposed in `after`. Read
 * `.engine` inside tests, not at suite definition time.
 */
export function useTinyEngine(options: Partial<EngineOptions> & { load?: boolean } = {}): { engine: Engine } {
  const { load, ...engineOptions } = options;
  const holder = {} as { engine: Engine };
  before(async () => {
    holder.engine = tinyEngine(engineOptions);
    if (load) await holder.engine.load();
  });
  after(() => holder.engine?.dispose());
  return holder;
}

/** Loads the tiny model in process (graphs in {@link testGraphCache}). The caller releases it. */
export function loadTinyLm(options: Omit<MaskedLmOptions, 'graphCacheDir'> = {}): Promise<MaskedLm> {
  return MaskedLm.load(TINY, 1, silentLogger, { ...options, graphCacheDir: testGraphCache() });
}

/**
 * Counts the forward passes of `lm` (its calls to `logitsAtBatch`) until
 * `restore` puts the method back: `passes()` tells how many so far.
 */
export function countForwardPasses(lm: MaskedLm): { passes(): number; restore(): void } {
  const original = lm.logitsAtBatch;
  let passes = 0;
  lm.logitsAtBatch = (...args) => {
    passes++;
    return original.apply(lm, args);
  };
  return { passes: () => passes, restore: () => void (lm.logitsAtBatch = original) };
}

/** What {@link useTinyModel} hands its suite once `before` has run. */
export interface TinyModel {
  lm: MaskedLm;
  fillMask: FillMask;
}

/**
 * Loads the planted model in the calling suite's `before` hook and frees it
 * in `after`. Read the fields inside tests, not at suite definition time.
 */
export function useTinyModel(options: Omit<MaskedLmOptions, 'graphCacheDir'> = {}): TinyModel {
  const model = {} as TinyModel;
  before(async () => {
    model.lm = await loadTinyLm(options);
    model.fillMask = new FillMask(model.lm, 8);
  });
  after(async () => {
    await model.lm?.release();
  });
  return model;
}
