import { type CommandArgs, type CommandContext, commandEngine, EXIT, readCommandText, UsageError } from './command';
import { commandModel } from './download-command';

/**
 * `cloze embed`: prints the text's mean-pooled last hidden state (feature
 * extraction): a line `dims D, tokens T`, then the D values; with `--json`,
 * `{ dims, tokens, truncated, vector }`.
 */
export async function embedCommand(args: CommandArgs, context: CommandContext): Promise<number> {
  if (args.positionals.length > 1) throw new UsageError(`Expected one TEXT argument, got ${args.positionals.length}: quote the sentence`);
  const text = readCommandText(args.positionals[0], args, context, 'cloze embed "Some sentence."');
  const engine = commandEngine(await commandModel(args, context), args, context);
  try {
    const { vector, tokens, truncated } = await engine.embed(text);
    if (args.values.json === true) {
      context.stdout.write(`${JSON.stringify({ dims: vector.length, tokens, truncated, vector })}\n`);
    } else {
      context.stdout.write(`dims ${vector.length}, tokens ${tokens}${truncated ? ' (text truncated)' : ''}\n${vector.map((v) => v.toFixed(6)).join(' ')}\n`);
    }
    return EXIT.ok;
  } finally {
    await engine.dispose();
  }
}
