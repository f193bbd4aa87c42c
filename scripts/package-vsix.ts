// `npm run package`: one VSIX per platform in dist-vsix/, each carrying only
// that platform's onnxruntime binaries (all of them together are about 290 MB).
//
//   npm run package [-- --target linux-x64]... [-- --skip-build]
//
// For each target it stages a copy in .tmp/package/<target>/ (the manifest,
// the production bundle, the catalogue, the icon, README/CHANGELOG/LICENSE and
// a hand-picked node_modules with onnxruntime-node and onnxruntime-common),
// runs `vsce package --target <target>` there, and checks what the VSIX holds.
// esbuild bundles everything else (the tokenizer, the ONNX protobuf reader), so
// the bundle may require only `vscode`, `onnxruntime-node` and Node built-ins:
// this script fails otherwise.
//
// vsce comes from the project's devDependencies (@vscode/vsce 3.9.x: 4.x needs
// Node 22), else from `npx @vscode/vsce@3.9.2`.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { extractZip, zipEntries } from './zip-entries';

const repoRoot = path.resolve(__dirname, '..');
const stagingRoot = path.join(repoRoot, '.tmp/package');
const outDir = path.join(repoRoot, 'dist-vsix');
const ortNode = path.join(repoRoot, 'node_modules/onnxruntime-node');
const ortCommon = path.join(repoRoot, 'node_modules/onnxruntime-common');
const vsceFallback = '@vscode/vsce@3.9.2';

/** VS Code targets we build, as `<platform>-<arch>` (= onnxruntime's bin/napi-v6/<platform>/<arch>). */
export const targets = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64', 'win32-x64', 'win32-arm64'] as const;
/** The linux-x64 VSIX must stay well under this (bytes). */
const linuxX64Limit = 30 * 1024 * 1024;

/** The files of the extension itself, relative to the repository (and to the VSIX's extension/). */
const ownFiles = [
  'package.nls.json',
  'l10n/bundle.l10n.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  '.vscodeignore',
  'dist/extension.js',
  'dist/engine-worker.js',
  'models/catalogue.json',
  'media/icon.png',
  // The walkthrough's pages (package.json contributes.walkthroughs).
  'media/walkthrough/get-model.md',
  'media/walkthrough/fill-blank.md',
  'media/walkthrough/alternatives.md',
  'media/walkthrough/hints.md',
];

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  bin?: unknown;
  [key: string]: unknown;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
}

/**
 * The module names a bundle `require`s. esbuild prints every require it
 * leaves in the bundle as `require("name")`; code inside string literals keeps
 * its own quotes (the engine host's `require('tsx/cjs')`, used only when
 * running from the TypeScript sources, is such a string).
 */
export function requiredModules(bundle: string): string[] {
  const names = new Set<string>();
  for (const match of bundle.matchAll(/\brequire\("([^"]+)"\)/g)) names.add(match[1]!);
  return [...names].sort();
}

function checkBundle(file: string): void {
  const builtins = new Set(builtinModules);
  const allowed = (name: string): boolean =>
    name === 'vscode' || name === 'onnxruntime-node' || name.startsWith('node:') || builtins.has(name);
  const extra = requiredModules(fs.readFileSync(file, 'utf8')).filter((n) => !allowed(n));
  if (extra.length) {
    throw new Error(`${path.relative(repoRoot, file)} requires ${extra.join(', ')} at run time; bundle it or ship it`);
  }
}

function copy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true, dereference: true });
}

/**
 * Copies what Node loads from `from` (recursively) to `to`: the .js files and
 * any package.json (onnxruntime-common's dist/cjs/package.json says
 * `"type": "commonjs"` under a package that says `"module"`). No maps, no .d.ts.
 */
function copyRuntime(from: string, to: string): void {
  for (const name of fs.readdirSync(from, { recursive: true, encoding: 'utf8' })) {
    if (name.endsWith('.js') || path.basename(name) === 'package.json') copy(path.join(from, name), path.join(to, name));
  }
}

/** Stages what the VSIX for `target` holds into .tmp/package/<target>/. */
function stage(target: string, manifest: Manifest): string {
  const [platform, arch] = target.split('-') as [string, string];
  const dir = path.join(stagingRoot, target);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });

  const ortVersion = readJson<Manifest>(path.join(ortNode, 'package.json')).version;
  // What the VSIX runs: no scripts, no dev dependencies, no CLI; the one
  // runtime dependency that esbuild leaves out of the bundle.
  const shipped: Manifest = { ...manifest, dependencies: { 'onnxruntime-node': ortVersion } };
  delete shipped.devDependencies;
  delete shipped.scripts;
  delete shipped.bin;
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
  for (const file of ownFiles) copy(path.join(repoRoot, file), path.join(dir, file));

  const modules = path.join(dir, 'node_modules');
  // onnxruntime-node's own dependencies (adm-zip, global-agent) serve only its
  // install script, which downloads optional CUDA binaries and never runs from
  // a VSIX: leave them out, and out of its manifest so `npm list` (which vsce
  // runs) finds the tree complete.
  const ortManifest = readJson<Manifest>(path.join(ortNode, 'package.json'));
  const commonVersion = ortManifest.dependencies?.['onnxruntime-common'];
  ortManifest.dependencies = commonVersion ? { 'onnxruntime-common': commonVersion } : {};
  delete ortManifest.scripts;
  delete ortManifest.devDependencies;
  fs.mkdirSync(path.join(modules, 'onnxruntime-node'), { recursive: true });
  fs.writeFileSync(path.join(modules, 'onnxruntime-node/package.json'), `${JSON.stringify(ortManifest, null, 2)}\n`);
  copy(path.join(ortNode, 'README.md'), path.join(modules, 'onnxruntime-node/README.md'));
  copyRuntime(path.join(ortNode, 'dist'), path.join(modules, 'onnxruntime-node/dist'));
  const bin = `bin/napi-v6/${platform}/${arch}`;
  copy(path.join(ortNode, bin), path.join(modules, 'onnxruntime-node', bin));

  copy(path.join(ortCommon, 'package.json'), path.join(modules, 'onnxruntime-common/package.json'));
  copy(path.join(ortCommon, 'README.md'), path.join(modules, 'onnxruntime-common/README.md'));
  // Only the CommonJS build: onnxruntime-node `require`s it.
  copyRuntime(path.join(ortCommon, 'dist/cjs'), path.join(modules, 'onnxruntime-common/dist/cjs'));
  return dir;
}

function vsceCommand(): { command: string; args: string[]; from: string } {
  try {
    const pkg = require.resolve('@vscode/vsce/package.json', { paths: [repoRoot] });
    const { version } = readJson<Manifest>(pkg);
    if (!version.startsWith('3.')) throw new Error(`@vscode/vsce ${version} in node_modules; want 3.x (4.x needs Node 22)`);
    return { command: process.execPath, args: [path.join(path.dirname(pkg), 'vsce')], from: `node_modules (${version})` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return { command: 'npx', args: ['--yes', vsceFallback], from: `npx ${vsceFallback}` };
  }
}

/** Checks a VSIX holds the extension and exactly one platform's binaries, and no development files. */
export function checkVsix(file: string, target: string): { entries: number; unpacked: number } {
  const [platform, arch] = target.split('-') as [string, string];
  const entries = zipEntries(file);
  const names = new Set(entries.map((e) => e.name));
  const required = [
    'extension/package.json',
    'extension/package.nls.json',
    'extension/l10n/bundle.l10n.json',
    'extension/dist/extension.js',
    'extension/dist/engine-worker.js',
    'extension/models/catalogue.json',
    'extension/media/icon.png',
    'extension/media/walkthrough/get-model.md',
    'extension/node_modules/onnxruntime-node/dist/index.js',
    'extension/node_modules/onnxruntime-common/dist/cjs/index.js',
    'extension/node_modules/onnxruntime-common/dist/cjs/package.json',
    `extension/node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node`,
  ];
  const problems = required.filter((n) => !names.has(n)).map((n) => `missing ${n}`);
  const ownBin = `extension/node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/`;
  for (const { name } of entries) {
    if (name.includes('/bin/napi-v6/') && !name.startsWith(ownBin)) problems.push(`another platform's binary: ${name}`);
    if (/\.(map|ts|tsbuildinfo)$/.test(name) || /^extension\/(src|test|scripts|\.e2e|\.ci|\.tmp)\//.test(name)) {
      problems.push(`a development file: ${name}`);
    }
  }
  if (problems.length) throw new Error(`${path.basename(file)}:\n  ${problems.join('\n  ')}`);
  return { entries: entries.length, unpacked: entries.reduce((sum, e) => sum + e.size, 0) };
}

/**
 * The environment for vsce, which runs `npm list` in the staged folder:
 * without the settings `npm run` exports from this project's .npmrc, which
 * that npm would warn about as unknown.
 */
function vsceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  for (const key of Object.keys(env)) if (/^npm_config_onnxruntime/i.test(key)) delete env[key];
  return env;
}

/**
 * Unpacks a VSIX built for this machine and runs the planted test model with
 * the onnxruntime-node inside it, in a fresh Node process: proves that the
 * hand-picked node_modules is complete.
 */
function smokeTest(file: string, target: string): void {
  // Outside the repository, so nothing resolves from its node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-vsix-'));
  extractZip(file, dir);
  const extension = path.join(dir, 'extension');
  const model = path.join(repoRoot, 'test/fixtures/models/tiny-planted/model.onnx');
  const script = `
    const ort = require(${JSON.stringify(path.join(extension, 'node_modules/onnxruntime-node'))});
    ort.InferenceSession.create(${JSON.stringify(model)}).then((s) => {
      console.log('[package] ' + ${JSON.stringify(`${target}:`)} + ' onnxruntime-node ' + ort.env.versions.common + ' from the VSIX loaded the test model (inputs ' + s.inputNames.join(', ') + ')');
    }, (e) => { console.error(e); process.exit(1); });`;
  run(process.execPath, ['-e', script], { cwd: dir, env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
  fs.rmSync(dir, { recursive: true, force: true });
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function main(): void {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true },
      'skip-build': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`Usage: npm run package [-- --target T]... [-- --skip-build]
Builds dist-vsix/cloze-<target>-<version>.vsix for ${targets.join(', ')}
(those onnxruntime-node ships binaries for).`);
    return;
  }
  const requested = values.target ?? [...targets];
  for (const t of requested) {
    if (!(targets as readonly string[]).includes(t)) throw new RangeError(`Expected --target to be one of ${targets.join(', ')}, got \`${t}\``);
  }
  const started = Date.now();
  if (!values['skip-build']) {
    console.log('[package] node esbuild.mjs --production');
    run(process.execPath, ['esbuild.mjs', '--production'], { cwd: repoRoot });
  }
  for (const file of ['dist/extension.js', 'dist/engine-worker.js']) checkBundle(path.join(repoRoot, file));

  const manifest = readJson<Manifest>(path.join(repoRoot, 'package.json'));
  const vsce = vsceCommand();
  console.log(`[package] vsce from ${vsce.from}`);
  fs.mkdirSync(outDir, { recursive: true });
  const built: { target: string; file: string; size: number; unpacked: number; seconds: number }[] = [];
  const skipped: string[] = [];
  for (const target of requested) {
    const [platform, arch] = target.split('-') as [string, string];
    if (!fs.existsSync(path.join(ortNode, 'bin/napi-v6', platform, arch))) {
      const why = `onnxruntime-node ${readJson<Manifest>(path.join(ortNode, 'package.json')).version} ships no ${platform}/${arch} binary`;
      if (values.target) throw new Error(`Cannot build ${target}: ${why}`);
      skipped.push(`${target} (${why})`);
      continue;
    }
    const t0 = Date.now();
    const dir = stage(target, manifest);
    const file = path.join(outDir, `${manifest.name}-${target}-${manifest.version}.vsix`);
    fs.rmSync(file, { force: true });
    console.log(`[package] ${target}: vsce package in ${path.relative(repoRoot, dir)}`);
    // vsce prints the VSIX's whole file tree; checkVsix() checks it instead, so keep the rest.
    const packed = spawnSync(vsce.command, [...vsce.args, 'package', '--target', target, '--out', file], {
      cwd: dir,
      env: vsceEnv(),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const output = `${packed.stdout ?? ''}${packed.stderr ?? ''}`;
    if (packed.error || packed.status !== 0) {
      throw new Error(`vsce package --target ${target} failed:\n${output}`, { cause: packed.error });
    }
    for (const line of output.split('\n')) {
      if (line.trim() && !/^\s*[│├└]/.test(line) && !/Files included in the VSIX|^cloze-.*\.vsix$|vsce ls --tree/.test(line)) {
        console.log(`    ${line.trim()}`);
      }
    }
    const { unpacked } = checkVsix(file, target);
    if (target === `${process.platform}-${process.arch}`) smokeTest(file, target);
    built.push({ target, file, size: fs.statSync(file).size, unpacked, seconds: (Date.now() - t0) / 1000 });
  }

  console.log('');
  for (const b of built) {
    console.log(`  ${path.relative(process.cwd(), b.file).padEnd(42)} ${mb(b.size).padStart(9)}  (${mb(b.unpacked)} unpacked, ${b.seconds.toFixed(0)} s)`);
  }
  for (const s of skipped) console.log(`  skipped ${s}`);
  console.log(`  ${built.length} VSIX in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const linux = built.find((b) => b.target === 'linux-x64');
  if (linux && linux.size > linuxX64Limit) {
    throw new Error(`The linux-x64 VSIX is ${mb(linux.size)}: more than ${mb(linuxX64Limit)}`);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`[package] ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
