// The English model trained here and committed (models/cloze-mini-en): it
// loads through the normal path (head-at-mask graph, fused attention), and the
// engine agrees with the transformers.js fill-mask pipeline on real sentences
// with the real tokenizer, as for the generated models.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Engine } from '../../src/engine';
import { masksOf, testGraphCache } from '../helpers/tiny-model';
import { loadPeerFillMask } from '../helpers/transformers-peer';

const MODEL = path.join(__dirname, '../../models/cloze-mini-en');

const SENTENCES = [
  'the program prints an error [MASK] the file is missing .',
  'You can use the [MASK] command to list the files in a directory.',
  'The kernel frees the [MASK] of the process when it exits.',
  'If the build fails, check that the [MASK] is installed.',
];

describe('models/cloze-mini-en', () => {
  test('loads with the MLM head at the masks and fused attention', async () => {
    const engine = new Engine({ modelDir: MODEL, threads: 1, graphCacheDir: testGraphCache() });
    try {
      const info = await engine.load();
      assert.equal(info.graph, 'head-at-mask');
      assert.equal(info.fusedAttention, true);
      assert.equal(info.vocabSize, 30522);
    } finally {
      await engine.dispose();
    }
  });

  test('same top-5 words and scores as the transformers.js pipeline on real sentences', async () => {
    const peer = await loadPeerFillMask(MODEL, { dtype: 'q8' });
    const engine = new Engine({ modelDir: MODEL, threads: 1, graphCacheDir: testGraphCache() });
    try {
      for (const text of SENTENCES) {
        const expected = (await peer(text, { top_k: 5 })) as { score: number; token: number; token_str: string }[];
        const [result] = await engine.fill({ text, masks: masksOf(text), topK: 5 });
        assert.deepEqual(result.suggestions.map((s) => s.token_str), expected.map((e) => e.token_str), text);
        result.suggestions.forEach((s, i) => assert.ok(Math.abs(s.score - expected[i].score) < 1e-5, `${text}: ${s.score} vs ${expected[i].score}`));
      }
    } finally {
      await engine.dispose();
      await peer.dispose();
    }
  });
});
