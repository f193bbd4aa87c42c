/**
 * A lock file that keeps two processes (two VS Code windows, an editor and the
 * CLI) from downloading the same file at the same time. It is advisory: only
 * code that takes the lock respects it.
 */
import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import type { Logger } from '../engine';
import { silentLogger } from '../engine';
import { sleep } from './retry';

/** What a lock file holds, as JSON. */
export interface LockInfo {
  pid: number;
  hostname: string;
  /** When the lock was taken, ms since the epoch. */
  createdAt: number;
  /** Identifies this holder, so that release never deletes someone else's lock. */
  token: string;
}

/** A held lock. */
export interface FileLock {
  /** The lock file. */
  readonly path: string;
  /** True when another holder had the lock first and this one waited for it to go. */
  readonly waited: boolean;
  /** Deletes the lock file if it is still this holder's. Safe to call twice. */
  release(): Promise<void>;
}

/** Options for {@link acquireFileLock}. */
export interface FileLockOptions {
  /**
   * A lock whose file was not touched for this long is taken to be abandoned.
   * Holders touch their file every `staleMs / 4`, so a slow download is never
   * mistaken for a dead one.
   * @default 120000
   */
  staleMs?: number;
  /**
   * How often to look again while waiting, in ms.
   * @default 250
   */
  pollMs?: number;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  logger?: Logger;
}

/** True when a process with this id exists on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(lockPath: string): Promise<{ info: LockInfo | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fsp.readFile(lockPath, 'utf8'), fsp.stat(lockPath)]);
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(text) as LockInfo;
    } catch {
      // Written but not yet filled, or damaged: judged by its age alone.
    }
    return { info, mtimeMs: stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The same lock file as when it was judged abandoned: same holder, untouched since. */
function sameLock(a: { info: LockInfo | undefined; mtimeMs: number }, b: { info: LockInfo | undefined; mtimeMs: number }): boolean {
  return a.mtimeMs === b.mtimeMs && a.info?.token === b.info?.token;
}

/** A takeover guard older than this was left by a waiter that died while taking over; it is cleared. */
const GUARD_STALE_MS = 10_000;

/**
 * Removes a lock judged abandoned, such that of several waiters that judged
 * it so at once, only one removes it, and never a fresh lock that another
 * waiter made meanwhile. "Check, then delete" let two waiters both delete:
 * the second deleted the first one's new lock, and both went ahead. Renaming
 * the lock away first was no better: a waiter that judged late renamed the
 * winner's fresh lock, and a third waiter then made its own.
 *
 * So a takeover needs a guard: the waiter that creates `<lock>.takeover`
 * (exclusively) looks again, and removes the lock only if it is still the
 * one it judged abandoned. Nobody else removes someone else's lock, and a
 * fresh lock can only be made once the abandoned one is gone.
 * @returns true when this caller removed the lock; false when another one did or will.
 */
async function removeStaleLock(lockPath: string, judged: { info: LockInfo | undefined; mtimeMs: number }): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  try {
    await fsp.writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const stat = await fsp.stat(guard).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > GUARD_STALE_MS) await fsp.rm(guard, { force: true });
    return false;
  }
  try {
    const now = await readLock(lockPath);
    if (now === undefined || !sameLock(now, judged)) return false;
    await fsp.rm(lockPath, { force: true });
    return true;
  } finally {
    await fsp.rm(guard, { force: true });
  }
}

/**
 * Takes the lock at `lockPath` (created with `O_EXCL`, holding pid, host name
 * and time), waiting while another live holder has it. A lock is taken over
 * when its holder's process is gone (same host) or its file has not been
 * touched for `staleMs`.
 * @throws the signal's reason when `signal` aborts while waiting; file system
 * errors other than "exists".
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<FileLock> {
  const staleMs = options.staleMs ?? 120_000;
  const pollMs = options.pollMs ?? 250;
  const logger = options.logger ?? silentLogger;
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), createdAt: Date.now(), token: randomUUID() };
  let waited = false;
  let announced = false;

  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      await fsp.writeFile(lockPath, JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(lockPath);
    if (holder === undefined) continue;
    const age = Date.now() - holder.mtimeMs;
    const deadHolder =
      holder.info !== undefined && holder.info.hostname === info.hostname && !isProcessAlive(holder.info.pid);
    if (deadHolder || age > staleMs) {
      if (await removeStaleLock(lockPath, holder)) {
        logger.warn(`Took over an abandoned lock ${lockPath} (${deadHolder ? `process ${holder.info?.pid} is gone` : `untouched for ${Math.round(age / 1000)} s`})`);
        continue;
      }
      // Another waiter is taking it over: wait for the lock it will hold.
      waited = true;
      await sleep(Math.min(pollMs, 50), options.signal);
      continue;
    }
    if (!announced) {
      logger.info(`Waiting for process ${holder.info?.pid ?? '?'} that is downloading the same file (${lockPath})`);
      announced = true;
    }
    waited = true;
    await sleep(pollMs, options.signal);
  }

  // Touch the file now and then so that waiters can tell a slow holder from a dead one.
  const heartbeat = setInterval(() => {
    const now = new Date();
    fsp.utimes(lockPath, now, now).catch(() => undefined);
  }, Math.max(10, Math.floor(staleMs / 4)));
  heartbeat.unref();

  let released = false;
  return {
    path: lockPath,
    waited,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      const current = await readLock(lockPath).catch(() => undefined);
      if (current?.info?.token === info.token) await fsp.rm(lockPath, { force: true });
    },
  };
}
