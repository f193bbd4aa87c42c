/**
 * A child process for tests that watch the engine from outside (network,
 * files written): fills one sentence (argv[3]) with the model folder in
 * argv[2], rewritten graphs in argv[4] (else the engine's default), and
 * prints the top word. Run with `node --require tsx/cjs`.
 */
import { Engine } from '../../src/engine/engine';
import { findMaskTokens } from '../../src/engine/window/mask-window';

async function main(): Promise<void> {
  const modelDir = process.argv[2];
  const text = process.argv[3] ?? 'the cat drinks [MASK] .';
  const engine = new Engine({ modelDir, threads: 1, graphCacheDir: process.argv[4] });
  try {
    const [result] = await engine.fill({ text, masks: findMaskTokens(text, '[MASK]') });
    process.stdout.write(`${result.suggestions[0].token_str}\n`);
  } finally {
    await engine.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
