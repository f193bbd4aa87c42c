/**
 * The parent's side of a bench child (bench-child.ts): forks it with an
 * implementation and model, then sends it commands one at a time. Used by
 * `npm run bench` and by ab-workers.ts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import type { ChildCommand, ChildOptions } from './bench-child';

const ROOT = path.resolve(__dirname, '../..');
const CHILD_SCRIPT = path.join(__dirname, 'bench-child.ts');

/** A child process answering {@link ChildCommand}s, one at a time. */
export class BenchChild {
  private readonly process: ChildProcess;
  private stderr = '';
  private pending: { resolve(value: unknown): void; reject(error: Error): void } | undefined;
  readonly ready: Promise<unknown>;

  constructor(readonly options: ChildOptions) {
    this.process = fork(CHILD_SCRIPT, [JSON.stringify(options)], {
      cwd: ROOT,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.process.on('message', (message: { ok: boolean; reply?: unknown; error?: string }) => {
      const pending = this.pending;
      this.pending = undefined;
      if (message.ok) pending?.resolve(message.reply);
      else pending?.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.process.on('exit', (code) => {
      this.pending?.reject(new Error(`${this.name} exited with code ${code}:\n${this.stderr}`));
      this.pending = undefined;
    });
    this.ready = new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  get name(): string {
    const { impl, precision, headAtMask } = this.options;
    return `${impl}${impl === 'cloze' && !headAtMask ? ' (stock graph)' : ''} ${precision}`;
  }

  send<T>(command: ChildCommand): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (value: unknown) => void, reject };
      this.process.send(command);
    });
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}
