import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { resolveLocal } from '../../src/models/model-store';
import { TINY, tinyEngine } from '../helpers/tiny-model';

/** A copy of the tiny model with its ONNX file at each of `places` (relative paths) and nowhere else. */
function folderWith(places: string[], t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-model-file-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const name of ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'vocab.txt']) fs.copyFileSync(path.join(TINY, name), path.join(dir, name));
  for (const place of places) {
    fs.mkdirSync(path.dirname(path.join(dir, place)), { recursive: true });
    fs.copyFileSync(path.join(TINY, 'model.onnx'), path.join(dir, place));
  }
  return dir;
}

for (const places of [
  ['model_quantized.onnx', 'onnx/model_quantized.onnx'],
  ['onnx/model.onnx', 'onnx/model_quantized.onnx'],
  ['model.onnx', 'onnx/model_quantized.onnx'],
  ['onnx/model.onnx', 'model_quantized.onnx'],
]) {
  test(`a folder with ${places.join(' and ')} reports the ONNX file the engine loads`, async (t) => {
    const dir = folderWith(places, t);
    const reported = (await resolveLocal(dir)).files.find((f) => f.name === 'model.onnx')?.path;
    const engine = tinyEngine({ modelDir: dir });
    try {
      const loaded = (await engine.load()).modelFile;
      assert.equal(path.resolve(dir, reported ?? ''), path.resolve(loaded));
    } finally {
      await engine.dispose();
    }
  });
}
