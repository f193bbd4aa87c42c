/**
 * transformers.js as a peer implementation: its fill-mask pipeline, loaded
 * from one of our ordinary model folders, gives the golden outputs that our
 * engine is compared with.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FillMaskPipeline } from '@huggingface/transformers' with { 'resolution-mode': 'import' };

export interface PeerOptions {
  /**
   * Which file transformers.js loads: `fp32` reads `onnx/model.onnx`, `q8`
   * reads `onnx/model_quantized.onnx`. Either way it is the folder's own
   * `model.onnx`, so pass the folder of a quantized model for `q8`.
   * @default 'fp32'
   */
  dtype?: 'fp32' | 'q8';
  /**
   * Threads for onnxruntime, for fair timing against our engine.
   * @default 1
   */
  intraOpNumThreads?: number;
}

const PEER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

// One temporary root per process: `env.localModelPath` is global, so every
// layout must live under the same root for concurrent loads to be safe.
let peerRoot: string | undefined;
const usedIds = new Set<string>();

function layoutRoot(): string {
  if (peerRoot === undefined) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-peer-'));
    process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    peerRoot = root;
  }
  return peerRoot;
}

function freshId(base: string): string {
  let id = base;
  for (let i = 2; usedIds.has(id); i++) id = `${base}-${i}`;
  usedIds.add(id);
  return id;
}

/**
 * Lays `modelDir` (`model.onnx`, `config.json`, `tokenizer.json`,
 * `tokenizer_config.json`) out as transformers.js expects a local model, in a
 * temporary folder of symlinks removed at exit, and returns its fill-mask
 * pipeline. Remote models, the browser cache and the file cache stay off.
 * @throws Error naming the missing file when `modelDir` lacks one
 */
export async function loadPeerFillMask(modelDir: string, options: PeerOptions = {}): Promise<FillMaskPipeline> {
  const dtype = options.dtype ?? 'fp32';
  const source = path.resolve(modelDir);
  for (const file of ['model.onnx', ...PEER_FILES]) {
    if (!fs.existsSync(path.join(source, file))) throw new Error(`Missing ${file} in ${source}`);
  }
  const root = layoutRoot();
  const modelId = freshId(path.basename(source));
  const target = path.join(root, modelId);
  fs.mkdirSync(path.join(target, 'onnx'), { recursive: true });
  for (const file of PEER_FILES) fs.symlinkSync(path.join(source, file), path.join(target, file));
  const onnxName = dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx';
  fs.symlinkSync(path.join(source, 'model.onnx'), path.join(target, 'onnx', onnxName));

  // transformers.js requires onnxruntime-node on import: telemetry must be off before that.
  process.env.ORT_DISABLE_TELEMETRY = '1';
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = root;
  env.useBrowserCache = false;
  env.useFSCache = false;
  return pipeline('fill-mask', modelId, {
    device: 'cpu',
    dtype,
    session_options: { intraOpNumThreads: options.intraOpNumThreads ?? 1 },
  });
}
