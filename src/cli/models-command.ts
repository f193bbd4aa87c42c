/**
 * `cloze models [--json] [--cache-dir DIR]`: the catalogue models (size,
 * licence, whether they are downloaded) and any other models in the cache.
 */
import type { ModelListing } from '../models/model-store';
import { formatBytes } from '../text/format-bytes';
import { columns } from './columns';
import { type CommandArgs, type CommandContext, commandStore, EXIT, UsageError } from './command';

/** One-line usage, for the main help. */
export const MODELS_USAGE = 'cloze models [--json] [--cache-dir DIR]   List known and downloaded models';

/** Size of a catalogue model: exact when downloaded, else the catalogue's (approximate) figures. */
function catalogueSize(item: ModelListing['catalogue'][number]): string {
  if (item.cached) return formatBytes(item.sizeOnDisk);
  const bytes = item.entry.files.reduce((sum, f) => sum + (f.size ?? f.approxSize ?? 0), 0);
  return bytes === 0 ? '?' : `~${formatBytes(bytes)}`;
}

/** `yes` (Cloze downloaded it), `found` (another tool did), `partly`, or `no`. */
function downloadState(item: ModelListing['catalogue'][number]): string {
  if (!item.cached) return item.sizeOnDisk > 0 ? 'partly' : 'no';
  return item.downloadedBytes > 0 || item.location === 'legacy' ? 'yes' : 'found (Hugging Face cache)';
}

/**
 * Runs `cloze models`.
 * @param args - `values.json`: print JSON instead of a table; `values['cache-dir']`: the cache to look in.
 * @returns the exit code: 0 (errors, such as a catalogue that cannot be read, are thrown).
 */
export async function modelsCommand(args: CommandArgs, context: CommandContext): Promise<number> {
  const { stdout } = context;
  if (args.positionals.length > 0) throw new UsageError(`\`cloze models\` takes no arguments, got \`${args.positionals.join(' ')}\``);
  const store = commandStore(args, context);
  const [listing, catalogue] = await Promise.all([store.list(), store.catalogue()]);
  if (args.values.json === true) {
    stdout.write(`${JSON.stringify({ cacheDir: store.cacheDir, hubCacheDir: store.hubCacheDir, offline: store.offline, default: catalogue.default, ...listing }, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [['ID', 'NAME', 'SIZE', 'LICENCE', 'DOWNLOADED']];
  for (const item of listing.catalogue) {
    const id = item.entry.id === catalogue.default ? `${item.entry.id} (default)` : item.entry.id;
    rows.push([id, item.entry.displayName, catalogueSize(item), item.entry.licence, downloadState(item)]);
  }
  stdout.write(columns(rows));
  if (listing.others.length > 0) {
    stdout.write('\nOther models in the cache:\n');
    const other = [['MODEL', 'SIZE', 'STATE']];
    for (const item of listing.others) {
      const state = !item.complete ? 'incomplete (run `cloze download` again to resume)' : item.location === 'legacy' ? 'complete (an earlier version\'s folder)' : 'complete';
      other.push([item.id, formatBytes(item.sizeOnDisk), state]);
    }
    stdout.write(columns(other));
  }
  stdout.write(`\nModels: ${store.hubCacheDir} (the Hugging Face cache, shared with Python and transformers.js)\n`);
  stdout.write(`Cache: ${store.cacheDir} (Cloze's own files)\n`);
  if (store.offline) stdout.write('Offline (HF_HUB_OFFLINE): nothing will be downloaded.\n');
  stdout.write('Download one with `cloze download ID`, or any Hub model with `cloze download owner/name[@revision]`.\n');
  return EXIT.ok;
}
