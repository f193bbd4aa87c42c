import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { currentRuntimeHost, runtimeProblem, type RuntimeHost } from '../../src/engine/worker-thread';

/** A fake onnxruntime-node folder with native bindings for `builds` (`platform/arch`). */
function runtimeWith(builds: string[], t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-ort-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const build of builds) {
    fs.mkdirSync(path.join(dir, 'bin/napi-v6', build), { recursive: true });
    fs.writeFileSync(path.join(dir, 'bin/napi-v6', build, 'onnxruntime_binding.node'), '');
  }
  return dir;
}

describe('whether ONNX Runtime can run here', () => {
  test('this machine can (the tests run on it)', () => {
    assert.equal(runtimeProblem(), undefined);
    assert.equal(currentRuntimeHost().musl, false);
  });

  test('an Intel Mac is told that onnxruntime-node ships no build for it', (t) => {
    const host: RuntimeHost = { platform: 'darwin', arch: 'x64', musl: false, runtimeDir: runtimeWith(['darwin/arm64', 'linux/x64'], t) };
    assert.match(runtimeProblem(host) ?? '', /no build for darwin-x64 .*Intel Macs/);
  });

  test('Alpine (musl) is told, even where a linux-x64 binding is present', (t) => {
    const host: RuntimeHost = { platform: 'linux', arch: 'x64', musl: true, runtimeDir: runtimeWith(['linux/x64'], t) };
    assert.match(runtimeProblem(host) ?? '', /musl libc \(Alpine, linux-x64\)/);
  });

  test('a platform package on another processor is told which builds exist', (t) => {
    const host: RuntimeHost = { platform: 'linux', arch: 'arm64', musl: false, runtimeDir: runtimeWith(['linux/x64'], t) };
    assert.match(runtimeProblem(host) ?? '', /no build for linux-arm64 in this installation/);
    assert.equal(runtimeProblem({ ...host, arch: 'x64' }), undefined);
  });

  test('a missing runtime asks for a reinstall', () => {
    assert.match(runtimeProblem({ platform: 'linux', arch: 'x64', musl: false, runtimeDir: undefined }) ?? '', /reinstall/);
  });
});
