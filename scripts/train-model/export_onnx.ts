/**
 * Builds a Cloze model folder from weights written by dump_weights.py:
 *
 *   npx tsx scripts/train-model/export_onnx.ts <weights-dir> <model-dir> [--tokenizer <dir>] [--fp32 <file>]
 *
 * The graph is the BertForMaskedLM graph of test/fixtures/model-gen/bert-graph.ts
 * (laid out as a Hugging Face / optimum export: inputs input_ids, attention_mask,
 * token_type_ids with dynamic batch_size / sequence_length axes, output logits),
 * quantized to int8 as onnxruntime's quantize_dynamic does with its defaults:
 * MatMuls by a constant become MatMulInteger (quantize.ts), and Gathers from a
 * constant table (the embeddings) read an int8 table followed by a
 * DequantizeLinear. The tokenizer files are copied from --tokenizer
 * (default ../shared/bert-base-uncased, or $CLOZE_BERT_BASE_UNCASED_DIR).
 *
 * After writing, the model is run with onnxruntime-node on a few probes, next
 * to the float32 graph, and the top candidates of both are printed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadOrt } from '../../test/helpers/ort';
import { bertConfigJson, buildBertGraph, type BertConfig, type BertWeights, type Linear } from '../../test/fixtures/model-gen/bert-graph';
import { logitsAtMask, topK } from '../../test/fixtures/model-gen/fill-mask-check';
import { writeModel, type Graph, type GraphNode, type Initializer } from '../../test/fixtures/model-gen/onnx-graph';
import { quantizeDynamic, quantizeSymmetricInt8 } from '../../test/fixtures/model-gen/quantize';

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt'];
const PROBES = [
  'the program prints an error [MASK] the file is missing .',
  'the capital of france is [MASK] .',
  'you can use the [MASK] command to list the files in a directory .',
  'the kernel [MASK] the memory of the process .',
];

interface TensorIndex {
  offset: number;
  shape: number[];
}

interface WeightsFile {
  config: Record<string, number>;
  meta: Record<string, unknown>;
  tensors: Record<string, TensorIndex>;
}

function parseArgs(argv: string[]): { weightsDir: string; modelDir: string; tokenizerDir: string; fp32: string | undefined } {
  const positional: string[] = [];
  let tokenizerDir = process.env.CLOZE_BERT_BASE_UNCASED_DIR ?? path.resolve(__dirname, '../../../shared/bert-base-uncased');
  let fp32: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--tokenizer') tokenizerDir = argv[++i] as string;
    else if (arg === '--fp32') fp32 = argv[++i];
    else positional.push(arg);
  }
  if (positional.length !== 2) {
    throw new RangeError('Usage: tsx scripts/train-model/export_onnx.ts <weights-dir> <model-dir> [--tokenizer <dir>] [--fp32 <file>]');
  }
  return { weightsDir: positional[0] as string, modelDir: positional[1] as string, tokenizerDir, fp32 };
}

function readWeights(dir: string): { config: BertConfig; weights: BertWeights; meta: Record<string, unknown> } {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'weights.json'), 'utf8')) as WeightsFile;
  const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
  const c = index.config;
  const config: BertConfig = {
    vocabSize: c.vocab_size as number,
    hiddenSize: c.hidden_size as number,
    numHiddenLayers: c.num_hidden_layers as number,
    numAttentionHeads: c.num_attention_heads as number,
    intermediateSize: c.intermediate_size as number,
    maxPositionEmbeddings: c.max_position_embeddings as number,
    typeVocabSize: c.type_vocab_size as number,
    layerNormEps: c.layer_norm_eps as number,
  };
  const get = (name: string): Float32Array => {
    const t = index.tensors[name];
    if (!t) throw new Error(`weights.json has no tensor ${name}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = bin.readFloatLE(t.offset + 4 * i);
    return out;
  };
  const linear = (name: string): Linear => ({ weight: get(`${name}.weight`), bias: get(`${name}.bias`) });
  const ln = (name: string) => ({ gamma: get(`${name}.weight`), beta: get(`${name}.bias`) });
  const weights: BertWeights = {
    wordEmbeddings: get('bert.embeddings.word_embeddings.weight'),
    positionEmbeddings: get('bert.embeddings.position_embeddings.weight'),
    tokenTypeEmbeddings: get('bert.embeddings.token_type_embeddings.weight'),
    embeddingsLayerNorm: ln('bert.embeddings.LayerNorm'),
    layers: Array.from({ length: config.numHiddenLayers }, (_, i) => {
      const p = `bert.encoder.layer.${i}`;
      return {
        query: linear(`${p}.attention.self.query`),
        key: linear(`${p}.attention.self.key`),
        value: linear(`${p}.attention.self.value`),
        attentionOutput: linear(`${p}.attention.output.dense`),
        attentionLayerNorm: ln(`${p}.attention.output.LayerNorm`),
        intermediate: linear(`${p}.intermediate.dense`),
        output: linear(`${p}.output.dense`),
        outputLayerNorm: ln(`${p}.output.LayerNorm`),
      };
    }),
    transform: linear('cls.predictions.transform.dense'),
    transformLayerNorm: ln('cls.predictions.transform.LayerNorm'),
    decoderWeight: get('cls.predictions.decoder.weight'),
    decoderBias: get('cls.predictions.bias'),
  };
  return { config, weights, meta: index.meta };
}

/**
 * onnxruntime's quantize_dynamic treatment of a Gather from a float table
 * (GatherQuant): the table becomes `<name>_quantized` (int8, symmetric, per
 * tensor) with `<name>_scale` and `<name>_zero_point`, the Gather reads it and
 * writes `<out>_quantized`, and a DequantizeLinear restores the float output.
 */
function quantizeGathers(graph: Graph): Graph {
  const initializers = new Map(graph.initializers.map((init) => [init.name, init]));
  const nodes: GraphNode[] = [];
  const extra: Initializer[] = [];
  const replaced = new Set<string>();
  for (const node of graph.nodes) {
    const table = initializers.get(node.inputs[0] ?? '');
    if (node.opType !== 'Gather' || !table || !(table.data instanceof Float32Array) || table.dims.length !== 2) {
      nodes.push(node);
      continue;
    }
    if (!replaced.has(table.name)) {
      const q = quantizeSymmetricInt8(table.data);
      extra.push(
        { name: `${table.name}_quantized`, dims: table.dims, data: q.values },
        { name: `${table.name}_scale`, dims: [], data: Float32Array.of(q.scale) },
        { name: `${table.name}_zero_point`, dims: [], data: Int8Array.of(0) },
      );
      replaced.add(table.name);
    }
    const out = node.outputs[0] as string;
    nodes.push(
      { ...node, inputs: [`${table.name}_quantized`, ...node.inputs.slice(1)], outputs: [`${out}_quantized`] },
      {
        name: `${out}_DequantizeLinear`,
        opType: 'DequantizeLinear',
        inputs: [`${out}_quantized`, `${table.name}_scale`, `${table.name}_zero_point`],
        outputs: [out],
        attributes: {},
      },
    );
  }
  const stillUsed = new Set<string>();
  for (const node of nodes) for (const input of node.inputs) stillUsed.add(input);
  const kept = graph.initializers.filter((init) => !replaced.has(init.name) || stillUsed.has(init.name));
  return { ...graph, nodes, initializers: [...kept, ...extra] };
}

async function check(modelDir: string, fp32File: string): Promise<void> {
  const ort = await loadOrt();
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(modelDir, file), 'utf8'));
  const tokenizer = new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
  const tokenOf = (id: number): string => tokenizer.id_to_token(id) ?? `#${id}`;
  const int8 = await ort.InferenceSession.create(path.join(modelDir, 'model.onnx'), { intraOpNumThreads: 2 });
  const fp32 = await ort.InferenceSession.create(fp32File, { intraOpNumThreads: 2 });
  for (const probe of PROBES) {
    const show = async (session: typeof int8): Promise<string> =>
      topK((await logitsAtMask(ort, session, tokenizer, probe)).row, 5, tokenOf)
        .map((c) => `${c.token} ${(100 * c.probability).toFixed(1)}%`)
        .join(', ');
    console.log(`${probe}\n  int8: ${await show(int8)}\n  fp32: ${await show(fp32)}`);
  }
}

async function main(): Promise<void> {
  const { weightsDir, modelDir, tokenizerDir, fp32 } = parseArgs(process.argv.slice(2));
  const { config, weights, meta } = readWeights(weightsDir);
  const graph = buildBertGraph(config, weights);
  fs.mkdirSync(modelDir, { recursive: true });
  const fp32File = fp32 ?? path.join(weightsDir, 'model-fp32.onnx');
  const metadata = { source: 'scripts/train-model', steps: String(meta.step ?? ''), seed: String(meta.seed ?? '') };
  const fp32Size = writeModel(fp32File, graph, { producerName: 'cloze-train-model', metadata });
  const size = writeModel(path.join(modelDir, 'model.onnx'), quantizeGathers(quantizeDynamic(graph)), { producerName: 'cloze-train-model', metadata });
  console.log(`wrote ${fp32File} (${(fp32Size / 1e6).toFixed(1)} MB) and ${modelDir}/model.onnx (${(size / 1e6).toFixed(1)} MB)`);
  for (const f of TOKENIZER_FILES) {
    const target = path.join(modelDir, f);
    fs.rmSync(target, { force: true });
    fs.copyFileSync(path.join(tokenizerDir, f), target);
    fs.chmodSync(target, 0o644);
  }
  fs.writeFileSync(path.join(modelDir, 'config.json'), JSON.stringify({ ...bertConfigJson(config), hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, null, 2) + '\n');
  await check(modelDir, fp32File);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
