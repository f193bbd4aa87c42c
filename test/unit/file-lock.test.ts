import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { acquireFileLock } from '../../src/models/file-lock';

const CHILD = path.join(__dirname, '..', 'helpers', 'lock-child.ts');

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

function runChild(args: string[]): { ready: Promise<string> } {
  const ready = new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--require', 'tsx/cjs', CHILD, ...args], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
  return { ready };
}

describe('acquireFileLock under a race', () => {
  it('several processes racing for an abandoned lock: one at a time holds it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-lock-race-'));
    try {
      const lockPath = path.join(dir, 'file.lock');
      const goFile = path.join(dir, 'go');
      const marker = path.join(dir, 'holder');
      fs.writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), createdAt: 0, token: 'gone' }));
      const children = Array.from({ length: 6 }, () => runChild([lockPath, goFile, marker, '40']));
      // Let every child start and poll for the go file, then release them together.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      fs.writeFileSync(goFile, '');
      const results = await Promise.all(children.map((c) => c.ready));
      assert.deepEqual(results, Array(6).fill('held'));
      assert.equal(fs.existsSync(lockPath), false, 'the last holder released it');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['go'], 'no renamed lock files left behind');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in one process: concurrent takeovers of an abandoned lock never hold it together', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-lock-race-'));
    try {
      const lockPath = path.join(dir, 'file.lock');
      for (let round = 0; round < 20; round++) {
        fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, hostname: 'another-host', createdAt: 0, token: `old-${round}` }));
        const old = new Date(Date.now() - 60_000);
        fs.utimesSync(lockPath, old, old);
        let holders = 0;
        let most = 0;
        await Promise.all(
          Array.from({ length: 5 }, async () => {
            const lock = await acquireFileLock(lockPath, { staleMs: 10_000, pollMs: 1 });
            holders += 1;
            most = Math.max(most, holders);
            await new Promise((resolve) => setTimeout(resolve, 2));
            holders -= 1;
            await lock.release();
          }),
        );
        assert.equal(most, 1, `round ${round}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a takeover guard left by a waiter that died mid-takeover is cleared, and the abandoned lock is taken', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-lock-guard-'));
    try {
      const lockPath = path.join(dir, 'file.lock');
      fs.writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), createdAt: 0, token: 'gone' }));
      fs.writeFileSync(`${lockPath}.takeover`, '12345');
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(`${lockPath}.takeover`, old, old);
      const lock = await acquireFileLock(lockPath, { pollMs: 1 });
      assert.equal(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid, process.pid);
      await lock.release();
      assert.deepEqual(fs.readdirSync(dir), [], 'neither the lock nor the guard is left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
