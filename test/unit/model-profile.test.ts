import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { MODEL_PROFILE_FILE, readModelProfile } from '../../src/models/model-profile';
import { DEFAULT_HINT_THRESHOLDS, hintThresholds } from '../../src/text/unlikely-word';

function folderWith(t: { after(fn: () => void): void }, content?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-profile-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (content !== undefined) fs.writeFileSync(path.join(dir, MODEL_PROFILE_FILE), content);
  return dir;
}

describe('a model folder\'s profile (cloze.json)', () => {
  test('none: an empty profile, nothing to say', (t) => {
    assert.deepEqual(readModelProfile(folderWith(t)), { profile: {} });
  });

  test('reads the hint thresholds', (t) => {
    assert.deepEqual(readModelProfile(folderWith(t, '{ "hints": { "minRatio": 20, "minScore": 0.01 } }')), { profile: { hints: { minRatio: 20, minScore: 0.01 } } });
  });

  test('a broken file or a threshold out of range is left out, and the problem named', (t) => {
    const broken = readModelProfile(folderWith(t, '{ "hints": '));
    assert.deepEqual(broken.profile, {});
    assert.match(broken.problem ?? '', /Ignoring .*cloze\.json/);
    const half = readModelProfile(folderWith(t, '{ "hints": { "minRatio": 0.5, "minScore": 0.02 } }'));
    assert.deepEqual(half.profile, { hints: { minScore: 0.02 } });
    assert.match(half.problem ?? '', /hints\.minRatio must be a number from 1 to 1000000, got 0\.5/);
  });
});

describe('the hint thresholds in force', () => {
  test('what the user set, else the model\'s own, else the defaults', () => {
    const unset = { minRatio: undefined, minScore: undefined, similarOnly: true };
    assert.deepEqual(hintThresholds(unset), DEFAULT_HINT_THRESHOLDS);
    assert.deepEqual(hintThresholds(unset, { minScore: 0.01 }), { minRatio: 50, minScore: 0.01, similarOnly: true });
    assert.deepEqual(hintThresholds({ minRatio: 10, minScore: undefined, similarOnly: false }, { minRatio: 20, minScore: 0.01 }), { minRatio: 10, minScore: 0.01, similarOnly: false });
  });
});
