/**
 * What the `models` and `download` commands share: their argument shape, how
 * they build a ModelStore from the environment, and how they explain errors.
 */
import { DownloadError } from '../models/download-error';
import { type Logger, ModelError, silentLogger } from '../engine';
import { findPackageRoot } from '../models/model-catalogue';
import { defaultCacheDir, ModelStore } from '../models/model-store';
import type { OutputStream } from './progress';

/**
 * Parsed command-line arguments, in the shape `util.parseArgs` returns:
 * `positionals` are the words after the command name, `values` the options
 * by long name (`--cache-dir DIR` → `values['cache-dir']`).
 */
export interface CommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined | (string | boolean)[]>;
}

/** What a command may be given besides its arguments; every field has a sensible default. */
export interface CommandContext {
  /**
   * Environment variables (`HF_TOKEN`, `HF_ENDPOINT`, `CLOZE_CACHE_DIR`, proxy variables).
   * @default process.env
   */
  env?: Record<string, string | undefined>;
  /** The folder with `models/catalogue.json`. Found from this file's location by default. */
  packageRoot?: string;
  /** A ready store (tests); otherwise one is built from `env` and the arguments. */
  store?: ModelStore;
  /** Cancels a download. Without it, `download` cancels on Ctrl+C (SIGINT). */
  signal?: AbortSignal;
  /** Diagnostics (`--verbose`). */
  logger?: Logger;
}

/** Exit codes of the model commands. */
export const EXIT = { ok: 0, failure: 1, usage: 2, cancelled: 130 } as const;

function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Builds the CLI's ModelStore: cache from `--cache-dir`, else `CLOZE_CACHE_DIR`,
 * else the platform's cache folder; Hub from `HF_ENDPOINT`; token from
 * `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`); proxies from the
 * environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
 */
export function createCliStore(args: CommandArgs, context: CommandContext = {}): ModelStore {
  if (context.store !== undefined) return context.store;
  const env = context.env ?? process.env;
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return new ModelStore({
    cacheDir: stringOption(args, 'cache-dir') ?? defaultCacheDir(env),
    packageRoot: context.packageRoot ?? findPackageRoot(__dirname),
    endpoint: env.HF_ENDPOINT || undefined,
    token,
    proxy: 'env',
    env,
    logger: context.logger ?? silentLogger,
    userAgent: 'cloze-cli',
  });
}

/**
 * Prints `error` as a user would want to read it, with what to do next, and
 * returns the exit code. Unknown errors print their stack.
 */
export function reportError(error: unknown, stderr: OutputStream): number {
  if (error instanceof DownloadError) {
    if (error.code === 'cancelled') {
      stderr.write('Cancelled. Run the same command again to resume the download.\n');
      return EXIT.cancelled;
    }
    stderr.write(`error: ${error.message}\n`);
    if (error.code === 'network' || error.code === 'proxy') {
      stderr.write('hint: models already downloaded keep working offline; list them with `cloze models`.\n');
    }
    return EXIT.failure;
  }
  if (error instanceof TypeError) {
    stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ModelError) {
    stderr.write(`error: ${error.message}\n`);
    return EXIT.failure;
  }
  stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failure;
}
