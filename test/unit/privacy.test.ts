// Privacy, observed from outside: the engine and the CLI run in child
// processes whose every outgoing network attempt is recorded (a preload
// patches Node's net, tls, dns and dgram in the child and its worker threads;
// strace, where installed, also sees native code), and whose HOME and TMPDIR
// are fresh folders, so that anything onnxruntime's telemetry writes shows.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { layOutHubCache } from '../helpers/hf-cache';
import { hubFilesOf, startHubServer, type HubServer } from '../helpers/hub-server';
import type { NetworkRecord } from '../helpers/network-recorder';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const TINY = path.join(ROOT, 'test/fixtures/models/tiny-planted');
const RECORDER = path.join(ROOT, 'test/helpers/network-recorder.ts');
const ENGINE_CHILD = path.join(ROOT, 'test/helpers/engine-fill-child.ts');
const SENTENCE = 'the cat drinks [MASK] .';

interface Run {
  code: number;
  pid: number;
  stdout: string;
  stderr: string;
  network: NetworkRecord[];
}

/** A fresh HOME and TMPDIR for one child. */
function sandbox(t: { after: (fn: () => void) => void }): { home: string; tmp: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-privacy-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const home = path.join(root, 'home');
  const tmp = path.join(root, 'tmp');
  fs.mkdirSync(home);
  fs.mkdirSync(tmp);
  return { home, tmp };
}

/**
 * Runs `node --require tsx/cjs --require network-recorder <args>` with only the
 * environment given (ORT_DISABLE_TELEMETRY is not passed on: the engine must
 * set it itself), and returns what it printed and attempted.
 */
function runWatched(args: string[], env: Record<string, string>, prefix: string[] = []): Promise<Run> {
  const log = path.join(env.TMPDIR ?? os.tmpdir(), `network-${process.hrtime.bigint()}.jsonl`);
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', ...env, CLOZE_NETWORK_LOG: log };
  const node = [process.execPath, '--require', 'tsx/cjs', '--require', RECORDER, ...args];
  const [file, ...argv] = [...prefix, ...node];
  return new Promise((resolve) => {
    const child = execFile(file, argv, { cwd: ROOT, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      const network = fs.existsSync(log)
        ? fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as NetworkRecord)
        : [];
      fs.rmSync(log, { force: true });
      resolve({ code: error ? Number(error.code ?? 1) : 0, pid: child.pid ?? -1, stdout, stderr, network });
    });
  });
}

const attempts = (run: Run) => run.network.filter((r) => r.kind !== 'loaded');
const threadsWatched = (run: Run) => new Set(run.network.filter((r) => r.kind === 'loaded').map((r) => r.thread)).size;

/** What onnxruntime writes with its telemetry on (runtime-facts.md): a debug log in TMPDIR and a database under ~/.cache. */
function telemetryTraces(home: string, tmp: string, pid: number): string[] {
  const found: string[] = [];
  if (fs.existsSync(path.join(home, '.cache/Microsoft'))) found.push(path.join(home, '.cache/Microsoft'));
  for (const dir of [tmp, '/tmp']) {
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (name === `mat-debug-${pid}.log` || (dir === tmp && (name.startsWith('mat-debug-') || name === '.ses'))) found.push(path.join(dir, name));
    }
  }
  return found;
}

describe('privacy: no network with a local model, nothing written by telemetry', () => {
  test('the recorder sees a connection and a lookup when there is one (the harness works)', async (t) => {
    const { home, tmp } = sandbox(t);
    const script = "require('node:dns').lookup('example.invalid', () => fetch('http://127.0.0.1:65000/').catch(() => undefined));";
    const run = await runWatched(['-e', script], { HOME: home, TMPDIR: tmp });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(attempts(run).some((r) => r.kind === 'lookup' && r.host === 'example.invalid'), JSON.stringify(run.network));
    assert.ok(attempts(run).some((r) => r.kind === 'connect' && r.host === '127.0.0.1' && r.port === 65000), JSON.stringify(run.network));
  });

  test('the engine on a local model folder attempts no connection at all, in the main thread or the worker, and leaves no telemetry', async (t) => {
    const { home, tmp } = sandbox(t);
    const run = await runWatched([ENGINE_CHILD, TINY, SENTENCE, path.join(tmp, 'graphs')], { HOME: home, TMPDIR: tmp });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'milk');
    assert.ok(threadsWatched(run) >= 2, `watched ${threadsWatched(run)} thread(s): the worker was not`);
    assert.deepEqual(attempts(run), []);
    assert.deepEqual(telemetryTraces(home, tmp, run.pid), []);
  });

  test('`cloze fill --model DIR` attempts no connection at all and leaves no telemetry', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, async (t) => {
    const { home, tmp } = sandbox(t);
    const run = await runWatched([CLI, 'fill', SENTENCE, '--model', TINY, '--json'], { HOME: home, TMPDIR: tmp });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout)[0].token_str, 'milk');
    assert.ok(threadsWatched(run) >= 2);
    assert.deepEqual(attempts(run), []);
    assert.deepEqual(telemetryTraces(home, tmp, run.pid), []);
  });

  test('`cloze fill --model bert-base-uncased` with the model already in the Hugging Face cache (laid out as huggingface_hub does) attempts no connection at all', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, async (t) => {
    const { home, tmp } = sandbox(t);
    const hubDir = path.join(tmp, 'hf-hub');
    const entry = JSON.parse(fs.readFileSync(path.join(ROOT, 'models/catalogue.json'), 'utf8')).models.find((m: { id: string }) => m.id === 'bert-base-uncased');
    // The tiny model in the catalogue model's place; small files padded (JSON allows trailing spaces) to the sizes the catalogue checks.
    const files: Record<string, Buffer> = {};
    for (const file of entry.files as Array<{ path: string; name: string; size?: number }>) {
      const data = fs.readFileSync(path.join(TINY, file.name));
      files[file.path] = file.size === undefined ? data : Buffer.concat([data, Buffer.alloc(file.size - data.length, 0x20)]);
    }
    layOutHubCache(hubDir, entry.repo, files, { commit: entry.revision });
    const run = await runWatched([CLI, 'fill', SENTENCE, '--model', 'bert-base-uncased', '--json'], { HOME: home, TMPDIR: tmp, HF_HUB_CACHE: hubDir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout)[0].token_str, 'milk');
    assert.ok(threadsWatched(run) >= 2);
    assert.deepEqual(attempts(run), []);
  });

  const strace = spawnSync('strace', ['-f', '-qq', '-e', 'trace=socket,connect', '-o', '/dev/null', 'true']);
  test('strace: not even native code opens an internet socket (engine on a local folder)', { skip: strace.status !== 0 && 'strace is not available here' }, async (t) => {
    const { home, tmp } = sandbox(t);
    const trace = path.join(tmp, 'strace.txt');
    const run = await runWatched([ENGINE_CHILD, TINY, SENTENCE, path.join(tmp, 'graphs')], { HOME: home, TMPDIR: tmp }, ['strace', '-f', '-qq', '-e', 'trace=socket,connect', '-o', trace]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'milk');
    const calls = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /AF_INET6?\b/.test(l));
    assert.deepEqual(calls, []);
  });

  test('with onnxruntime\'s telemetry left on, the same checks do find its files (the check works)', async (t) => {
    const { home, tmp } = sandbox(t);
    const script = "require('onnxruntime-node').InferenceSession.create(process.argv[1]).then(() => undefined)";
    const run = await runWatched(['-e', script, path.join(TINY, 'model.onnx')], { HOME: home, TMPDIR: tmp });
    assert.equal(run.code, 0, run.stderr);
    const traces = telemetryTraces(home, tmp, run.pid);
    assert.ok(traces.some((f) => f.endsWith(`mat-debug-${run.pid}.log`)), JSON.stringify(traces));
    assert.ok(traces.includes(path.join(home, '.cache/Microsoft')), JSON.stringify(traces));
  });
});

describe('privacy: a Hub model is fetched from the configured endpoint only', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, () => {
  let hub: HubServer;
  let commit: string;
  before(async () => {
    hub = await startHubServer();
    commit = hub.addRepo('test-org/tiny-planted', hubFilesOf(TINY));
  });
  after(() => hub.close());

  test('`cloze fill --model owner/name`: connections go to the endpoint (and the CDN it redirects to), never the text', async (t) => {
    const { home, tmp } = sandbox(t);
    const cache = path.join(tmp, 'cache');
    const run = await runWatched([CLI, 'fill', SENTENCE, '--model', `test-org/tiny-planted@${commit}`, '--json'], {
      HOME: home,
      TMPDIR: tmp,
      HF_ENDPOINT: hub.url,
      CLOZE_CACHE_DIR: cache,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout)[0].token_str, 'milk');
    const allowed = new Set([new URL(hub.url).port, new URL(hub.cdnUrl).port].map(Number));
    const made = attempts(run);
    assert.ok(made.length > 0, 'no connection recorded: the download was not watched');
    for (const attempt of made) {
      assert.equal(attempt.kind, 'connect', JSON.stringify(attempt));
      assert.equal(attempt.host, '127.0.0.1', JSON.stringify(attempt));
      assert.ok(allowed.has(attempt.port as number), JSON.stringify(attempt));
    }
    // What the Hub saw: file requests only; the sentence is in no URL or header.
    assert.ok(hub.requests.length > 0);
    for (const request of hub.requests) {
      assert.match(request.url, request.server === 'hub' ? /^\/test-org\/tiny-planted\/resolve\// : /^\/cdn\/[0-9a-f]{64}\?/, request.url);
      assert.doesNotMatch(JSON.stringify(request), /drinks/);
    }
    // Cached now: a second run makes no connection at all.
    const offline = await runWatched([CLI, 'fill', SENTENCE, '--model', `test-org/tiny-planted@${commit}`, '--json'], {
      HOME: home,
      TMPDIR: tmp,
      HF_ENDPOINT: hub.url,
      CLOZE_CACHE_DIR: cache,
    });
    assert.equal(offline.code, 0, offline.stderr);
    assert.deepEqual(attempts(offline), []);
    assert.deepEqual(telemetryTraces(home, tmp, run.pid), []);
  });
});
