import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { tinyEngine } from '../helpers/tiny-model';
import { prepareHeadAtMask } from '../../src/engine/graph/head-at-mask';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { buildBertGraph } from '../fixtures/model-gen/bert-graph';
import { attr, type Graph, type GraphNode, writeModel } from '../fixtures/model-gen/onnx-graph';
import { plantedModel } from '../fixtures/model-gen/planted';
import { quantizeDynamic } from '../fixtures/model-gen/quantize';
import { compareRows } from '../helpers/compare-rows';
import { recordingLogger } from '../helpers/recording-logger';

const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'vocab.txt', 'answers.json'];
const answers: { text: string; top1: string }[] = JSON.parse(fs.readFileSync(path.join(TINY, 'answers.json'), 'utf8'));

/** Planted sentences, and some with several masks. */
const TEXTS = [
  ...answers.map((a) => a.text),
  'the cat drinks [MASK] and the dog chases the [MASK] .',
  '[MASK] is the capital of [MASK] , and the sky is [MASK] .',
  '[MASK] [MASK] [MASK]',
];

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-rewrite-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A model folder under the test's temporary root: `graph` as model.onnx and the tiny tokenizer. */
function modelFolder(name: string, graph: Graph): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  writeModel(path.join(dir, 'model.onnx'), graph);
  for (const file of TOKENIZER_FILES) fs.copyFileSync(path.join(TINY, file), path.join(dir, file));
  return dir;
}

/**
 * Writes every LayerNormalization as opset < 17 exports do:
 * `Add(Mul(Div(Sub(x, ReduceMean(x)), Sqrt(Add(ReduceMean(Pow(d, 2)), eps))), gamma), beta)`.
 */
function decomposeLayerNorms(graph: Graph): Graph {
  const initializers = [...graph.initializers];
  const nodes: GraphNode[] = [];
  let n = 0;
  for (const node of graph.nodes) {
    if (node.opType !== 'LayerNormalization') {
      nodes.push(node);
      continue;
    }
    const [x, gamma, beta] = node.inputs;
    const eps = node.attributes.epsilon?.value as number;
    const p = `/decomposed_ln_${n++}`;
    initializers.push({ name: `${p}/two`, dims: [], data: Float32Array.of(2) }, { name: `${p}/eps`, dims: [], data: Float32Array.of(eps) });
    const op = (opType: string, name: string, inputs: string[], attributes: GraphNode['attributes'] = {}): string => {
      nodes.push({ name: `${p}/${name}`, opType, inputs, outputs: [`${p}/${name}_output`], attributes });
      return `${p}/${name}_output`;
    };
    const mean = op('ReduceMean', 'ReduceMean', [x], { axes: attr.ints([-1]) });
    const d = op('Sub', 'Sub', [x, mean]);
    const variance = op('ReduceMean', 'ReduceMean_1', [op('Pow', 'Pow', [d, `${p}/two`])], { axes: attr.ints([-1]) });
    const deviation = op('Sqrt', 'Sqrt', [op('Add', 'Add', [variance, `${p}/eps`])]);
    const scaled = op('Mul', 'Mul', [op('Div', 'Div', [d, deviation]), gamma]);
    nodes.push({ name: `${p}/Add_1`, opType: 'Add', inputs: [scaled, beta], outputs: node.outputs, attributes: {} });
  }
  return { ...graph, nodes, initializers };
}

/** `logits` computed by `Neg(Neg(...))`: the same numbers, through an op the rewrite does not know. */
function negatedTwice(graph: Graph): Graph {
  const nodes = graph.nodes.map((node) => (node.outputs.includes('logits') ? { ...node, outputs: ['logits_raw'] } : node));
  nodes.push(
    { name: '/neg/Neg', opType: 'Neg', inputs: ['logits_raw'], outputs: ['logits_neg'], attributes: {} },
    { name: '/neg/Neg_1', opType: 'Neg', inputs: ['logits_neg'], outputs: ['logits'], attributes: {} },
  );
  return { ...graph, nodes };
}

/**
 * The int8 weights of a quantized graph as uint8 ones, value + zero point,
 * with `zeroPointOf(column)` as the zero point (one per matrix or per column,
 * as the graph's zero points are): the same numbers, as QUInt8 quantizers write them.
 */
function asUint8Weights(graph: Graph, zeroPointOf: (column: number) => number): Graph {
  const initializers = graph.initializers.map((init) => {
    if (!(init.data instanceof Int8Array)) return init;
    if (init.name.endsWith('_zero_point')) return { ...init, data: Uint8Array.from(init.data, (_, c) => zeroPointOf(c)) };
    const columns = init.dims[init.dims.length - 1] as number;
    return { ...init, data: Uint8Array.from(init.data, (v, i) => Math.min(255, Math.max(0, v + zeroPointOf(i % columns)))) };
  });
  return { ...graph, initializers };
}

async function rowsFor(lm: MaskedLm, text: string): Promise<Float32Array[]> {
  const inputIds = lm.tokenizer.encode(text);
  const maskPositions = inputIds.flatMap((id, i) => (id === lm.tokenizer.maskTokenId ? [i] : []));
  return lm.logitsAt({ inputIds, maskPositions });
}

/**
 * Loads `dir` with and without the rewrite and checks every text against the
 * contract; `attention` is what the log must say of the attention fusion.
 */
async function assertSameAsStock(dir: string, precision: 'fp32' | 'int8', attention: RegExp): Promise<void> {
  const logger = recordingLogger();
  const stock = await MaskedLm.load(dir, 1, logger, { headAtMask: false });
  const rewritten = await MaskedLm.load(dir, 1, logger, { graphCacheDir: path.join(dir, 'cache') });
  try {
    assert.equal(stock.graph, 'stock');
    assert.equal(rewritten.graph, 'head-at-mask', logger.text());
    assert.match(logger.text(), attention);
    assert.deepEqual([...rewritten.inputNames].sort(), ['attention_mask', 'input_ids', 'mask_positions', 'token_type_ids']);
    const tolerance = precision === 'fp32' ? 1e-5 : 1e-4;
    for (const text of TEXTS) {
      const expected = await rowsFor(stock, text);
      const actual = await rowsFor(rewritten, text);
      const result = compareRows(expected, actual, tolerance);
      assert.ok(result.maxScoreDiff <= tolerance, `${text}: scores differ by ${result.maxScoreDiff}`);
      if (precision === 'fp32') assert.ok(result.sameTopIds, `${text}: top ids differ`);
      else assert.deepEqual(result.mismatches, [], text);
    }
  } finally {
    await stock.release();
    await rewritten.release();
  }
}

const FUSED = /attention fused in 2 layers/;
const FLOAT_ATTENTION = /attention not fused: .*float MatMuls/;

describe('head-at-mask rewrite gives the stock graph\'s results', () => {
  const planted = plantedModel();
  const separate = buildBertGraph(planted.config, planted.weights);
  const tied = buildBertGraph(planted.config, planted.weights, { tiedDecoder: true });

  test('fp32, separate decoder matrix (the planted model)', async () => {
    await assertSameAsStock(modelFolder('fp32', separate), 'fp32', FLOAT_ATTENTION);
  });

  test('int8, quantized decoder (Gather after DynamicQuantizeLinear)', async () => {
    await assertSameAsStock(modelFolder('int8', quantizeDynamic(separate)), 'int8', FUSED);
  });

  test('fp32, decoder as Transpose(word_embeddings)', async () => {
    await assertSameAsStock(modelFolder('tied-fp32', tied), 'fp32', FLOAT_ATTENTION);
  });

  test('int8 with the tied decoder left in float32 by the quantizer', async () => {
    const graph = quantizeDynamic(tied);
    const decoder = graph.nodes.find((node) => node.outputs.some((o) => graph.nodes.some((m) => m.opType === 'Add' && m.outputs.includes('logits') && m.inputs.includes(o))));
    assert.equal(decoder?.opType, 'MatMul', 'the quantizer should leave the tied decoder as a float MatMul');
    await assertSameAsStock(modelFolder('tied-int8', graph), 'int8', FUSED);
  });

  test('LayerNorm decomposed as opset < 17 exports write it, fp32 and int8', async () => {
    const decomposed = decomposeLayerNorms(separate);
    assert.ok(!decomposed.nodes.some((node) => node.opType === 'LayerNormalization'));
    await assertSameAsStock(modelFolder('decomposed-fp32', decomposed), 'fp32', FLOAT_ATTENTION);
    await assertSameAsStock(modelFolder('decomposed-int8', quantizeDynamic(decomposed)), 'int8', FUSED);
  });

  test('the planted answers come out of the rewritten graph through the engine', async () => {
    const cacheDir = path.join(root, 'engine-cache');
    const engine = tinyEngine({ graphCacheDir: cacheDir });
    try {
      assert.equal((await engine.load()).graph, 'head-at-mask');
      for (const { text, top1 } of answers) {
        const [result] = await engine.fill({ text, masks: [{ start: text.indexOf('[MASK]'), end: text.indexOf('[MASK]') + 6 }] });
        assert.equal(result.suggestions[0].token_str, top1, text);
      }
    } finally {
      await engine.dispose();
    }
  });
});

describe('head-at-mask fallback and cache', () => {
  const planted = plantedModel();
  const separate = buildBertGraph(planted.config, planted.weights);

  test('falls back to the stock graph, with a log line, when logits come from an unexpected op', async () => {
    const dir = modelFolder('unrecognised', negatedTwice(separate));
    const logger = recordingLogger();
    const lm = await MaskedLm.load(dir, 1, logger, { graphCacheDir: path.join(dir, 'cache') });
    try {
      assert.equal(lm.graph, 'stock');
      assert.match(logger.text(), /^info Running the stock graph of model\.onnx: the MLM head was not recognised: unexpected Neg \(\/neg\/Neg_1\)/m);
      for (const { text, top1 } of answers) {
        const [row] = await rowsFor(lm, text);
        const best = row.indexOf(Math.max(...row));
        assert.equal(lm.tokenizer.idToToken(best), top1, text);
      }
    } finally {
      await lm.release();
    }
    assert.deepEqual(fs.readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.onnx')), []);
  });

  test('reuses the cached rewrite on the next load without rewriting', async () => {
    const dir = modelFolder('cached', separate);
    const cacheDir = path.join(dir, 'cache');
    const first = recordingLogger();
    await (await MaskedLm.load(dir, 1, first, { graphCacheDir: cacheDir })).release();
    assert.match(first.text(), /\(rewritten graph in \d+ ms/);
    const [file] = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.head-at-mask.onnx'));
    assert.match(file, /^[0-9a-f]{64}\.head-at-mask\.onnx$/);
    assert.ok(fs.statSync(path.join(cacheDir, `${file}.data`)).size > 0, 'the weights are kept as external data');
    const mtime = fs.statSync(path.join(cacheDir, file)).mtimeMs;

    const second = recordingLogger();
    const lm = await MaskedLm.load(dir, 1, second, { graphCacheDir: cacheDir });
    await lm.release();
    assert.equal(lm.graph, 'head-at-mask');
    assert.match(second.text(), /\(cached graph in \d+ ms/);
    assert.doesNotMatch(second.text(), /Rewrote/);
    assert.equal(fs.statSync(path.join(cacheDir, file)).mtimeMs, mtime);
  });

  test('rewrites a model whose contents changed and removes the old rewrite', async () => {
    const dir = modelFolder('changed', separate);
    const cacheDir = path.join(dir, 'cache');
    const before = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.equal(before.kind, 'rewritten');
    writeModel(path.join(dir, 'model.onnx'), buildBertGraph(planted.config, planted.weights, { tiedDecoder: true }));
    const later = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.ok(later.kind === 'rewritten' && !later.fromCache);
    assert.ok(before.kind === 'rewritten' && !fs.existsSync(before.file));
    assert.deepEqual(fs.readdirSync(cacheDir).filter((f) => f.includes('.onnx')).sort(), [path.basename(later.file), `${path.basename(later.file)}.data`]);
  });

  test('removes the rewrite of a model that was deleted when another model is rewritten', () => {
    const cacheDir = path.join(root, 'shared-cache');
    const gone = modelFolder('gone', separate);
    const first = prepareHeadAtMask(path.join(gone, 'model.onnx'), { cacheDir });
    assert.equal(first.kind, 'rewritten');
    fs.rmSync(gone, { recursive: true });
    const other = modelFolder('other', buildBertGraph(planted.config, planted.weights, { tiedDecoder: true }));
    const second = prepareHeadAtMask(path.join(other, 'model.onnx'), { cacheDir });
    assert.ok(first.kind === 'rewritten' && second.kind === 'rewritten');
    assert.ok(!fs.existsSync(first.file) && !fs.existsSync(`${first.file}.data`));
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(path.join(cacheDir, 'head-at-mask.hashes.json'), 'utf8'))), [path.join(other, 'model.onnx')]);
  });

  test('rewrites again over a damaged cache file or a missing data file', async () => {
    const dir = modelFolder('damaged', separate);
    const cacheDir = path.join(dir, 'cache');
    const first = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.equal(first.kind, 'rewritten');
    fs.truncateSync(first.file, 1000);
    const second = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.ok(second.kind === 'rewritten' && !second.fromCache);
    fs.truncateSync(`${second.file}.data`, 4096);
    const third = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.ok(third.kind === 'rewritten' && !third.fromCache);
    const lm = await MaskedLm.load(dir, 1, recordingLogger(), { graphCacheDir: cacheDir });
    assert.equal(lm.graph, 'head-at-mask');
    await lm.release();
  });

  test('a file that is not a protobuf model gives the stock path with the reason', () => {
    const dir = path.join(root, 'garbage');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.onnx'), Buffer.from([0x3a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    const result = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir: path.join(dir, 'cache') });
    assert.ok(result.kind === 'stock' && !result.unrecognized, JSON.stringify(result));
    assert.match(result.reason, /Truncated|Malformed/);
  });
});

describe('attention fusion (dynamically quantized graphs)', () => {
  const planted = plantedModel();
  const int8 = quantizeDynamic(buildBertGraph(planted.config, planted.weights));

  test('a cached rewrite reports the fusion again, from its metadata', () => {
    const dir = modelFolder('fused-cached', int8);
    const cacheDir = path.join(dir, 'cache');
    const first = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    const second = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.ok(first.kind === 'rewritten' && !first.fromCache && first.attention === 'fused in 2 layers', JSON.stringify(first));
    assert.ok(second.kind === 'rewritten' && second.fromCache && second.attention === 'fused in 2 layers', JSON.stringify(second));
  });

  test('rows padded in a batch (attention_mask 0) give the stock graph\'s logits', async () => {
    const dir = modelFolder('fused-padded', int8);
    const prepared = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir: path.join(dir, 'cache') });
    assert.ok(prepared.kind === 'rewritten' && prepared.attention === 'fused in 2 layers', JSON.stringify(prepared));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const stock = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    const fused = await ort.InferenceSession.create(prepared.file);
    const lm = await MaskedLm.load(dir, 1, recordingLogger(), { headAtMask: false });
    try {
      const long = lm.tokenizer.encode('the cat drinks [MASK] and the dog chases the ball .');
      const short = lm.tokenizer.encode('the cat drinks [MASK] .');
      const at = long.indexOf(lm.tokenizer.maskTokenId);
      assert.equal(short.indexOf(lm.tokenizer.maskTokenId), at);
      const length = long.length;
      const padded = [...short, ...new Array<number>(length - short.length).fill(0)];
      const mask = [...long.map(() => 1), ...short.map(() => 1), ...new Array<number>(length - short.length).fill(0)];
      const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
      const feeds = {
        input_ids: int64([...long, ...padded], [2, length]),
        attention_mask: int64(mask, [2, length]),
        token_type_ids: int64(new Array<number>(2 * length).fill(0), [2, length]),
      };
      const vocab = planted.config.vocabSize;
      const all = (await stock.run(feeds)).logits.data as Float32Array;
      const atMask = (await fused.run({ ...feeds, mask_positions: int64([at], [1]) })).logits.data as Float32Array;
      const expected = [0, 1].map((b) => all.subarray((b * length + at) * vocab, (b * length + at + 1) * vocab));
      const actual = [0, 1].map((b) => atMask.subarray(b * vocab, (b + 1) * vocab));
      const result = compareRows(expected, actual, 1e-4);
      assert.ok(result.maxScoreDiff <= 1e-4, `scores differ by ${result.maxScoreDiff}`);
      assert.deepEqual(result.mismatches, []);
      // The padding matters: the short row differs from the long one.
      assert.ok(compareRows([expected[0]], [expected[1]], 1e-4).maxScoreDiff > 1e-3);
    } finally {
      await stock.release();
      await fused.release();
      await lm.release();
    }
  });

  test('uint8 weights with zero point 128, as quantizers set to QUInt8 write them', async () => {
    const uint8 = asUint8Weights(int8, () => 128);
    assert.ok(uint8.initializers.some((init) => init.data instanceof Uint8Array && init.name.endsWith('_zero_point')));
    await assertSameAsStock(modelFolder('fused-uint8', uint8), 'int8', FUSED);
  });

  test('weights quantized per column (int8, and uint8 with a zero point per column)', async () => {
    const perChannel = quantizeDynamic(buildBertGraph(planted.config, planted.weights), { perChannel: true });
    const scales = perChannel.initializers.filter((init) => init.name.endsWith('_scale') && init.dims.length === 1);
    assert.ok(scales.length > 0 && scales.every((init) => new Set(Array.from(init.data as Float32Array)).size > 1), 'scales differ from column to column');
    await assertSameAsStock(modelFolder('fused-per-channel', perChannel), 'int8', FUSED);
    // As an asymmetric quantizer writes uint8 weights, the zero point differing per column.
    await assertSameAsStock(modelFolder('fused-per-channel-uint8', asUint8Weights(perChannel, (column) => 128 + (column % 3) - 1)), 'int8', FUSED);
  });

  test('keys transposed in two steps, as exports that do not merge Transposes write them', async () => {
    const nodes = int8.nodes.flatMap((node): GraphNode[] => {
      if (node.opType !== 'Transpose' || String(node.attributes.perm?.value) !== '0,2,3,1') return [node];
      const heads = `${node.outputs[0]}_heads`;
      return [
        { ...node, outputs: [heads], attributes: { perm: attr.ints([0, 2, 1, 3]) } },
        { name: `${node.name}_last_two`, opType: 'Transpose', inputs: [heads], outputs: node.outputs, attributes: { perm: attr.ints([0, 1, 3, 2]) } },
      ];
    });
    assert.equal(nodes.length, int8.nodes.length + 2, 'one key Transpose per layer split in two');
    await assertSameAsStock(modelFolder('fused-two-transposes', { ...int8, nodes }), 'int8', FUSED);
  });

  test('head shapes computed from Shape, Gather and Concat, as exports with dynamic axes write them', async () => {
    const int64 = (name: string, values: number[], dims: number[]) => ({ name, dims, data: BigInt64Array.from(values.map(BigInt)) });
    const initializers = [...int8.initializers, int64('/dyn/zero', [0], []), int64('/dyn/one', [1], []), int64('/dyn/axis0', [0], [1])];
    const nodes = int8.nodes.flatMap((node): GraphNode[] => {
      if (node.opType !== 'Reshape' || !node.name.includes('/attention/self/Reshape')) return [node];
      // x.size()[:2] + tail: Shape -> Gather -> Unsqueeze for batch and sequence, then Concat.
      const tail = int8.initializers.find((init) => init.name === node.inputs[1]);
      assert.ok(tail?.data instanceof BigInt64Array);
      const p = `${node.name}/dyn`;
      const tailName = `${p}/tail`;
      initializers.push(int64(tailName, Array.from(tail.data.slice(2), Number), [tail.data.length - 2]));
      const op = (opType: string, name: string, inputs: string[], attributes: GraphNode['attributes'] = {}): GraphNode => ({ name: `${p}/${name}`, opType, inputs, outputs: [`${p}/${name}_output`], attributes });
      const shape = op('Shape', 'Shape', [node.inputs[0]]);
      const dims = ['zero', 'one'].flatMap((which) => {
        const gather = op('Gather', `Gather_${which}`, [shape.outputs[0], `/dyn/${which}`], { axis: attr.int(0) });
        return [gather, op('Unsqueeze', `Unsqueeze_${which}`, [gather.outputs[0], '/dyn/axis0'])];
      });
      const concat = op('Concat', 'Concat', [dims[1].outputs[0], dims[3].outputs[0], tailName], { axis: attr.int(0) });
      return [shape, ...dims, concat, { ...node, inputs: [node.inputs[0], concat.outputs[0]] }];
    });
    assert.equal(nodes.filter((node) => node.opType === 'Concat').length, 4 * planted.config.numHiddenLayers);
    await assertSameAsStock(modelFolder('fused-dynamic-shapes', { ...int8, nodes, initializers }), 'int8', FUSED);

    // A node outside the attention that reads the query's shape keeps its projection alive: nothing is fused.
    const queryShape = '/bert/encoder/layer.0/attention/self/Reshape_query/dyn/Shape_output';
    const reader = nodes.findIndex((node) => node.name === '/bert/encoder/layer.0/attention/output/Add');
    const probe: GraphNode[] = [
      { name: '/probe/Concat', opType: 'Concat', inputs: [queryShape], outputs: ['/probe/shape'], attributes: { axis: attr.int(0) } },
      { name: '/probe/Reshape', opType: 'Reshape', inputs: [nodes[reader].outputs[0], '/probe/shape'], outputs: ['/probe/reshaped'], attributes: {} },
    ];
    const after = nodes.map((node) => ({ ...node, inputs: node.inputs.map((i) => (i === nodes[reader].outputs[0] ? '/probe/reshaped' : i)) }));
    after.splice(reader + 1, 0, ...probe);
    await assertSameAsStock(modelFolder('unfused-shape-read', { ...int8, nodes: after, initializers }), 'int8', /attention not fused: .*would read/);
  });

  test('a fused graph that does not load is rewritten with the attention as exported, and that rewrite is kept', async () => {
    const dir = modelFolder('fused-fails', int8);
    const cacheDir = path.join(dir, 'cache');
    const prepared = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir });
    assert.ok(prepared.kind === 'rewritten' && prepared.attention === 'fused in 2 layers');
    // An operator onnxruntime has no kernel for, in an otherwise valid cached rewrite.
    const model = onnx.ModelProto.decode(fs.readFileSync(prepared.file));
    const fusedNodes = model.graph!.node!.filter((node) => node.opType === 'QAttention');
    assert.equal(fusedNodes.length, 2);
    for (const node of fusedNodes) node.opType = 'QAttentionNobodyImplements';
    fs.writeFileSync(prepared.file, onnx.ModelProto.encode(model).finish());

    const logger = recordingLogger();
    const lm = await MaskedLm.load(dir, 1, logger, { graphCacheDir: cacheDir });
    const stock = await MaskedLm.load(dir, 1, recordingLogger(), { headAtMask: false });
    try {
      assert.equal(lm.graph, 'head-at-mask', logger.text());
      assert.equal(lm.fusedAttention, false);
      assert.match(logger.text(), /^warn The rewritten graph of model\.onnx with fused attention failed \(.*QAttentionNobodyImplements/m);
      assert.match(logger.text(), /attention not fused: the fused graph failed to load/);
      for (const text of TEXTS.slice(0, 3)) {
        const result = compareRows(await rowsFor(stock, text), await rowsFor(lm, text), 1e-4);
        assert.ok(result.maxScoreDiff <= 1e-4 && result.mismatches.length === 0, text);
      }
    } finally {
      await lm.release();
      await stock.release();
    }
    const again = recordingLogger();
    await (await MaskedLm.load(dir, 1, again, { graphCacheDir: cacheDir })).release();
    assert.match(again.text(), /attention not fused: the fused graph failed to load.*\(cached graph/);
    assert.doesNotMatch(again.text(), /^warn/m);
  });

  test('Softmax without its axis attribute: the last axis from opset 13 on, not before', async () => {
    const nodes = int8.nodes.map((node) => (node.opType === 'Softmax' ? { ...node, attributes: {} } : node));
    await assertSameAsStock(modelFolder('fused-softmax-default-axis', { ...int8, nodes }), 'int8', FUSED);
    const dir = modelFolder('unfused-softmax-opset-12', { ...int8, nodes });
    writeModel(path.join(dir, 'model.onnx'), { ...int8, nodes }, { opset: 12 });
    const prepared = prepareHeadAtMask(path.join(dir, 'model.onnx'), { cacheDir: path.join(dir, 'cache') });
    assert.ok(prepared.kind === 'rewritten' && /not fused: .*Softmax is not over the last axis/.test(prepared.attention), JSON.stringify(prepared));
  });

  test('attention scaled other than by 1/√d is left unfused, with the reason, and the head is still rewritten', async () => {
    const divisors = new Set(int8.nodes.filter((node) => node.opType === 'Div' && node.name.includes('/attention/self/')).map((node) => node.inputs[1]));
    assert.equal(divisors.size, 1, 'the layers share one divisor constant');
    const initializers = int8.initializers.map((init) => (divisors.has(init.name) ? { ...init, data: Float32Array.of(3) } : init));
    await assertSameAsStock(modelFolder('unfused-scale', { ...int8, initializers }), 'int8', /attention not fused: at Softmax .* scaled by 0\.333+\d*, not 1\/√8/);
  });
});
