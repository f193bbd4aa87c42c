import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Engine, type Logger } from '../engine';
import { defaultCacheDir } from '../models/model-store';

/** What every CLI command gets besides its own arguments. */
export interface CommandContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readStdin(): string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/** A mistake in the command line: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The engine a command runs on: the model folder and threads asked for; rewritten graphs in the model cache, not in the user's folder. */
export function commandEngine(args: { modelDir: string; threads?: number }, context: CommandContext): Engine {
  return new Engine({
    modelDir: args.modelDir,
    threads: args.threads,
    graphCacheDir: path.join(defaultCacheDir(context.env), 'graphs'),
    logger: context.logger,
  });
}

/**
 * A command's text: the argument, or the file given with `--file` (`-` for
 * standard input), never both.
 * @param usage - the command line to show when there is neither.
 */
export function readCommandText(args: { text?: string; file?: string }, context: CommandContext, usage: string): string {
  if (args.text !== undefined && args.file !== undefined) {
    throw new UsageError('Give the text either as an argument or with --file, not both');
  }
  if (args.file !== undefined) return args.file === '-' ? context.readStdin() : readFileSync(args.file, 'utf8');
  if (args.text === undefined) throw new UsageError(`Missing text: ${usage} (or --file PATH, --file - for stdin)`);
  return args.text;
}
