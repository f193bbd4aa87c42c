/**
 * Download progress for the command line: a bar redrawn in place with `\r` on
 * a terminal, plain lines (one per 10 %) when the output is a file or a pipe.
 */
import { formatBytes } from '../text/format-bytes';
import type { ModelProgress } from '../models/model-store';
import type { RetryNotice } from '../models/retry';
import type { OutputStream } from './command';

/** Receives progress events and draws them. */
export interface ProgressReporter {
  update(progress: ModelProgress): void;
  /** Says that a transfer failed for a reason that heals by itself and is about to be tried again. */
  retrying(notice: RetryNotice & { file: string }): void;
  /** Ends the current line. Call once after the last update (also after a failure). */
  done(): void;
}

/** Bytes per second as `12.3 MB/s`. */
export function formatSpeed(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

/** `config.json: the connection broke; trying again in 2 s (attempt 2 of 5), resuming where it stopped`. */
export function describeRetry(notice: RetryNotice & { file: string }): string {
  const wait = notice.delayMs < 1000 ? `${notice.delayMs} ms` : `${Math.round(notice.delayMs / 1000)} s`;
  return `${notice.file}: ${notice.reason}; trying again in ${wait} (attempt ${notice.attempt} of ${notice.attempts}), resuming where it stopped`;
}

function describe(p: ModelProgress): string {
  const size = p.total === undefined ? formatBytes(p.bytes) : `${formatBytes(p.bytes)} / ${formatBytes(p.total)}`;
  return `${size}, ${formatSpeed(p.bytesPerSecond)}`;
}

/**
 * Creates the reporter that suits `stream`.
 * @param options.tty - Overrides `stream.isTTY` (tests; `--no-progress`-style flags).
 */
export function createProgressReporter(stream: OutputStream, options: { tty?: boolean } = {}): ProgressReporter {
  return (options.tty ?? stream.isTTY === true) ? barReporter(stream) : lineReporter(stream);
}

function barReporter(stream: OutputStream): ProgressReporter {
  let currentFile: string | undefined;
  let lastWidth = 0;
  let lastDraw = 0;
  const draw = (p: ModelProgress, force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const columns = Math.max(40, stream.columns ?? 80);
    const label = `[${p.fileIndex + 1}/${p.fileCount}] ${p.file}`;
    const tail = p.total === undefined ? describe(p) : `${Math.floor((100 * p.bytes) / Math.max(p.total, 1))
      .toString()
      .padStart(3)}%  ${describe(p)}`;
    const barWidth = Math.max(10, Math.min(30, columns - label.length - tail.length - 6));
    const filled = p.total === undefined || p.total === 0 ? 0 : Math.min(barWidth, Math.round((barWidth * p.bytes) / p.total));
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${tail}`.slice(0, columns - 1);
    // Pad over what the previous, longer line left behind.
    stream.write(`\r${line.padEnd(lastWidth)}`);
    lastWidth = line.length;
  };
  return {
    update(p) {
      if (currentFile !== undefined && currentFile !== p.file) stream.write('\n');
      const fresh = currentFile !== p.file;
      currentFile = p.file;
      draw(p, fresh || p.bytes === p.total);
    },
    retrying(notice) {
      stream.write(`${currentFile === undefined ? '' : '\n'}${describeRetry(notice)}\n`);
      // The next update draws a fresh bar.
      currentFile = undefined;
      lastWidth = 0;
    },
    done() {
      if (currentFile !== undefined) stream.write('\n');
      currentFile = undefined;
      lastWidth = 0;
    },
  };
}

function lineReporter(stream: OutputStream): ProgressReporter {
  let currentFile: string | undefined;
  let nextStep = 0;
  let finished = false;
  return {
    update(p) {
      if (p.file !== currentFile) {
        currentFile = p.file;
        // A resumed file starts at the 10 % step it had reached.
        nextStep = p.total ? Math.floor((10 * p.bytes) / p.total) + 1 : 1;
        finished = false;
        const resumed = p.resumedFrom > 0 ? `, resuming at ${formatBytes(p.resumedFrom)}` : '';
        stream.write(`[${p.fileIndex + 1}/${p.fileCount}] ${p.file}${p.total === undefined ? '' : ` (${formatBytes(p.total)}${resumed})`}\n`);
      }
      if (finished) return;
      if (p.total === undefined || p.total === 0) {
        // Unknown size: a line every 10 MB.
        if (p.bytes >= nextStep * 10e6) {
          stream.write(`  ${describe(p)}\n`);
          nextStep = Math.floor(p.bytes / 10e6) + 1;
        }
        return;
      }
      const step = Math.floor((10 * p.bytes) / p.total);
      // Small files finish at once: one line, not ten.
      if (p.bytes === p.total || (p.total >= 1e6 && step >= nextStep)) {
        stream.write(`  ${Math.min(100, step * 10)}% (${describe(p)})\n`);
        nextStep = step + 1;
        finished = p.bytes === p.total;
      }
    },
    retrying(notice) {
      stream.write(`  ${describeRetry(notice)}\n`);
    },
    done() {
      currentFile = undefined;
    },
  };
}
