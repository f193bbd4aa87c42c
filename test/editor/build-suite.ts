// Bundles the in-editor suite for VS Code to load as `extensionTestsPath`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { e2eDir, repoRoot } from './run-code-server';

const suiteSource = path.join(repoRoot, 'test/editor/suite');
const suiteOut = path.join(e2eDir, 'suite');

/**
 * Bundles test/editor/suite/index.ts and every *.test.ts there into .e2e/suite
 * (one file each; mocha bundled in, `vscode` left to the extension host), puts
 * the built engine worker beside them, and returns the path of index.js.
 */
export async function buildSuite(): Promise<string> {
  fs.rmSync(suiteOut, { recursive: true, force: true });
  const entryPoints = fs
    .readdirSync(suiteSource)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(suiteSource, f));
  await esbuild.build({
    entryPoints,
    outdir: suiteOut,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'warning',
    // mocha's parallel mode resolves worker files at run time; the suite runs
    // serially and never loads them.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  // Suites that build an EngineHost of their own need the engine's worker next
  // to them, where the bundled Engine looks for it (beside its own file).
  const worker = path.join(repoRoot, 'dist/engine-worker.js');
  if (fs.existsSync(worker)) fs.copyFileSync(worker, path.join(suiteOut, 'engine-worker.js'));
  return path.join(suiteOut, 'index.js');
}
