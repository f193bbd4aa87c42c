import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { hasBuiltWorker, TINY } from '../helpers/tiny-model';

const ROOT = path.resolve(__dirname, '../..');

test('ab-workers bundles the worker at a revision and prints a verdict per window', (t) => {
  if (!hasBuiltWorker(t)) return;
  if (spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).status !== 0) {
    t.skip('needs a git checkout');
    return;
  }
  // Work folders this run makes; one left by an interrupted earlier run (Ctrl+C) is not this run's.
  const cache = path.join(ROOT, 'node_modules/.cache');
  const workFolders = () => new Set(fs.existsSync(cache) ? fs.readdirSync(cache).filter((f) => f.startsWith('cloze-ab-')) : []);
  const before = workFolders();
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/ab-workers.ts', '--base', 'HEAD', '--model-dir', TINY, '--windows', '16', '--rounds', '1', '--pairs', '2'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0], /^pair 1 \(A started first\): 16 tokens: A [\d.]+ ms, B [\d.]+ ms, B\/A [\d.]+$/);
  assert.match(lines[1], /^pair 2 \(B started first\): 16 tokens: /);
  assert.match(lines[2], /^16 tokens: B\/A p50, geometric mean over 2 pairs [\d.]+ \(pairs [\d.]+–[\d.]+\)$/);
  // The temporary worktree and bundle are gone.
  const worktrees = spawnSync('git', ['worktree', 'list'], { cwd: ROOT, encoding: 'utf8' }).stdout;
  assert.doesNotMatch(worktrees, /cloze-ab-tree-/);
  assert.deepEqual([...workFolders()].filter((f) => !before.has(f)), []);
});
