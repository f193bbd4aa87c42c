import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLE, bundleText, collectMessages } from '../../scripts/l10n-bundle';

const root = path.resolve(__dirname, '../..');

test('every l10n.t message is a literal and l10n/bundle.l10n.json lists exactly them (npm run l10n)', () => {
  const { messages, dynamic } = collectMessages();
  assert.deepEqual(dynamic, [], 'calls whose message is not a string literal');
  assert.ok(messages.length > 40, `${messages.length} messages`);
  assert.equal(fs.readFileSync(BUNDLE, 'utf8'), bundleText(messages), 'the bundle is stale: run `npm run l10n`');
});

test('the manifest points VS Code at the bundles, and the VSIX carries them', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { l10n?: string };
  assert.equal(manifest.l10n, './l10n');
  assert.match(fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!l10n\/\*\*$/m);
});

test('placeholders are numbered from {0} without gaps, as vscode.l10n.t fills them', () => {
  for (const message of collectMessages().messages) {
    const used = [...new Set([...message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
    assert.deepEqual(used, used.map((_, i) => i), message);
  }
});
