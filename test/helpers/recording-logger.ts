import { inspect } from 'node:util';
import type { Logger } from '../../src/engine/types';

/** A Logger that keeps every line, for asserting what was (and was not) logged. */
export interface RecordingLogger extends Logger {
  lines: string[];
  /** Everything logged, as one string. */
  text(): string;
}

/** Creates a {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string | Error, ...args: unknown[]): void => {
      lines.push([level, String(message), ...args.map((a) => inspect(a, { depth: 5 }))].join(' '));
    };
  return {
    lines,
    text: () => lines.join('\n'),
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}
