import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

// The sample workspace `npm run editor` opens (test/fixtures/try-it/tour.md).
const tour = readFileSync(path.join(__dirname, '../fixtures/try-it/tour.md'), 'utf8');
const lines = tour.split('\n');
const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));

test('the line where the tour asks for your own sentence is a paragraph of its own', () => {
  const ask = lines.findIndex((l) => /^Write (a|your own) sentence/.test(l));
  assert.ok(ask >= 0, 'the tour asks for a sentence');
  // The first empty line after the request: a sentence typed there must not
  // join the request's paragraph, nor the heading or text after it.
  let spot = ask;
  while (spot < lines.length && lines[spot]!.trim() !== '') spot++;
  assert.ok(spot < lines.length - 1, 'an empty line follows the request');
  const typed = [...lines.slice(0, spot + 1), 'My own sentence with a [MASK].', ...lines.slice(spot + 2)];
  assert.equal(typed[spot]!.trim(), '', `line ${spot} (before the typed line) is blank`);
  assert.equal((typed[spot + 2] ?? '').trim(), '', `line ${spot + 2} (after the typed line) is blank`);
});

test('the tour names the keys that package.json binds', () => {
  const suggest = (manifest.contributes.keybindings as { command: string; key: string; mac: string }[]).find((b) => b.command === 'cloze.suggestWord')!;
  const label = (key: string) => key.split(' ').map((chord) => chord.split('+').map((k) => k[0]!.toUpperCase() + k.slice(1)).join('+')).join(' ');
  assert.ok(tour.includes(`\`${label(suggest.key)}\``), label(suggest.key));
  assert.ok(tour.includes(`\`${label(suggest.mac)}\``), label(suggest.mac));
});

test('the tour keeps a marked place for the features still to come', () => {
  assert.match(tour, /<!-- TOUR: [^>]*gap fill[^>]*alternatives/);
  // A [MASK] in an HTML comment would be a blank to fill: none there.
  for (const comment of tour.matchAll(/<!--[\s\S]*?-->/g)) assert.doesNotMatch(comment[0], /\[MASK\]/);
});
