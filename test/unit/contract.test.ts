import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LEGACY_SETTINGS, readSettings } from '../../src/editor/settings';
import { DEFAULT_ALTERNATIVES } from '../../src/engine';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
// User-facing manifest strings are `%key%` references into package.nls.json.
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(__dirname, '../../package.nls.json'), 'utf8'));
const localized = (value: unknown): unknown =>
  typeof value === 'string' && /^%[^%]+%$/.test(value) ? nls[value.slice(1, -1)] : value;

test('every contributed setting is read by the settings reader, and nothing else is', () => {
  const requested = new Set<string>();
  readSettings({ get: (key) => (requested.add(key), undefined) });
  const contributed = Object.keys(manifest.contributes.configuration.properties).map((k) => k.replace(/^cloze\./, ''));
  assert.deepEqual([...requested].filter((k) => !LEGACY_SETTINGS.includes(k)).sort(), contributed.sort());
  for (const old of LEGACY_SETTINGS) assert.ok(!contributed.includes(old), `${old} is legacy and no longer contributed`);
});

test('cloze.alternatives defaults to the engine\'s one default', () => {
  assert.equal(manifest.contributes.configuration.properties['cloze.alternatives'].default, DEFAULT_ALTERNATIVES);
  assert.equal(readSettings({ get: () => undefined }).alternatives, DEFAULT_ALTERNATIVES);
});

test('every contributed setting has a default and a description', () => {
  for (const [key, schema] of Object.entries<Record<string, unknown>>(manifest.contributes.configuration.properties)) {
    assert.ok('default' in schema, `${key} has no default`);
    const description = localized(schema.markdownDescription);
    assert.ok(typeof description === 'string' && description.length > 10, `${key} has no description`);
  }
});

test('every %key% in package.json resolves through package.nls.json, and every key there is used', () => {
  const used = new Set<string>();
  const visit = (value: unknown, at: string): void => {
    if (typeof value === 'string') {
      const match = /^%([^%]+)%$/.exec(value);
      if (!match) return;
      used.add(match[1]!);
      assert.ok(typeof nls[match[1]!] === 'string' && nls[match[1]!]!.length > 0, `${at}: ${value} is not in package.nls.json`);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, `${at}.${k}`);
    }
  };
  visit(manifest, 'package.json');
  assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), [], 'keys in package.nls.json that package.json never uses');
});

test('every user-facing manifest string is localizable', () => {
  const isRef = (value: unknown): boolean => typeof value === 'string' && /^%[^%]+%$/.test(value);
  assert.ok(isRef(manifest.displayName), 'displayName');
  assert.ok(isRef(manifest.description), 'description');
  for (const command of manifest.contributes.commands as { command: string; title: string }[]) {
    assert.ok(isRef(command.title), `${command.command} title`);
  }
  for (const [key, schema] of Object.entries<Record<string, unknown>>(manifest.contributes.configuration.properties)) {
    assert.ok(isRef(schema.markdownDescription ?? schema.description), `${key} description`);
  }
});

test('every contributed command is registered somewhere in src', () => {
  const sources = readSources(path.join(__dirname, '../../src'));
  for (const { command } of manifest.contributes.commands as { command: string }[]) {
    // Either registered directly, or through a constant that a register call uses.
    const declaration = new RegExp(`export const (\\w+) = ['"]${command.replace('.', '\\.')}['"]`);
    const constant = sources.map((s) => declaration.exec(s.text)?.[1]).find(Boolean);
    const registered = sources.some((s) =>
      new RegExp(`register(TextEditor)?Command\\(\\s*(['"]${command.replace('.', '\\.')}['"]${constant ? `|${constant}` : ''})`).test(s.text),
    );
    assert.ok(registered, `${command} is contributed but never registered`);
  }
});

test('every keybinding and menu entry names a known command', () => {
  const known = new Set((manifest.contributes.commands as { command: string }[]).map((c) => c.command));
  known.add('editor.action.inlineSuggest.trigger');
  for (const binding of manifest.contributes.keybindings) assert.ok(known.has(binding.command), binding.command);
  for (const entries of Object.values<{ command: string }[]>(manifest.contributes.menus)) {
    for (const entry of entries) assert.ok(known.has(entry.command), entry.command);
  }
});

test('in Restricted Mode, VS Code ignores workspace values of every setting that chooses what is loaded or contacted', () => {
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  // `cloze.model` takes a folder path as well as a Hub repository, so it is as strong as `cloze.modelPath`.
  assert.deepEqual([...trust.restrictedConfigurations].sort(), ['cloze.hubEndpoint', 'cloze.model', 'cloze.modelPath']);
  for (const key of trust.restrictedConfigurations as string[]) {
    assert.ok(key in manifest.contributes.configuration.properties, `${key} is restricted but not contributed`);
    assert.match(localized(trust.description) as string, new RegExp(key.replace('.', '\\.')));
  }
});

test('settings are read only through getConfiguration(\'cloze\').get, where VS Code applies the restriction', () => {
  const sources = readSources(path.join(__dirname, '../../src'));
  for (const { file, text } of sources) {
    for (const call of text.matchAll(/getConfiguration\(([^)]*)\)/g)) assert.equal(call[1], "'cloze'", `${file}: getConfiguration(${call[1]})`);
    // inspect() hands out workspace values even in Restricted Mode.
    assert.doesNotMatch(text, /\.inspect\(/, file);
    if (file !== path.join('editor', 'settings.ts')) assert.doesNotMatch(text, /\.get(<[^>]*>)?\(\s*['"](cloze\.)?(model|modelPath|hubEndpoint)['"]/, file);
  }
});

function readSources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
}
