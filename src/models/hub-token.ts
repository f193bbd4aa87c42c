/**
 * The Hugging Face access token, from where the Hub's own tools put it:
 * `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), else the file that
 * `hf auth login` writes (`HF_TOKEN_PATH`, else `$HF_HOME/token`). The token
 * is returned to be sent to the Hub only; it is never logged, and its source
 * is described without it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Env, hfHome } from './cache-dirs';

/** A token and where it came from, in words safe to log (`HF_TOKEN`, a file path). */
export interface HubToken {
  token: string;
  source: string;
}

/** The token file `hf auth login` writes: `HF_TOKEN_PATH`, else `$HF_HOME/token`. */
export function tokenFilePath(env: Env = process.env, home: string = os.homedir()): string {
  return env.HF_TOKEN_PATH || path.join(hfHome(env, home), 'token');
}

/**
 * Finds the token: `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, then the token file.
 * Blank values count as none; surrounding white space is removed.
 * @returns undefined when there is none (a missing or unreadable file included).
 */
export function readHubToken(env: Env = process.env, home: string = os.homedir()): HubToken | undefined {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const value = env[name]?.trim();
    if (value) return { token: value, source: name };
  }
  const file = tokenFilePath(env, home);
  try {
    const value = fs.readFileSync(file, 'utf8').trim();
    if (value) return { token: value, source: file };
  } catch {
    // No token file: anonymous access.
  }
  return undefined;
}
