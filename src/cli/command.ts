/**
 * What every `cloze` command shares: its arguments, its context, its exit
 * codes and the one way errors reach the user.
 */
import { readFileSync } from 'node:fs';
import { Engine, type Logger, ModelError } from '../engine';
import { DownloadError } from '../models/download-error';
import { findPackageRoot } from '../models/model-catalogue';
import { cacheDirs, graphCacheDir, isOfflineEnv } from '../models/cache-dirs';
import { readHubToken } from '../models/hub-token';
import { ModelStore } from '../models/model-store';
import type { RetryOptions } from '../models/retry';

/** A stream a command writes to; `isTTY` and `columns` exist on terminals (a progress bar, else progress lines). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Parsed command-line arguments, in the shape `util.parseArgs` returns:
 * `positionals` are the words after the command name, `values` the options
 * by long name (`--cache-dir DIR` → `values['cache-dir']`).
 */
export interface CommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined | (string | boolean)[]>;
}

/** What every command gets besides its own arguments. */
export interface CommandContext {
  stdout: OutputStream;
  stderr: OutputStream;
  readStdin(): string;
  /** Diagnostics (`--verbose` sends them to standard error). */
  logger: Logger;
  /** Environment variables (`CLOZE_MODEL`, `HF_TOKEN`, `HF_ENDPOINT`, `CLOZE_CACHE_DIR`, proxy variables). */
  env: Record<string, string | undefined>;
  /** Cancels a download. Without it, `download` cancels on Ctrl+C (SIGINT). */
  signal?: AbortSignal;
  /** The folder with `models/catalogue.json`. Found from this file's location by default. */
  packageRoot?: string;
  /** A ready model store (tests); otherwise one is built from `env` and the arguments. */
  store?: ModelStore;
  /** How downloads retry transient failures (tests use waits of a few milliseconds). */
  retry?: RetryOptions;
}

/** A `cloze` command: runs with the parsed arguments and returns the exit code. */
export type Command = (args: CommandArgs, context: CommandContext) => Promise<number>;

/** Exit codes of every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, cancelled: 130 } as const;

/** A mistake in the command line: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The string value of option `name`, or undefined when it is absent or empty. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The integer value of option `name` (`--name`), or `fallback` when it is absent. @throws {UsageError} for a value that is not an integer. */
export function integerOption(args: CommandArgs, name: string, fallback: number): number;
export function integerOption(args: CommandArgs, name: string, fallback?: undefined): number | undefined;
export function integerOption(args: CommandArgs, name: string, fallback?: number): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new UsageError(`Expected --${name} to be an integer, got \`${raw}\``);
  return value;
}

/** The engine a command runs on: the model folder and threads asked for; rewritten graphs in the model cache, not in the user's folder. */
export function commandEngine(modelDir: string, args: CommandArgs, context: CommandContext): Engine {
  return new Engine({
    modelDir,
    threads: integerOption(args, 'threads'),
    graphCacheDir: graphCacheDir(cacheDirs({ env: context.env, override: stringOption(args, 'cache-dir') }).cloze),
    logger: context.logger,
  });
}

/**
 * The command line's ModelStore: models in the Hugging Face cache
 * (`HF_HUB_CACHE`, `HF_HOME`), unless `--cache-dir` or `CLOZE_CACHE_DIR`
 * names one folder for everything; Hub from `HF_ENDPOINT`; token from
 * `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`), else the file `hf auth login`
 * writes; no network with `HF_HUB_OFFLINE=1`; proxies from the environment
 * (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
 */
export function commandStore(args: CommandArgs, context: CommandContext): ModelStore {
  if (context.store !== undefined) return context.store;
  const env = context.env;
  const dirs = cacheDirs({ env, override: stringOption(args, 'cache-dir') });
  return new ModelStore({
    cacheDir: dirs.cloze,
    hubCacheDir: dirs.hub,
    packageRoot: context.packageRoot ?? findPackageRoot(__dirname),
    endpoint: env.HF_ENDPOINT || undefined,
    offline: isOfflineEnv(env),
    token: readHubToken(env)?.token,
    retry: context.retry,
    proxy: 'env',
    env,
    logger: context.logger,
    userAgent: 'cloze-cli',
  });
}

/**
 * A command's text: the argument, or the file given with `--file` (`-` for
 * standard input), never both.
 * @param usage - the command line to show when there is neither.
 */
export function readCommandText(text: string | undefined, args: CommandArgs, context: CommandContext, usage: string): string {
  const file = stringOption(args, 'file');
  if (text !== undefined && file !== undefined) {
    throw new UsageError('Give the text either as an argument or with --file, not both');
  }
  if (file !== undefined) return file === '-' ? context.readStdin() : readFileSync(file, 'utf8');
  if (text === undefined) throw new UsageError(`Missing text: ${usage} (or --file PATH, --file - for stdin)`);
  return text;
}

/**
 * Prints `error` as a user would want to read it, with what to do next, and
 * returns the exit code: 2 for a mistake in the command line, 130 for a
 * cancelled download, 1 otherwise. An error nobody expected prints its stack.
 */
export function reportError(error: unknown, stderr: OutputStream): number {
  const say = (message: string) => stderr.write(`cloze: ${message}\n`);
  if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
    say(`${(error as Error).message}\nRun \`cloze --help\` for usage.`);
    return EXIT.usage;
  }
  if (error instanceof DownloadError) {
    if (error.code === 'cancelled') {
      stderr.write('Cancelled. Run the same command again to resume the download.\n');
      return EXIT.cancelled;
    }
    say(error.message);
    if (error.code === 'network' || error.code === 'proxy') {
      stderr.write('hint: models already downloaded keep working offline; list them with `cloze models`.\n');
    }
    return EXIT.failure;
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    say(error.message);
    return EXIT.usage;
  }
  if (error instanceof ModelError) {
    say(error.message);
    return EXIT.failure;
  }
  say(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT.failure;
}
