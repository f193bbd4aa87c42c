import type { Logger } from '../engine/types';

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
