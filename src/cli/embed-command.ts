import { type CommandContext, commandEngine, readCommandText } from './command';

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
  const text = readCommandText(args, context, 'cloze embed "Some sentence."');
  const engine = commandEngine(args, context);
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
