import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { commandsTable, readManifest, settingsTable, updateReadme } from '../../scripts/readme-tables';

const root = path.join(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const { manifest, nls } = readManifest(root);

test('the README Commands and Settings tables are the ones package.json gives (npm run readme:tables)', () => {
  assert.equal(readme, updateReadme(readme, manifest, nls), 'run `npm run readme:tables` and commit README.md');
});

test('the Settings table has a row for every contributed setting, with its description', () => {
  const table = settingsTable(manifest, nls);
  for (const key of Object.keys(manifest.contributes.configuration.properties)) {
    assert.match(table, new RegExp(`^\\| \`${key.replace(/\./g, '\\.')}\` \\| .+ \\| .{10,} \\|$`, 'm'), key);
  }
  assert.doesNotMatch(table, /%[\w.]+%/, 'an unresolved package.nls.json key');
});

test('the Commands table lists the palette commands with their titles and keys, not the internal ones', () => {
  const table = commandsTable(manifest, nls);
  assert.match(table, /^\| Cloze: Suggest Word \| `cloze\.suggestWord` \| `Ctrl\+K Ctrl\+G` \(macOS: `Cmd\+K Cmd\+G`\) \|$/m);
  assert.doesNotMatch(table, /cloze\.replaceRange|cloze\.completeInline/);
  assert.doesNotMatch(table, /%[\w.]+%/, 'an unresolved package.nls.json key');
});

test('updateReadme refuses a README without the markers', () => {
  assert.throws(() => updateReadme('# Nothing here\n', manifest, nls), /needs the markers/);
});

test('the README keeps the two set-up commands', () => {
  assert.ok(readme.includes('npm ci && npm run build && npm run make-models -- --tiny\nnpm run fill -- '));
  assert.ok(readme.includes('\nnpm ci && npm test\n'));
});

test('every picture the README shows is committed and small', () => {
  // vsce rewrites relative image links only when the alt text has no brackets
  // (and fails the package otherwise), so this pattern allows none either.
  const images = [...readme.matchAll(/!\[([^\][]*)\]\(([^)\s]+)\)/g)].map((m) => m[2]!);
  assert.equal(images.length, (readme.match(/!\[/g) ?? []).length, 'an image whose alt text has brackets');
  assert.ok(images.length >= 3, 'a picture per feature');
  for (const image of images) {
    const file = path.join(root, image);
    assert.ok(existsSync(file), `${image} does not exist`);
    assert.ok(statSync(file).size < 150 * 1024, `${image} is over 150 KB`);
  }
});
