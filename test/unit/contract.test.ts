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
    // The section is always 'cloze'; a second argument (the document at hand) applies its folder and language.
    for (const call of text.matchAll(/getConfiguration\(([^)]*)\)/g)) assert.match(call[1]!, /^'cloze'(, \w+)?$/, `${file}: getConfiguration(${call[1]})`);
    // inspect() hands out workspace values even in Restricted Mode: only the
    // toggles use it, to write where a value lives, and they flip no restricted setting.
    if (file === path.join('editor', 'toggle-setting.ts')) {
      assert.doesNotMatch(text, /['"](model|modelPath|hubEndpoint)['"]/, file);
    } else {
      assert.doesNotMatch(text, /\.inspect\(/, file);
    }
    if (file !== path.join('editor', 'settings.ts')) assert.doesNotMatch(text, /\.get(<[^>]*>)?\(\s*['"](cloze\.)?(model|modelPath|hubEndpoint)['"]/, file);
  }
});

test('settings have the scopes users expect: per language for the switches and the count, per window for the model', () => {
  const properties = manifest.contributes.configuration.properties as Record<string, { scope?: string }>;
  const scopes = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, schema.scope]));
  for (const key of ['cloze.enable', 'cloze.inline.enabled', 'cloze.hover', 'cloze.hints.enabled', 'cloze.topK']) {
    assert.equal(scopes[key], 'language-overridable', key);
  }
  // One engine per window: what chooses the model applies to the window. Not
  // machine-overridable: a remote window (code-server, Remote-SSH) ignores those
  // in User settings, and a user value that vanishes there swaps the model.
  for (const key of ['cloze.model', 'cloze.modelPath', 'cloze.hubEndpoint', 'cloze.threads', 'cloze.cacheDir', 'cloze.offline']) {
    if (key in scopes) assert.equal(scopes[key], 'window', key);
  }
  for (const [key, scope] of Object.entries(scopes)) {
    assert.ok(scope === 'resource' || scope === 'language-overridable' || scope === 'window', `${key}: scope ${scope}`);
  }
});

test('the common settings come first in the Settings editor', () => {
  const properties = manifest.contributes.configuration.properties as Record<string, { order?: number }>;
  const byOrder = Object.entries(properties).sort(([, a], [, b]) => (a.order ?? 1e9) - (b.order ?? 1e9)).map(([key]) => key);
  assert.deepEqual(byOrder.slice(0, 6), ['cloze.enable', 'cloze.modelPath', 'cloze.model', 'cloze.inline.enabled', 'cloze.hover', 'cloze.hints.enabled']);
  const orders = Object.values(properties).map((p) => p.order);
  assert.equal(new Set(orders).size, orders.length, 'two settings share an order');
});

test('keys and the context menu apply only where Cloze is on for the active editor', () => {
  const source = readFileSync(path.join(__dirname, '../../src/editor/context-keys.ts'), 'utf8');
  const contextKey = /EDITOR_ENABLED_CONTEXT = '([^']+)'/.exec(source)?.[1];
  assert.equal(contextKey, 'cloze.editorEnabled');
  for (const binding of manifest.contributes.keybindings as { when: string }[]) {
    assert.match(binding.when, /(^|&& )cloze\.editorEnabled( &&|$)/, binding.when);
    assert.doesNotMatch(binding.when, /config\.cloze\.enable/);
  }
  for (const entry of manifest.contributes.menus['editor/context'] as { when: string }[]) assert.match(entry.when, /cloze\.editorEnabled/);
});

test('default keys: no Ctrl+Alt+letter (AltGr) on Windows and Linux, and no Option+key that types a character on a Mac', () => {
  const bindings = manifest.contributes.keybindings as { command: string; key: string; mac?: string }[];
  for (const binding of bindings) {
    // AltGr is Ctrl+Alt on Windows: Ctrl+Alt+M would swallow AltGr+M (µ on a German keyboard).
    for (const chord of binding.key.split(' ')) assert.doesNotMatch(chord, /^ctrl\+alt\+[a-z0-9]$|^alt\+ctrl\+/, binding.key);
    assert.ok(binding.mac, `${binding.command} has no macOS key`);
    // Option+\ types « and Option+letter types a character on a Mac.
    for (const chord of binding.mac.split(' ')) assert.doesNotMatch(chord, /^alt\+[^+]+$/, binding.mac);
  }
  const suggest = bindings.find((b) => b.command === 'cloze.suggestWord');
  assert.deepEqual([suggest?.key, suggest?.mac], ['ctrl+k ctrl+g', 'cmd+k cmd+g']);
});

test('the commit message box (scminput) is one of the default languages, and activates Cloze', () => {
  const languages = manifest.contributes.configuration.properties['cloze.languages'].default as string[];
  assert.ok(languages.includes('scminput'));
  assert.deepEqual(readSettings({ get: () => undefined }).languages, languages);
  for (const language of languages) assert.ok((manifest.activationEvents as string[]).includes(`onLanguage:${language}`), language);
});

function readSources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
}

test('the walkthrough: its pages exist and are packaged, and its buttons run contributed commands', () => {
  const [walkthrough] = manifest.contributes.walkthroughs as { id: string; steps: { id: string; description: string; media: { markdown?: string }; completionEvents: string[] }[] }[];
  assert.ok(walkthrough, 'no walkthrough');
  assert.deepEqual(walkthrough.steps.map((s) => s.id), ['getModel', 'fillBlank', 'alternatives', 'hints']);
  const known = new Set((manifest.contributes.commands as { command: string }[]).map((c) => c.command));
  const packaged = readFileSync(path.join(__dirname, '../../scripts/package-vsix.ts'), 'utf8');
  for (const step of walkthrough.steps) {
    const page = step.media.markdown!;
    assert.ok(readFileSync(path.join(__dirname, '../..', page), 'utf8').length > 0, page);
    assert.ok(packaged.includes(`'${page}'`), `${page} is not in the VSIX`);
    for (const [, command] of (localized(step.description) as string).matchAll(/\(command:([\w.]+)\)/g)) assert.ok(known.has(command!), command);
    assert.ok(step.completionEvents.length > 0, step.id);
  }
  // The first step speaks of getting the model: downloading it, a local folder, and offline.
  assert.match(localized(walkthrough.steps[0]!.description) as string, /command:cloze\.downloadModel[\s\S]*offline[\s\S]*command:cloze\.chooseModelFolder/);
});
