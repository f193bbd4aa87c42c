import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { CommandArgs, CommandContext } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { createProgressReporter } from '../../src/cli/progress';
import { silentLogger } from '../../src/engine/types';
import { formatBytes } from '../../src/text/format-bytes';
import type { Catalogue } from '../../src/models/model-catalogue';
import { ModelStore } from '../../src/models/model-store';
import type { ModelProgress } from '../../src/models/model-store';
import { layOutHubCache } from '../helpers/hf-cache';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { recordingLogger } from '../helpers/recording-logger';

const MODEL = randomBytes(300 * 1024);
const TOKEN = 'hf_cliTestToken';
/** Retries with waits of a few milliseconds, so that tests stay fast. */
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 20 };

class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const args = (positionals: string[] = [], values: CommandArgs['values'] = {}): CommandArgs => ({ positionals, values });

function catalogueFor(revision: string): Catalogue {
  return {
    version: 1,
    default: 'tiny',
    models: [
      {
        id: 'tiny',
        displayName: 'Tiny BERT',
        repo: 'org/tiny',
        revision,
        files: [
          { path: 'onnx/model_quantized.onnx', name: 'model.onnx', approxSize: 300_000 },
          { path: 'tokenizer.json', name: 'tokenizer.json' },
        ],
        licence: 'Apache-2.0',
        maskToken: '[MASK]',
        precision: 'int8',
        description: 'test',
      },
      {
        id: 'other',
        displayName: 'Other',
        repo: 'org/tiny',
        revision,
        files: [
          { path: 'onnx/model.onnx', name: 'model.onnx', approxSize: 1_200_000 },
          { path: 'tokenizer.json', name: 'tokenizer.json' },
        ],
        licence: 'MIT',
        maskToken: '<mask>',
        precision: 'fp32',
        description: 'test',
      },
    ],
  };
}

describe('cloze download / cloze models', () => {
  let hub: HubServer;
  let root: string;
  let cacheDir: string;
  let env: Record<string, string>;

  before(async () => {
    hub = await startHubServer();
    const commit = hub.addRepo('org/tiny', { 'onnx/model_quantized.onnx': MODEL, 'tokenizer.json': '{}' });
    hub.addRepo('org/hub-only', { 'model.onnx': MODEL, 'tokenizer.json': '{}' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-cli-root-'));
    fs.mkdirSync(path.join(root, 'models'));
    fs.writeFileSync(path.join(root, 'models', 'catalogue.json'), JSON.stringify(catalogueFor(commit)));
  });
  after(async () => {
    await hub.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-cli-cache-'));
    env = { HF_ENDPOINT: hub.url, CLOZE_CACHE_DIR: cacheDir };
    hub.clearFaults();
    hub.requests.length = 0;
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  /** Runs `cloze COMMAND` as the command line does (its option checks and error reporting included). */
  const run = async (
    command: 'download' | 'models',
    a: CommandArgs,
    extra: Partial<CommandContext> = {},
  ): Promise<{ code: number; out: string; err: string }> => {
    const out = new Capture();
    const err = new Capture();
    const flags = Object.entries(a.values).flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, String(value)]));
    const context: CommandContext = {
      stdout: out,
      stderr: err,
      readStdin: () => '',
      logger: silentLogger,
      env,
      packageRoot: root,
      signal: new AbortController().signal,
      retry: FAST,
      ...extra,
    };
    const code = await main([command, ...a.positionals, ...flags], context);
    return { code, out: out.text, err: err.text };
  };

  it('downloads the default model, printing its folder on stdout and progress lines on stderr', async () => {
    const { code, out, err } = await run('download', args());
    assert.equal(code, 0, err);
    const dir = out.trim();
    assert.equal(dir, path.join(cacheDir, 'models', 'org--tiny', JSON.parse(fs.readFileSync(path.join(root, 'models', 'catalogue.json'), 'utf8')).models[0].revision, 'onnx--model_quantized'));
    assert.deepEqual(fs.readFileSync(path.join(dir, 'model.onnx')), MODEL);
    assert.match(err, /Downloading tiny \(Tiny BERT, Apache-2\.0\)/);
    assert.match(err, /\[1\/2\] model\.onnx \(307 kB\)\n {2}100% \(307 kB \/ 307 kB, [\d.]+ MB\/s\)/);
    assert.doesNotMatch(err, /\r/, 'no carriage returns when stderr is not a terminal');
    assert.match(err, /Done: 2 files, 307 kB, verified/);

    const again = await run('download', args(['tiny']));
    assert.equal(again.code, 0);
    assert.match(again.err, /already downloaded/);
    assert.equal(again.out.trim(), dir);
  });

  it('downloads a Hub repository given as owner/name', async () => {
    const { code, out } = await run('download', args(['org/hub-only']));
    assert.equal(code, 0);
    assert.ok(fs.existsSync(path.join(out.trim(), 'manifest.json')));
  });

  it('explains a wrong model id (404) and exits 1', async () => {
    const { code, err } = await run('download', args(['org/missing']));
    assert.equal(code, 1);
    assert.match(err, /cloze: Not found \(HTTP 404\).*repository does not exist.*owner\/name@revision/s);
  });

  it('rejects an unknown catalogue id with the list of ids and exits 2', async () => {
    const { code, err } = await run('download', args(['nonsense']));
    assert.equal(code, 2);
    assert.match(err, /catalogue id \(tiny, other\)/);
  });

  it('explains being offline, with the --model and HF_ENDPOINT ways out', async () => {
    const closed = await startHubServer();
    await closed.close();
    env.HF_ENDPOINT = closed.url;
    const { code, err } = await run('download', args(['tiny']));
    assert.equal(code, 1);
    assert.match(err, /Cannot connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    assert.match(err, /--model \/path\/to\/folder/);
    assert.match(err, /HF_ENDPOINT/);
    assert.match(err, /cloze models/);
  });

  it('explains a server failure as temporary', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'status', status: 502 });
    const { code, err } = await run('download', args(['tiny']));
    assert.equal(code, 1);
    assert.match(err, /HTTP 502.*try again in a few minutes/);
  });

  it('explains a checksum mismatch', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'corrupt' });
    const { code, err } = await run('download', args(['tiny']));
    assert.equal(code, 1);
    assert.match(err, /failed its checksum.*Try again/s);
  });

  it('explains a full disk', async () => {
    const full = new ModelStore({
      cacheDir,
      packageRoot: root,
      endpoint: hub.url,
      createWriteStream: () =>
        new Writable({
          write(_c, _e, callback) {
            callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
          },
        }),
    });
    const { code, err } = await run('download', args(['tiny']), { store: full });
    assert.equal(code, 1);
    assert.match(err, /disk is full.*CLOZE_CACHE_DIR/s);
  });

  it('uses HF_TOKEN for a private model and says to set it when missing', async () => {
    const gated = await startHubServer({ requireToken: TOKEN });
    try {
      gated.addRepo('org/private', { 'model.onnx': MODEL, 'tokenizer.json': '{}' });
      env.HF_ENDPOINT = gated.url;
      const without = await run('download', args(['org/private']));
      assert.equal(without.code, 1);
      assert.match(without.err, /HTTP 401.*HF_TOKEN/s);
      env.HF_TOKEN = TOKEN;
      const withToken = await run('download', args(['org/private']));
      assert.equal(withToken.code, 0, withToken.err);
      assert.doesNotMatch(withToken.err + withToken.out, new RegExp(TOKEN));
    } finally {
      await gated.close();
    }
  });

  it('exits 130 when cancelled, and resumes on the next run', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'trickle', chunkBytes: 8192, intervalMs: 5, times: 1 });
    const controller = new AbortController();
    // Cancel once part of the file has gone out, whatever the machine's speed.
    const watch = setInterval(() => {
      if (hub.requests.some((r) => r.server === 'cdn' && r.bytesSent >= 64 * 1024)) {
        clearInterval(watch);
        controller.abort();
      }
    }, 2);
    const cancelled = await run('download', args(['tiny']), { signal: controller.signal });
    clearInterval(watch);
    assert.equal(cancelled.code, 130);
    assert.match(cancelled.err, /Cancelled\. Run the same command again to resume/);

    hub.requests.length = 0;
    const resumed = await run('download', args(['tiny']));
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /resuming at \d+ kB/);
    const cdn = hub.requests.find((r) => r.server === 'cdn');
    assert.match(String(cdn?.headers.range), /^bytes=\d+-$/);
  });

  it('lists the catalogue with sizes, licences and what is downloaded, plus other cached models', async () => {
    await run('download', args(['tiny']));
    await run('download', args(['org/hub-only']));
    const { code, out } = await run('models', args());
    assert.equal(code, 0);
    const lines = out.split('\n');
    assert.match(lines[0], /^ID\s+NAME\s+SIZE\s+LICENCE\s+DOWNLOADED$/);
    assert.match(lines[1], /^tiny \(default\)\s+Tiny BERT\s+30\d kB\s+Apache-2\.0\s+yes$/, 'size on disk');
    assert.match(lines[2], /^other\s+Other\s+~1\.2 MB\s+MIT\s+no$/);
    assert.match(out, /Other models in the cache:\nMODEL\s+SIZE\s+STATE\norg\/hub-only@main\s+30\d kB\s+complete/);
    assert.match(out, new RegExp(`Cache: ${cacheDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('prints JSON with --json', async () => {
    const { code, out } = await run('models', args([], { json: true }));
    assert.equal(code, 0);
    const data = JSON.parse(out);
    assert.equal(data.default, 'tiny');
    assert.equal(data.cacheDir, cacheDir);
    assert.deepEqual(data.catalogue.map((c: { entry: { id: string }; cached: boolean }) => [c.entry.id, c.cached]), [['tiny', false], ['other', false]]);
  });

  it('HF_HUB_OFFLINE=1: no request at all, and an error that says what to download where', async () => {
    env.HF_HUB_OFFLINE = '1';
    const { code, err } = await run('download', args(['tiny']));
    assert.equal(code, 1);
    assert.match(err, /tiny is not downloaded, and Cloze is offline \(to go online: unset HF_HUB_OFFLINE\)/);
    assert.match(err, /`cloze download MODEL`/);
    assert.ok(err.includes(`${hub.url}/org/tiny/tree/`), err);
    assert.ok(err.includes(path.join(cacheDir, 'hub')), err);
    assert.equal(hub.requests.length, 0);
    const hubModel = await run('download', args(['org/hub-only']));
    assert.equal(hubModel.code, 1);
    assert.match(hubModel.err, /org\/hub-only@main is not downloaded, and Cloze is offline/);
    assert.equal(hub.requests.length, 0);
  });

  it('HF_HUB_OFFLINE=1: a model already in the Hugging Face cache works, without a request', async () => {
    await run('download', args(['tiny']));
    env.HF_HUB_OFFLINE = '1';
    hub.requests.length = 0;
    const { code, err } = await run('download', args(['tiny']));
    assert.equal(code, 0, err);
    assert.match(err, /already downloaded/);
    assert.equal(hub.requests.length, 0);
  });

  it('finds a model that huggingface_hub laid out in HF_HUB_CACHE, and says another tool downloaded it', async () => {
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-cli-hf-'));
    try {
      const revision = JSON.parse(fs.readFileSync(path.join(root, 'models', 'catalogue.json'), 'utf8')).models[0].revision;
      layOutHubCache(shared, 'org/tiny', { 'onnx/model_quantized.onnx': MODEL, 'tokenizer.json': '{}' }, { commit: revision });
      delete env.CLOZE_CACHE_DIR;
      env.HF_HUB_CACHE = shared;
      env.XDG_CACHE_HOME = cacheDir;
      env.HF_HUB_OFFLINE = '1';
      const { code, err, out } = await run('download', args(['tiny']));
      assert.equal(code, 0, err);
      assert.match(err, /already downloaded/);
      assert.equal(out.trim(), path.join(cacheDir, 'cloze', 'models', 'org--tiny', revision, 'onnx--model_quantized'));
      const listed = await run('models', args());
      assert.match(listed.out, /^tiny \(default\).*found \(Hugging Face cache\)$/m);
      assert.ok(listed.out.includes(`Models: ${shared}`), listed.out);
      assert.equal(hub.requests.length, 0);
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  it('reads the token from the file `hf auth login` writes (HF_TOKEN_PATH), and never prints or logs it', async () => {
    const gated = await startHubServer({ requireToken: TOKEN });
    const tokenFile = path.join(cacheDir, 'token');
    try {
      gated.addRepo('org/private', { 'model.onnx': MODEL, 'tokenizer.json': '{}' });
      env.HF_ENDPOINT = gated.url;
      fs.writeFileSync(tokenFile, `${TOKEN}\n`);
      env.HF_TOKEN_PATH = tokenFile;
      const logger = recordingLogger();
      const result = await run('download', args(['org/private']), { logger });
      assert.equal(result.code, 0, result.err);
      assert.ok(logger.lines.length > 0);
      assert.doesNotMatch(result.err + result.out + logger.text(), new RegExp(TOKEN));
      // The token went to the Hub only, never to the CDN it redirects to.
      assert.ok(gated.requests.filter((r) => r.server === 'hub').every((r) => r.headers.authorization === `Bearer ${TOKEN}`));
      assert.ok(gated.requests.filter((r) => r.server === 'cdn').every((r) => r.headers.authorization === undefined));
    } finally {
      await gated.close();
    }
  });

  it('a connection dropped mid-file: one `cloze download` completes it, saying it tries again', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: 100_000, times: 1 });
    const { code, err, out } = await run('download', args(['tiny']));
    assert.equal(code, 0, err);
    assert.match(err, /model\.onnx: the connection broke; trying again in 1 ms \(attempt 2 of 3\), resuming where it stopped/);
    assert.deepEqual(fs.readFileSync(path.join(out.trim(), 'model.onnx')), MODEL);
  });

  it('a connection dropped on every attempt: exit 1 after the bounded tries, with what to do', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: 10_000 });
    const started = Date.now();
    const { code, err } = await run('download', args(['tiny']));
    assert.equal(code, 1);
    assert.match(err, /cloze: .*resumes where it stopped.*Gave up after 3 attempts/s);
    assert.ok(Date.now() - started < 10_000);
  });

  it('takes --cache-dir over CLOZE_CACHE_DIR', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-cli-other-'));
    try {
      const { out } = await run('download', args(['tiny'], { 'cache-dir': other }));
      assert.ok(out.startsWith(other));
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('progress reporters', () => {
  const event = (bytes: number, total: number | undefined, extra: Partial<ModelProgress> = {}): ModelProgress => ({
    bytes,
    total,
    bytesPerSecond: 2_500_000,
    resumedFrom: 0,
    file: 'model.onnx',
    fileIndex: 0,
    fileCount: 4,
    ...extra,
  });

  it('prints one line per 10 % when not on a terminal', () => {
    const out = new Capture(false);
    const reporter = createProgressReporter(out);
    for (let bytes = 0; bytes <= 111_000_000; bytes += 1_000_000) reporter.update(event(bytes, 111_000_000));
    reporter.update(event(111_000_000, 111_000_000));
    reporter.done();
    const lines = out.text.trim().split('\n');
    assert.equal(lines[0], '[1/4] model.onnx (111.0 MB)');
    assert.deepEqual(lines.slice(1).map((l) => l.trim().split(' ')[0]), ['10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
    assert.match(lines[10], /100% \(111\.0 MB \/ 111\.0 MB, 2\.5 MB\/s\)/);
  });

  it('redraws one line with \\r on a terminal', () => {
    const out = new Capture(true);
    const reporter = createProgressReporter(out);
    reporter.update(event(0, 200_000_000));
    reporter.update(event(100_000_000, 200_000_000, { fileIndex: 0 }));
    reporter.update(event(200_000_000, 200_000_000));
    reporter.update(event(700, 700, { file: 'config.json', fileIndex: 3 }));
    reporter.done();
    const frames = out.text.split('\r').filter(Boolean);
    assert.match(frames[0], /^\[1\/4\] model\.onnx \[\.+\]\s+0%\s+0 kB \/ 200\.0 MB, 2\.5 MB\/s/);
    assert.ok(!frames.some((f) => /50%/.test(f)), 'redraws are throttled to one per 100 ms');
    assert.ok(frames.some((f) => /\[#+\]\s+100%/.test(f)), 'a full bar at the end of a file');
    assert.match(out.text, /100%\s+200\.0 MB \/ 200\.0 MB, 2\.5 MB\/s\s*\n\r\[4\/4\] config\.json/);
    assert.ok(out.text.endsWith('\n'));
  });

  it('formats sizes', () => {
    assert.equal(formatBytes(314), '0 kB');
    assert.equal(formatBytes(711_000), '711 kB');
    assert.equal(formatBytes(110_987_654), '111.0 MB');
    assert.equal(formatBytes(1_380_000_000), '1.38 GB');
  });
});
