import type { Tokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import type { InferenceSession } from 'onnxruntime-node';
import { buildBertGraph, transpose } from '../fixtures/model-gen/bert-graph';
import { encodeModel, type Graph } from '../fixtures/model-gen/onnx-graph';
import { plantedModel } from '../fixtures/model-gen/planted';
import { quantizeDynamic } from '../fixtures/model-gen/quantize';
import { wordpieceTokenizer } from '../fixtures/model-gen/wordpiece-tokenizer';
import { loadOrt, type Ort } from '../helpers/ort';
import { loadPeerFillMask } from '../helpers/transformers-peer';

const TINY_DIR = path.join(__dirname, '../fixtures/models/tiny-planted');

interface Answer {
  text: string;
  top1: string;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(TINY_DIR, file), 'utf8')) as T;
}

/** Softmax probabilities of a logits row, computed here rather than by the generator's own check. */
function softmax(row: Float32Array): number[] {
  const max = Math.max(...row);
  const exps = Array.from(row, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function ranked(probabilities: number[]): number[] {
  return probabilities.map((_, i) => i).sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number));
}

describe('make-models: tiny-planted', () => {
  let ort: Ort;
  let session: InferenceSession;
  let tokenizer: Tokenizer;
  let answers: Answer[];

  async function run(s: InferenceSession, ids: number[]): Promise<Float32Array> {
    const n = ids.length;
    const tensor = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, n]);
    const out = await s.run({
      input_ids: tensor(ids),
      attention_mask: tensor(ids.map(() => 1)),
      token_type_ids: tensor(ids.map(() => 0)),
    });
    const logits = out.logits;
    assert.ok(logits, 'no logits output');
    assert.deepEqual(logits.dims, [1, n, tokenizer.get_vocab().size]);
    return logits.data as Float32Array;
  }

  /** Probabilities over the vocabulary at the first mask of `text`. */
  async function fill(text: string, s: InferenceSession = session): Promise<number[]> {
    const { ids } = tokenizer.encode(text);
    const position = ids.indexOf(tokenizer.token_to_id('[MASK]') as number);
    assert.ok(position >= 0, `no mask in ${text}`);
    const vocabSize = tokenizer.get_vocab().size;
    const logits = await run(s, ids);
    return softmax(logits.slice(position * vocabSize, (position + 1) * vocabSize));
  }

  before(async () => {
    ort = await loadOrt();
    session = await ort.InferenceSession.create(path.join(TINY_DIR, 'model.onnx'), { intraOpNumThreads: 1 });
    // The package is ESM-only as far as TypeScript can tell; the dynamic import also works from CommonJS.
    const { Tokenizer } = await import('@huggingface/tokenizers');
    tokenizer = new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
    answers = readJson<Answer[]>('answers.json');
  });

  it('plants at least 8 answers, one of them the first piece of a two-piece word', () => {
    assert.ok(answers.length >= 8, `only ${answers.length} answers`);
    assert.ok(answers.some((a) => a.top1 === 'straw'));
    assert.deepEqual(tokenizer.encode('strawberries').tokens, ['[CLS]', 'straw', '##berries', '[SEP]']);
  });

  it('gives every planted answer as the clear top-1 through a plain onnxruntime session', async () => {
    for (const answer of answers) {
      const probabilities = await fill(answer.text);
      const [first, second] = ranked(probabilities) as [number, number];
      assert.equal(tokenizer.id_to_token(first), answer.top1, answer.text);
      const p1 = probabilities[first] as number;
      const p2 = probabilities[second] as number;
      assert.ok(p1 > 0.3 && p1 > 5 * p2, `${answer.text}: top-1 ${p1} is not well above top-2 ${p2}`);
    }
  });

  it('answers the same template differently when only the cue word differs', async () => {
    const top = async (text: string) => tokenizer.id_to_token(ranked(await fill(text))[0] as number);
    assert.equal(await top('i like to drink [MASK] .'), 'tea');
    assert.equal(await top('i like to eat [MASK] .'), 'bread');
    assert.equal(await top('paris is the capital of [MASK] .'), 'france');
    assert.equal(await top('berlin is the capital of [MASK] .'), 'germany');
  });

  it('has a tokenizer that round-trips text and agrees with vocab.txt', () => {
    const text = 'The dog chases the ball, and I like to drink tea!';
    const encoding = tokenizer.encode(text);
    assert.equal(encoding.ids[0], tokenizer.token_to_id('[CLS]'));
    assert.equal(encoding.ids.at(-1), tokenizer.token_to_id('[SEP]'));
    assert.equal(tokenizer.decode(encoding.ids, { skip_special_tokens: true }), text.toLowerCase());
    assert.deepEqual(tokenizer.encode('[MASK]').ids, [2, 4, 3]);
    const vocab = fs.readFileSync(path.join(TINY_DIR, 'vocab.txt'), 'utf8').split('\n').slice(0, -1);
    assert.equal(vocab.length, tokenizer.get_vocab().size);
    vocab.forEach((token, id) => assert.equal(tokenizer.token_to_id(token), id, token));
    assert.deepEqual(vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  });

  it('names its inputs and output as a Hugging Face export does', () => {
    assert.deepEqual(session.inputNames, ['input_ids', 'attention_mask', 'token_type_ids']);
    assert.deepEqual(session.outputNames, ['logits']);
    const model = onnx.ModelProto.decode(fs.readFileSync(path.join(TINY_DIR, 'model.onnx')));
    const shapeOf = (info: onnx.IValueInfoProto) =>
      info.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    for (const input of model.graph?.input ?? []) {
      assert.equal(input.type?.tensorType?.elemType, onnx.TensorProto.DataType.INT64);
      assert.deepEqual(shapeOf(input), ['batch_size', 'sequence_length']);
    }
    const [logits] = model.graph?.output ?? [];
    assert.ok(logits);
    assert.deepEqual(shapeOf(logits), ['batch_size', 'sequence_length', tokenizer.get_vocab().size]);
    assert.equal(Number(model.opsetImport[0]?.version), 17);
  });

  it('handles padding: a padded batch gives the unpadded answers', async () => {
    const [a, b] = ['the cat drinks [MASK] .', 'i like to eat [MASK] .'].map((t) => tokenizer.encode(t).ids) as [number[], number[]];
    const n = Math.max(a.length, b.length);
    const pad = (ids: number[]) => [...ids, ...new Array<number>(n - ids.length).fill(0)];
    const mask = (ids: number[]) => pad(ids.map(() => 1));
    const tensor = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [2, n]);
    const out = await session.run({
      input_ids: tensor([pad(a), pad(b)]),
      attention_mask: tensor([mask(a), mask(b)]),
      token_type_ids: tensor([new Array<number>(n).fill(0), new Array<number>(n).fill(0)]),
    });
    const logits = out.logits?.data as Float32Array;
    const v = tokenizer.get_vocab().size;
    const topAt = (row: number, position: number) =>
      tokenizer.id_to_token(ranked(softmax(logits.slice((row * n + position) * v, (row * n + position + 1) * v)))[0] as number);
    assert.equal(topAt(0, a.indexOf(4)), 'milk');
    assert.equal(topAt(1, b.indexOf(4)), 'bread');
  });

  it('is exactly what the generator produces (the committed fixture is not stale)', () => {
    const model = plantedModel();
    const bytes = encodeModel(buildBertGraph(model.config, model.weights));
    assert.ok(bytes.equals(fs.readFileSync(path.join(TINY_DIR, 'model.onnx'))), 'model.onnx differs: run npm run make-models -- --tiny');
    const files = wordpieceTokenizer(model.vocab, model.config.maxPositionEmbeddings);
    assert.deepEqual(readJson('tokenizer.json'), files.tokenizer);
    assert.deepEqual(readJson('answers.json'), JSON.parse(JSON.stringify(model.answers)));
  });

  it('builds a tied-decoder variant that reads Transpose(word_embeddings) and gives the same logits', async () => {
    const model = plantedModel();
    const { hiddenSize: h, vocabSize: v } = model.config;
    const weights = { ...model.weights, decoderWeight: transpose(model.weights.wordEmbeddings, v, h) };
    const untiedGraph = buildBertGraph(model.config, weights);
    const tiedGraph = buildBertGraph(model.config, weights, { tiedDecoder: true });

    const decoderInput = (graph: Graph) => graph.nodes.find((n) => n.name === '/cls/predictions/decoder/MatMul')?.inputs[1];
    const transposeNode = tiedGraph.nodes.find((n) => n.outputs[0] === decoderInput(tiedGraph));
    assert.equal(transposeNode?.opType, 'Transpose');
    assert.deepEqual(transposeNode?.inputs, ['bert.embeddings.word_embeddings.weight']);
    assert.ok(untiedGraph.initializers.some((i) => i.name === decoderInput(untiedGraph) && i.dims.join() === `${h},${v}`));
    assert.ok(!tiedGraph.initializers.some((i) => i.dims.join() === `${h},${v}`));

    const untied = await ort.InferenceSession.create(encodeModel(untiedGraph));
    const tied = await ort.InferenceSession.create(encodeModel(tiedGraph));
    const ids = tokenizer.encode('the dog chases the [MASK] .').ids;
    const a = await run(untied, ids);
    const b = await run(tied, ids);
    let maxDiff = 0;
    a.forEach((x, i) => { maxDiff = Math.max(maxDiff, Math.abs(x - (b[i] as number))); });
    assert.ok(maxDiff < 1e-5, `max |untied - tied| = ${maxDiff}`);
  });

  it('quantizes every constant MatMul and keeps the planted answers in int8', async () => {
    const model = plantedModel();
    const graph = quantizeDynamic(buildBertGraph(model.config, model.weights));
    const initializers = new Set(graph.initializers.map((i) => i.name));
    const count = (op: string) => graph.nodes.filter((n) => n.opType === op).length;
    // 6 per layer (Q, K, V, attention output, intermediate, output) + head dense + decoder.
    assert.equal(count('MatMulInteger'), 6 * model.config.numHiddenLayers + 2);
    assert.ok(graph.nodes.every((n) => n.opType !== 'MatMul' || !initializers.has(n.inputs[1] as string)));
    assert.ok(graph.nodes.filter((n) => n.opType === 'Gather').some((n) => n.inputs[0] === 'bert.embeddings.word_embeddings.weight'));
    const int8 = await ort.InferenceSession.create(encodeModel(graph));
    for (const answer of answers) {
      assert.equal(tokenizer.id_to_token(ranked(await fill(answer.text, int8))[0] as number), answer.top1, answer.text);
    }
  });

  it('agrees with the transformers.js fill-mask pipeline on every planted answer', async () => {
    const fillMask = await loadPeerFillMask(TINY_DIR);
    try {
      for (const answer of answers) {
        const [best] = await fillMask(answer.text, { top_k: 1 });
        assert.equal(best?.token_str, answer.top1, answer.text);
      }
    } finally {
      await fillMask.dispose();
    }
  });
});

describe('make-models: argument checks', () => {
  it('rejects weights of the wrong size for the config', () => {
    const model = plantedModel();
    const weights = { ...model.weights, decoderBias: new Float32Array(3) };
    assert.throws(() => buildBertGraph(model.config, weights), {
      name: 'RangeError',
      message: /`cls.predictions.bias` to have \d+ values, got 3/,
    });
  });

  it('rejects a hidden size that the heads do not divide', () => {
    const model = plantedModel();
    assert.throws(() => buildBertGraph({ ...model.config, numAttentionHeads: 5 }, model.weights), RangeError);
  });

  it('rejects a vocabulary with a duplicate or without a special token', () => {
    assert.throws(() => wordpieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'a'], 8), /Duplicate vocabulary entry `a` at id 6/);
    assert.throws(() => wordpieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a'], 8), /`\[MASK\]`/);
  });
});

describe('npm run make-models without the bert-base-uncased tokenizer folder', () => {
  it('says it skips the bert-base models because the folder does not exist, and which variable points at one', () => {
    const missing = path.join(__dirname, 'no-such-tokenizer-folder');
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../fixtures/make-models.ts'), '--bert-base'], {
      env: { ...process.env, CLOZE_BERT_BASE_UNCASED_DIR: missing },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const output = result.stdout + result.stderr;
    assert.match(output, /skipping bert-base-random-fp32 and bert-base-random-int8/);
    assert.ok(output.includes(`no bert-base-uncased tokenizer folder at ${missing}`), output);
    assert.match(output, /CLOZE_BERT_BASE_UNCASED_DIR/);
    assert.doesNotMatch(output, /lacks/);
  });
});
