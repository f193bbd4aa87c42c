import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

test('no rewritten graph is committed beside a fixture model (tests keep them in a temporary folder)', (t) => {
  const listed = spawnSync('git', ['ls-files', 'test/fixtures/models'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) {
    t.skip('needs a git checkout');
    return;
  }
  const graphs = listed.stdout.split('\n').filter((file) => /head-at-mask/.test(file));
  assert.deepEqual(graphs, []);
});
