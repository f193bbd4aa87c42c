// `npm run editor`: try Cloze in a real VS Code (code-server) from your browser,
// without installing VS Code. Builds the extension if its sources changed,
// installs code-server into .e2e/ on first use (test/editor/setup.sh), starts
// it on 127.0.0.1 with Cloze installed and a sample workspace, and prints the
// URL. Ctrl+C stops code-server and everything it started.
//
//   npm run editor [-- --model DIR] [-- --port N] [-- --vsix]
//
// Without --model, Cloze uses its default model, downloaded on first use
// (internet needed). Offline, `--model models/cloze-mini-en` is a small English
// model trained here (weak, but real English), and
// `--model test/fixtures/models/tiny-planted` shows the mechanics on the
// generated test model the tour is written for, whose vocabulary is tiny.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { e2eDir, repoRoot, runFolders, startCodeServer, stopEverything } from '../test/editor/run-code-server';

const codeServerEntry = path.join(e2eDir, 'node_modules/code-server/out/node/entry.js');
const sampleWorkspace = path.join(repoRoot, 'test/fixtures/try-it');
const tourFile = 'tour.md';
/**
 * Models downloaded by one run are kept for the next: the extension's global
 * storage (where it caches models) is linked to this folder.
 */
const keptStorage = path.join(e2eDir, 'editor-storage');

const usage = `Usage: npm run editor [-- options]
Starts code-server (VS Code in the browser) on 127.0.0.1 with Cloze installed
and a sample workspace; Ctrl+C stops it.
  --model DIR   a local model folder (model.onnx, tokenizer.json, ...) for
                cloze.modelPath; default: Cloze's default model, downloaded
                on first use. Offline: --model models/cloze-mini-en (a small
                English model trained here) or --model
                test/fixtures/models/tiny-planted (the tour's test model)
  --port N      listen on port N (default: a free port)
  --vsix        install dist-vsix/cloze-<platform>-<arch>-<version>.vsix
                (from \`npm run package\`) instead of linking this folder`;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    newest = Math.max(newest, fs.statSync(path.join(dir, name)).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` unless dist/ is newer than every source file. */
function buildIfNeeded(): void {
  const bundle = path.join(repoRoot, 'dist/extension.js');
  const sources = Math.max(newestMtime(path.join(repoRoot, 'src')), fs.statSync(path.join(repoRoot, 'package.json')).mtimeMs);
  if (fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= sources) return;
  console.log('[editor] building (node esbuild.mjs)');
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed');
}

/** Debian packages test/editor/setup.sh installs with apt, and whether each is there. */
function missingAptPackages(): string[] {
  const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  const missing: string[] = [];
  if (!has('chromium')) missing.push('chromium');
  if (!has('rg')) missing.push('ripgrep');
  if (spawnSync('dpkg', ['-s', 'libkrb5-dev'], { stdio: 'ignore' }).status !== 0) missing.push('libkrb5-dev');
  return missing;
}

/** Installs code-server into .e2e/ with test/editor/setup.sh when it is not there. */
function installCodeServerIfNeeded(): void {
  if (fs.existsSync(codeServerEntry)) return;
  const missing = missingAptPackages();
  if (missing.length && process.getuid?.() !== 0) {
    // setup.sh would call sudo; say what it needs instead of asking for a password mid-way.
    throw new Error(
      `code-server is not installed yet, and installing it needs these Debian packages first:\n\n` +
        `  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n\n` +
        'Then run `npm run editor` again.',
    );
  }
  console.log(`[editor] installing code-server into ${path.relative(process.cwd(), e2eDir) || '.'} (test/editor/setup.sh; a few minutes, once)`);
  const result = spawnSync('bash', [path.join(repoRoot, 'test/editor/setup.sh')], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('test/editor/setup.sh failed');
}

function modelSettings(model: string | undefined): Record<string, unknown> {
  if (model === undefined) return {};
  const dir = path.resolve(model);
  if (!fs.existsSync(path.join(dir, 'model.onnx'))) {
    throw new Error(`Expected --model to be a model folder with model.onnx, got \`${model}\``);
  }
  return { 'cloze.modelPath': dir };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      port: { type: 'string' },
      vsix: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new RangeError(`Expected --port to be a port number, got \`${values.port}\``);
  }
  const settings = modelSettings(values.model);
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  let install: { vsix: string[] } | { extensions: string[] };
  if (values.vsix) {
    const vsix = path.join(repoRoot, 'dist-vsix', `${manifest.name}-${process.platform}-${process.arch}-${manifest.version}.vsix`);
    if (!fs.existsSync(vsix)) throw new Error(`${path.relative(process.cwd(), vsix)} is missing: run \`npm run package\` first`);
    install = { vsix: [vsix] };
  } else {
    buildIfNeeded();
    install = { extensions: [repoRoot] };
  }
  installCodeServerIfNeeded();

  const server = await startCodeServer({
    fixture: sampleWorkspace,
    settings: { ...settings, 'workbench.startupEditor': 'none' },
    ...install,
    ...(port !== undefined ? { port } : {}),
  });
  // Before any browser connects, so the extension never sees another folder.
  const storage = path.join(runFolders(server.runDir).userData, 'User/globalStorage', `${manifest.publisher}.${manifest.name}`);
  fs.mkdirSync(keptStorage, { recursive: true });
  fs.mkdirSync(path.dirname(storage), { recursive: true });
  fs.symlinkSync(keptStorage, storage, 'dir');

  const tour = path.join(server.workspace, tourFile);
  const openTour = encodeURIComponent(JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${server.port}${tour}`]]));
  console.log('');
  console.log(`  Cloze in VS Code:  ${server.workspaceUrl()}&payload=${openTour}`);
  console.log(`  Workspace:         ${path.relative(process.cwd(), server.workspace)} (a fresh copy of test/fixtures/try-it)`);
  console.log(
    values.model
      ? `  Model:             ${settings['cloze.modelPath'] as string}`
      : `  Model:             Cloze's default, downloaded on first use into ${path.relative(process.cwd(), keptStorage)}`,
  );
  console.log(`  Log:               ${path.relative(process.cwd(), server.logFile)}`);
  console.log('');
  console.log('  Open the URL in a browser on this machine (from another one: ssh -L PORT:127.0.0.1:PORT).');
  console.log('  Press Ctrl+C to stop.');

  // run-code-server stops the server on SIGINT/SIGTERM/SIGHUP; here we only
  // notice a server that ends by itself.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!server.running()) {
        clearInterval(timer);
        resolve();
      }
    }, 1000);
  });
  console.error(`\ncode-server stopped by itself:\n${server.logTail(20)}`);
  process.exitCode = 1;
}

if (require.main === module) {
  main().catch(async (error: unknown) => {
    console.error(`[editor] ${(error as Error).message}`);
    await stopEverything();
    process.exitCode = 1;
  });
}
