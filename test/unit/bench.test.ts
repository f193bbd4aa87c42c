import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { hasBuiltWorker, TINY } from '../helpers/tiny-model';

const ROOT = path.resolve(__dirname, '../..');

test('npm run bench -- --quick --json runs on the tiny model and prints the documented shape', (t) => {
  if (!hasBuiltWorker(t)) return;
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/bench.ts', '--quick', '--json', '--model-dir', TINY], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const output = JSON.parse(run.stdout) as {
    rows: { impl: string; precision: string; window: number; p50_ms: number; p95_ms: number }[];
    load_ms: Record<string, number>;
    peak_rss_mb: Record<string, number>;
    graph: Record<string, string>;
    targets: unknown[];
  };
  const windows = [16, 64, 128];
  for (const impl of ['cloze', 'transformers.js']) {
    assert.deepEqual(output.rows.filter((r) => r.impl === impl).map((r) => r.window), windows, impl);
  }
  for (const row of output.rows) {
    assert.equal(row.precision, 'fp32');
    assert.ok(row.p50_ms > 0 && row.p95_ms >= row.p50_ms, JSON.stringify(row));
  }
  assert.deepEqual(Object.keys(output.load_ms).sort(), ['cloze/fp32', 'transformers.js/fp32']);
  assert.deepEqual(Object.keys(output.peak_rss_mb).sort(), ['cloze/fp32', 'transformers.js/fp32']);
  assert.ok(Object.values(output.load_ms).every((ms) => ms > 0));
  assert.equal(output.graph['cloze/fp32'], 'head-at-mask');
  assert.deepEqual(output.targets, [], 'targets are for the bert-base models only');
});
