/**
 * The worker thread's life as the client sees it: posting to it, ending it
 * without aborting the process, where its entry file is, and a cheap
 * fingerprint of a model folder to tell a repaired folder from a broken one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { RequestKind, RequestMessage, ToWorker } from './protocol';

export function post<K extends RequestKind>(worker: Worker, message: ToWorker | RequestMessage<K>): void {
  worker.postMessage(message);
}

/**
 * Ends a worker. An idle one is terminated. A busy one is asked to exit after
 * the work it has (it handles messages in order), and terminated only if it
 * has not within `timeoutMs`, when it is hung anyway.
 */
export async function endWorker(worker: Worker, busy: boolean, timeoutMs: number): Promise<void> {
  if (!busy) {
    await worker.terminate();
    return;
  }
  // Keep a command-line process alive until the worker is gone.
  worker.ref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  post(worker, { type: 'exit' });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
    timer.unref();
  });
  if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  clearTimeout(timer);
}

/**
 * The names, sizes and modification times of a model folder's files (and of
 * its `onnx/` folder's): cheap to take, and different once anything in it
 * was added, removed, replaced or written.
 */
export function folderFingerprint(dir: string): string {
  const parts: string[] = [];
  for (const folder of [dir, path.join(dir, 'onnx')]) {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      parts.push(`${folder}: none`);
      continue;
    }
    for (const name of names) {
      try {
        const stat = statSync(path.join(folder, name));
        parts.push(`${name}:${stat.size}:${stat.mtimeMs}`);
      } catch {
        parts.push(`${name}: gone`);
      }
    }
  }
  return parts.join('|');
}

/**
 * The bundle ships `engine-worker.js` beside the engine (in `dist/`); when
 * the engine runs from source (tests through tsx), the worker is the `.ts` file.
 */
export function defaultWorkerScript(): string {
  const js = path.join(__dirname, 'engine-worker.js');
  return existsSync(js) ? js : path.join(__dirname, 'worker', 'engine-worker.ts');
}

/** What the platform check needs to know about this process; the defaults read it. */
export interface RuntimeHost {
  platform: NodeJS.Platform;
  arch: string;
  /** Linux with musl libc (Alpine) rather than glibc. */
  musl: boolean;
  /** onnxruntime-node's package folder, or undefined when it cannot be found. */
  runtimeDir: string | undefined;
}

/** This process's {@link RuntimeHost}. */
export function currentRuntimeHost(): RuntimeHost {
  let runtimeDir: string | undefined;
  try {
    runtimeDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    runtimeDir = undefined;
  }
  // Node's diagnostic report names the glibc it runs on; a musl build has none.
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return { platform: process.platform, arch: process.arch, musl: process.platform === 'linux' && !header?.glibcVersionRuntime, runtimeDir };
}

/**
 * Why onnxruntime-node cannot run here, in words for the user, or undefined
 * when it can: its native binding must exist for this platform and processor
 * (a platform package carries only its own), and on Linux it needs glibc.
 */
export function runtimeProblem(host: RuntimeHost = currentRuntimeHost()): string | undefined {
  const where = `${host.platform}-${host.arch}`;
  if (!host.runtimeDir) return 'ONNX Runtime (onnxruntime-node) is not installed with Cloze: reinstall the extension.';
  if (host.platform === 'linux' && host.musl) {
    return `ONNX Runtime has no build for Linux with musl libc (Alpine, ${where}): Cloze runs on glibc Linux, macOS on Apple silicon and Windows. With a remote Alpine machine, let Cloze run on your own computer (it does by default).`;
  }
  const binding = path.join(host.runtimeDir, 'bin', 'napi-v6', host.platform, host.arch, 'onnxruntime_binding.node');
  if (!existsSync(binding)) {
    const intelMac = host.platform === 'darwin' && host.arch === 'x64' ? ' (onnxruntime-node 1.30 ships no build for Intel Macs)' : '';
    return `ONNX Runtime has no build for ${where} in this installation${intelMac}: Cloze runs on linux-x64, linux-arm64, darwin-arm64, win32-x64 and win32-arm64, each from its own package.`;
  }
  return undefined;
}
