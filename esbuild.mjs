// Bundles the extension, the engine worker and the CLI. onnxruntime-node stays
// external: it loads its native binding by a computed path.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
};

const builds = [
  { entryPoints: { extension: 'src/extension.ts' } },
  { entryPoints: { 'engine-worker': 'src/engine/worker/engine-worker.ts' } },
  { entryPoints: { cli: 'src/cli/main.ts' }, banner: { js: '#!/usr/bin/env node' } },
].map((b) => ({ ...common, ...b, outdir: 'dist' }));

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
