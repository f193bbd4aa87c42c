import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../engine/engine';
import { defaultCacheDir } from '../engine/model-store';
import { UsageError, type CommandContext } from './command';

/** Options of `cloze embed`, as parsed from the command line. */
export interface EmbedArgs {
  text: string | undefined;
  file: string | undefined;
  modelDir: string;
  threads: number | undefined;
  json: boolean;
}

/**
 * `cloze embed`: prints the text's mean-pooled last hidden state (feature
 * extraction): a line `dims D, tokens T`, then the D values; with `--json`,
 * `{ dims, tokens, truncated, vector }`.
 */
export async function embedCommand(args: EmbedArgs, context: CommandContext): Promise<number> {
  if (args.text !== undefined && args.file !== undefined) throw new UsageError('Give the text either as an argument or with --file, not both');
  const text = args.file !== undefined ? (args.file === '-' ? context.readStdin() : readFileSync(args.file, 'utf8')) : args.text;
  if (text === undefined) throw new UsageError('Missing text: cloze embed "Some sentence." (or --file PATH, --file - for stdin)');
  const engine = new Engine({
    modelDir: args.modelDir,
    threads: args.threads,
    graphCacheDir: path.join(defaultCacheDir(context.env), 'graphs'),
    logger: context.logger,
  });
  try {
    const { vector, tokens, truncated } = await engine.embed(text);
    if (args.json) {
      context.stdout.write(`${JSON.stringify({ dims: vector.length, tokens, truncated, vector })}\n`);
    } else {
      context.stdout.write(`dims ${vector.length}, tokens ${tokens}${truncated ? ' (text truncated)' : ''}\n${vector.map((v) => v.toFixed(6)).join(' ')}\n`);
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}
