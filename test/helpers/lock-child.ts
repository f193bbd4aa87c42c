/**
 * A process that races for a lock (test/unit/file-lock.test.ts): waits for
 * the go file, takes the lock, and while holding it keeps a marker file that
 * only one holder at a time may create. Prints `held` or `overlap`.
 * Usage: node --require tsx/cjs lock-child.ts LOCK GO MARKER HOLD_MS
 */
import * as fs from 'node:fs';
import { acquireFileLock } from '../../src/models/file-lock';

const [lockPath, goFile, marker, holdMs] = process.argv.slice(2);

async function main(): Promise<void> {
  while (!fs.existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 2));
  const lock = await acquireFileLock(lockPath, { pollMs: 5 });
  let result = 'held';
  try {
    fs.writeFileSync(marker, String(process.pid), { flag: 'wx' });
  } catch {
    result = 'overlap';
  }
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  if (result === 'held') fs.rmSync(marker);
  await lock.release();
  process.stdout.write(result);
}

void main();
