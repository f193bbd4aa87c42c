/**
 * Where things are kept on disk, by one rule for the command line and the
 * editor:
 * - Models: the Hugging Face Hub cache, shared with `huggingface_hub`
 *   (Python) and transformers.js: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
 *   `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub` (on
 *   every platform, as `huggingface_hub` does).
 * - Cloze's own files (the rewritten graphs, the model folders it links
 *   together, the record of what it downloaded): `CLOZE_CACHE_DIR`, else the
 *   platform's cache folder plus `cloze`.
 * A folder the user names (`cloze.cacheDir`, `CLOZE_CACHE_DIR`,
 * `--cache-dir`) holds both: Cloze's files at the top, models in `hub/`.
 */
import * as os from 'node:os';
import * as path from 'node:path';

/** Environment variables, as `process.env` holds them. */
export type Env = Record<string, string | undefined>;

/** Where models and Cloze's own files live. */
export interface CacheDirs {
  /** The Hub cache (`models--<owner>--<name>/{blobs,snapshots,refs}`). */
  hub: string;
  /** Cloze's own cache folder. */
  cloze: string;
}

/**
 * Cloze's own cache folder: `CLOZE_CACHE_DIR` if set; else
 * `%LOCALAPPDATA%\cloze\Cache` on Windows, `~/Library/Caches/cloze` on macOS,
 * and `$XDG_CACHE_HOME/cloze` or `~/.cache/cloze` elsewhere.
 */
export function defaultCacheDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (env.CLOZE_CACHE_DIR) return env.CLOZE_CACHE_DIR;
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'cloze', 'Cache');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'cloze');
  return path.posix.join(xdgCacheHome(env, home), 'cloze');
}

/** `$XDG_CACHE_HOME` when absolute (the XDG spec says to ignore a relative one), else `~/.cache`. */
function xdgCacheHome(env: Env, home: string): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache');
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`: where `huggingface_hub` keeps its files. */
export function hfHome(env: Env = process.env, home: string = os.homedir()): string {
  return env.HF_HOME || path.join(xdgCacheHome(env, home), 'huggingface');
}

/** The Hub cache `huggingface_hub` uses: `$HF_HUB_CACHE`, else `$HF_HOME/hub` (see {@link hfHome}). */
export function hubCacheDir(env: Env = process.env, home: string = os.homedir()): string {
  return env.HF_HUB_CACHE || path.join(hfHome(env, home), 'hub');
}

/**
 * Both folders. `override` (`cloze.cacheDir`, `--cache-dir`), else
 * `CLOZE_CACHE_DIR`, puts both in one place the user chose: Cloze's files
 * there, models in its `hub/`. Otherwise models go to the shared Hub cache.
 */
export function cacheDirs(options: { env?: Env; override?: string; platform?: NodeJS.Platform; home?: string } = {}): CacheDirs {
  const env = options.env ?? process.env;
  const home = options.home ?? os.homedir();
  const chosen = options.override || env.CLOZE_CACHE_DIR;
  if (chosen) return { cloze: chosen, hub: path.join(chosen, 'hub') };
  return { cloze: defaultCacheDir(env, options.platform, home), hub: hubCacheDir(env, home) };
}

/** Where the engine keeps rewritten graphs: `graphs/` in Cloze's cache. */
export function graphCacheDir(clozeCacheDir: string): string {
  return path.join(clozeCacheDir, 'graphs');
}

/** True when `HF_HUB_OFFLINE` asks for no network at all (`1`, `true`, `yes`, `on`). */
export function isOfflineEnv(env: Env = process.env): boolean {
  return /^(1|true|yes|on)$/i.test((env.HF_HUB_OFFLINE ?? '').trim());
}
