/**
 * Which ONNX file of a model folder is the model: the one rule for the
 * engine, which loads it, and for the model store, which reports it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * ONNX files looked for in a model folder, in this order: a file at the top
 * (a folder laid out by hand) before the Hub's `onnx/` layout, and there the
 * 8-bit export (what the catalogue downloads: faster, a quarter of the size)
 * before the float one.
 */
export const MODEL_FILE_CANDIDATES: readonly string[] = ['model.onnx', 'model_quantized.onnx', 'onnx/model_quantized.onnx', 'onnx/model.onnx'];

/** The model file of folder `dir` (absolute when `dir` is), the first of {@link MODEL_FILE_CANDIDATES} that exists; undefined when there is none. */
export function modelFileIn(dir: string): string | undefined {
  return MODEL_FILE_CANDIDATES.map((f) => path.join(dir, ...f.split('/'))).find((f) => fs.existsSync(f));
}
