/**
 * `cloze download [ID | owner/name[@revision]] [--cache-dir DIR]`: fetches a
 * model into the cache, verified and resumable, with a progress display.
 */
import { type CommandArgs, type CommandContext, createCliStore, EXIT, reportError } from './command-support';
import { createProgressReporter, formatBytes, type OutputStream } from './progress';

/** One-line usage, for the main help. */
export const DOWNLOAD_USAGE =
  'cloze download [ID | owner/name[@revision]] [--cache-dir DIR]   Download a model (default: the catalogue default)';

/**
 * Runs `cloze download`. Progress goes to `stderr` (a bar on a terminal, a
 * line per 10 % otherwise); the model folder is printed to `stdout`, so
 * `dir=$(cloze download)` works.
 * @param args - `positionals[0]`: the model (default: the catalogue's default);
 * `values['cache-dir']`: where to put it; `values.quiet`: no progress.
 * @returns 0 when the model is on disk, 1 on failure, 2 for a bad model name,
 * 130 when cancelled (Ctrl+C; run again to resume).
 */
export async function downloadCommand(
  args: CommandArgs,
  stdout: OutputStream,
  stderr: OutputStream,
  context: CommandContext = {},
): Promise<number> {
  if (args.positionals.length > 1) {
    stderr.write(`error: expected one model, got ${args.positionals.length}: ${args.positionals.join(' ')}\nusage: ${DOWNLOAD_USAGE}\n`);
    return EXIT.usage;
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
  const progress = args.values.quiet === true ? undefined : createProgressReporter(stderr);
  try {
    const store = createCliStore(args, context);
    const spec = args.positionals[0] ?? (await store.catalogue()).default;
    const model = await store.resolve(spec, { signal });
    if (model.kind === 'local') {
      stderr.write(`${model.dir} is a model folder on disk; there is nothing to download.\n`);
      stdout.write(`${model.dir}\n`);
      return EXIT.ok;
    }
    if (model.cached) {
      stderr.write(`${model.id} is already downloaded.\n`);
      stdout.write(`${model.dir}\n`);
      return EXIT.ok;
    }
    const name = model.entry ? `${model.id} (${model.entry.displayName}, ${model.entry.licence})` : model.id;
    stderr.write(`Downloading ${name}\n  from ${store.endpoint}/${model.repo} at ${model.revision}\n  into ${model.dir}\n`);
    const ready = await store.ensure(spec, { signal, onProgress: progress && ((p) => progress.update(p)) });
    progress?.done();
    const total = ready.files.reduce((sum, f) => sum + (f.size ?? 0), 0);
    stderr.write(`Done: ${ready.files.length} files, ${formatBytes(total)}, verified.\n`);
    stdout.write(`${ready.dir}\n`);
    return EXIT.ok;
  } catch (error) {
    progress?.done();
    return reportError(error, stderr);
  } finally {
    removeSigint();
  }
}
