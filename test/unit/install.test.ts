import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const root = path.join(__dirname, '../..');
// npm's own range matching (semver comes with the dev dependencies; no types of its own).
const semver = createRequire(__filename)('semver') as { satisfies(version: string, range: string): boolean };
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const manifest = JSON.parse(read('package.json'));
const lock = JSON.parse(read('package-lock.json'));
const nvmrc = read('.nvmrc').trim();

test('.nvmrc, engines.node and every locked package agree on the Node version (npm ci warns EBADENGINE otherwise)', () => {
  assert.match(nvmrc, /^\d+$/);
  const node = `${nvmrc}.19.0`;
  assert.ok(semver.satisfies(node, manifest.engines.node), `engines.node ${manifest.engines.node}`);
  const refuse = Object.entries<{ engines?: { node?: string } }>(lock.packages)
    .filter(([name, entry]) => name !== '' && typeof entry.engines?.node === 'string' && !semver.satisfies(node, entry.engines.node))
    .map(([name, entry]) => `${name} needs node ${entry.engines!.node}`);
  assert.deepEqual(refuse, []);
});

test('a quiet npm ci: .npmrc holds only npm settings, and no dependency install script runs', () => {
  const keys = read('.npmrc').split('\n').filter((l) => /^\s*[^#;\s]/.test(l)).map((l) => l.split('=')[0]!.trim());
  // npm 11 warns "Unknown project config" for anything else on every npm command.
  assert.deepEqual(keys.filter((k) => !['fund', 'audit', 'ignore-scripts'].includes(k)), []);
  assert.match(read('.npmrc'), /^ignore-scripts=true$/m);
  // The allowScripts policy (npm 11) names every locked package with an install script, and allows none.
  const withScripts = Object.entries<{ hasInstallScript?: boolean }>(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([name]) => name.replace(/^.*node_modules\//, ''));
  assert.deepEqual(Object.keys(manifest.allowScripts).sort(), [...new Set(withScripts)].sort());
  assert.ok(Object.values(manifest.allowScripts).every((allowed) => allowed === false));
  // The editor tools are a project of their own whose scripts must run.
  assert.match(read('test/editor/setup.sh'), /^export npm_config_ignore_scripts=false$/m);
});
