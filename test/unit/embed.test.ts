import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { embedText } from '../../src/engine/worker/embed';
import { loadTinyLm, testGraphCache, TINY, useTinyEngine, useTinyModel } from '../helpers/tiny-model';
import { ModelError } from '../../src/engine/errors';
import { HIDDEN_STATE_OUTPUT, rewriteHeadAtMask } from '../../src/engine/graph/head-at-mask';
import { MaskedLm } from '../../src/engine/worker/masked-lm';
import { silentLogger } from '../../src/engine/types';

const HIDDEN_SIZE = (JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8')) as { hidden_size: number }).hidden_size;

describe('feature extraction (embed)', () => {
  const tiny = useTinyModel();

  test('the rewrite exposes the last encoder LayerNorm as an extra output', () => {
    const file = path.join(testGraphCache(), 'exposed.onnx');
    rewriteHeadAtMask(path.join(TINY, 'model.onnx'), { model: file, data: `${file}.data`, dataLocation: 'exposed.onnx.data' });
    const graph = onnx.ModelProto.decode(fs.readFileSync(file)).graph as onnx.GraphProto;
    assert.deepEqual(graph.output.map((o) => o.name), ['logits', HIDDEN_STATE_OUTPUT]);
    const identity = graph.node.find((n) => n.output?.[0] === HIDDEN_STATE_OUTPUT);
    const producer = graph.node.find((n) => n.output?.includes(identity?.input?.[0] ?? ''));
    assert.equal(producer?.name, '/bert/encoder/layer.1/output/LayerNorm/LayerNormalization');
  });

  test('gives hidden-size floats, the same each time, different for different texts', async () => {
    const a = await embedText(tiny.lm, 'the cat drinks milk .');
    const again = await embedText(tiny.lm, 'the cat drinks milk .');
    const b = await embedText(tiny.lm, 'paris is the capital of france .');
    assert.equal(a.vector.length, HIDDEN_SIZE);
    assert.equal(a.tokens, 7);
    assert.equal(a.truncated, false);
    assert.deepEqual(again.vector, a.vector);
    assert.ok(a.vector.every(Number.isFinite));
    assert.ok(Math.max(...a.vector.map((v, i) => Math.abs(v - b.vector[i]))) > 0.1);
  });

  test('is the mean of the exposed hidden states over the tokens', async () => {
    const text = 'red sweet strawberries .';
    const ids = tiny.lm.tokenizer.encode(text);
    const { data, length, hidden } = await tiny.lm.hiddenStates(ids);
    assert.deepEqual([length, hidden], [ids.length, HIDDEN_SIZE]);
    const manual = Array.from({ length: hidden }, (_, d) => {
      let sum = 0;
      for (let t = 0; t < length; t++) sum += data[t * hidden + d];
      return sum / length;
    });
    const { vector } = await embedText(tiny.lm, text);
    assert.ok(Math.max(...vector.map((v, d) => Math.abs(v - manual[d]))) < 1e-6);
  });

  test('the hidden state does not depend on the batch or the fill pass', async () => {
    const ids = tiny.lm.tokenizer.encode('the sky is blue .');
    const first = await tiny.lm.hiddenStates(ids);
    await tiny.lm.logitsAt({ inputIds: tiny.lm.tokenizer.encode('the sky is [MASK] .'), maskPositions: [4] });
    assert.deepEqual(await tiny.lm.hiddenStates(ids), first);
  });

  test('keeps the closing special token when the text is too long', async () => {
    const { tokens, truncated } = await embedText(tiny.lm, 'the cat '.repeat(100));
    assert.equal(tokens, 128);
    assert.equal(truncated, true);
  });

  test('the stock graph says it cannot embed', async () => {
    const stock = await MaskedLm.load(TINY, 1, silentLogger, { headAtMask: false });
    try {
      await assert.rejects(embedText(stock, 'the cat'), (e: unknown) => e instanceof ModelError && /does not expose the encoder's hidden state/.test(e.message));
    } finally {
      await stock.release();
    }
  });
});

describe('Engine.embed through the worker', () => {
  const tiny = useTinyEngine();

  test('returns the same vector as in-process, and fill still works between embeds', async () => {
    const lm = await loadTinyLm();
    try {
      const local = await embedText(lm, 'the grass is green .');
      const remote = await tiny.engine.embed('the grass is green .');
      assert.deepEqual(remote, local);
      const text = 'the grass is [MASK] .';
      const [result] = await tiny.engine.fill({ text, masks: [{ start: 13, end: 19 }] });
      assert.equal(result.suggestions[0].token_str, 'green');
      await assert.rejects(tiny.engine.embed(42 as unknown as string), TypeError);
    } finally {
      await lm.release();
    }
  });
});
