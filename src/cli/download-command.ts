/**
 * `cloze download [ID | owner/name[@revision]] [--cache-dir DIR]`: fetches a
 * model into the cache, verified and resumable, with a progress display.
 */
import type { ModelStore } from '../models/model-store';
import { formatBytes } from '../text/format-bytes';
import { type CommandArgs, type CommandContext, commandStore, EXIT, type OutputStream, stringOption, UsageError } from './command';
import { createProgressReporter, describeRetry } from './progress';

/** One-line usage, for the main help. */
export const DOWNLOAD_USAGE =
  'cloze download [ID | owner/name[@revision]] [--cache-dir DIR]   Download a model (default: the catalogue default)';

/**
 * Runs `cloze download`. Progress goes to `stderr` (a bar on a terminal, a
 * line per 10 % otherwise); the model folder is printed to `stdout`, so
 * `dir=$(cloze download)` works.
 * @param args - `positionals[0]`: the model (default: the catalogue's default);
 * `values['cache-dir']`: where to put it; `values.quiet`: no progress.
 * @returns 0 when the model is on disk. A failure is thrown (see `reportError`:
 * 1, 2 for a bad model name, 130 when cancelled by Ctrl+C; run again to resume).
 */
export async function downloadCommand(args: CommandArgs, context: CommandContext): Promise<number> {
  const { stdout, stderr } = context;
  if (args.positionals.length > 1) {
    throw new UsageError(`Expected one model, got ${args.positionals.length}: ${args.positionals.join(' ')}\nUsage: ${DOWNLOAD_USAGE}`);
  }
  let signal = context.signal;
  let removeSigint = (): void => undefined;
  if (signal === undefined) {
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    removeSigint = () => process.removeListener('SIGINT', onSigint);
    signal = controller.signal;
  }
  try {
    const store = commandStore(args, context);
    const spec = args.positionals[0] ?? (await store.catalogue()).default;
    stdout.write(`${await obtainModel(store, spec, stderr, { signal, quiet: args.values.quiet === true, sayWhenPresent: true })}\n`);
    return EXIT.ok;
  } finally {
    removeSigint();
  }
}

/**
 * The model folder a command runs on: `--model`, else `CLOZE_MODEL`, else the
 * catalogue's default, downloaded first when it is not on disk.
 */
export async function commandModel(args: CommandArgs, context: CommandContext): Promise<string> {
  const store = commandStore(args, context);
  const spec = stringOption(args, 'model') ?? context.env.CLOZE_MODEL ?? (await store.catalogue()).default;
  return obtainModel(store, spec, context.stderr, { signal: context.signal, quiet: args.values.quiet === true });
}

/**
 * The local folder of model `spec` (a catalogue id, `owner/name[@revision]` or
 * a folder), downloading and verifying what is missing, with progress on
 * `stderr` (a bar on a terminal, a line per 10 % otherwise).
 * @throws {DownloadError} when the download fails; {@link TypeError} for a bad spec.
 */
export async function obtainModel(
  store: ModelStore,
  spec: string,
  stderr: OutputStream,
  options: { signal?: AbortSignal; quiet?: boolean; sayWhenPresent?: boolean } = {},
): Promise<string> {
  const { signal } = options;
  const model = await store.resolve(spec, { signal });
  if (model.kind === 'local') {
    if (options.sayWhenPresent) stderr.write(`${model.dir} is a model folder on disk; there is nothing to download.\n`);
    return model.dir;
  }
  if (model.cached) {
    if (options.sayWhenPresent) stderr.write(`${model.id} is already downloaded.\n`);
    return model.dir;
  }
  const name = model.entry ? `${model.id} (${model.entry.displayName}, ${model.entry.licence})` : model.id;
  stderr.write(`Downloading ${name}\n  from ${store.endpoint}/${model.repo} at ${model.revision}\n  into the Hugging Face cache ${store.hubCacheDir}\n`);
  const progress = options.quiet ? undefined : createProgressReporter(stderr);
  try {
    const ready = await store.ensure(spec, {
      signal,
      onProgress: progress && ((p) => progress.update(p)),
      onRetry: (notice) => (progress ? progress.retrying(notice) : stderr.write(`${describeRetry(notice)}\n`)),
    });
    progress?.done();
    const total = ready.files.reduce((sum, f) => sum + (f.size ?? 0), 0);
    stderr.write(`Done: ${ready.files.length} files, ${formatBytes(total)}, verified.\n`);
    return ready.dir;
  } catch (error) {
    progress?.done();
    throw error;
  }
}
