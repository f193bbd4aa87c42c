import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DownloadError, redactUrl } from '../../src/models/download-error';
import { acquireFileLock } from '../../src/models/file-lock';
import { type DownloadProgress, downloadFile } from '../../src/models/file-transfer';
import { fetchFileMetadata, keepsAuthorization, networkError, normalizeEtag } from '../../src/models/hub-http';
import { type HubServer, sha256, startHubServer } from '../helpers/hub-server';
import { recordingLogger } from '../helpers/recording-logger';

const REPO = 'test-org/tiny-bert';
const MODEL = randomBytes(256 * 1024);
const CONFIG = JSON.stringify({ model_type: 'bert', vocab_size: 30 });

/** One attempt: for tests of what a single failure leaves behind. */
const ONCE = { attempts: 1 };
/** Retries with waits of a few milliseconds, so that tests stay fast. */
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 20 };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-hub-'));
}

async function rejectsWith(promise: Promise<unknown>, code: DownloadError['code'], pattern?: RegExp): Promise<DownloadError> {
  const error = await promise.then(
    () => assert.fail(`expected a DownloadError (${code})`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DownloadError, `expected a DownloadError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return error;
}

describe('downloadFile', () => {
  let hub: HubServer;
  let dir: string;
  let commit: string;
  const url = (file: string, revision = 'main'): string => `${hub.url}/${REPO}/resolve/${revision}/${file}`;

  before(async () => {
    hub = await startHubServer();
    commit = hub.addRepo(REPO, { 'onnx/model_quantized.onnx': MODEL, 'config.json': CONFIG });
  });
  after(() => hub.close());
  beforeEach(() => {
    dir = tempDir();
    hub.requests.length = 0;
    hub.clearFaults();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows the redirect to the CDN and verifies an LFS file by its X-Linked-Etag', async () => {
    const dest = path.join(dir, 'model.onnx');
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(result.sha256, sha256(MODEL));
    assert.equal(result.verifiedBy, 'etag-sha256');
    assert.equal(result.size, MODEL.length);
    assert.equal(result.commit, commit);
    assert.equal(result.resumedFrom, 0);
    assert.deepEqual(fs.readdirSync(dir), ['model.onnx'], 'no .part or .lock left behind');
    assert.deepEqual(hub.requests.map((r) => `${r.server} ${r.status}`), ['hub 302', 'cdn 200']);
  });

  it('checks a small file by size only, as its ETag is a git SHA-1', async () => {
    const dest = path.join(dir, 'config.json');
    const result = await downloadFile({ url: url('config.json'), dest });
    assert.equal(fs.readFileSync(dest, 'utf8'), CONFIG);
    assert.equal(result.verifiedBy, 'size');
    assert.match(result.etag ?? '', /^[0-9a-f]{40}$/, 'W/ and quotes are stripped');
  });

  it('verifies against a caller-supplied SHA-256 first', async () => {
    const result = await downloadFile({ url: url('config.json'), dest: path.join(dir, 'c.json'), expectedSha256: sha256(CONFIG).toUpperCase() });
    assert.equal(result.verifiedBy, 'expected-sha256');
  });

  it('resumes after a dropped connection and fetches only the rest', async () => {
    const dest = path.join(dir, 'model.onnx');
    const cut = 100_000;
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: cut, times: 1 });
    await rejectsWith(downloadFile({ url: url('onnx/model_quantized.onnx'), dest, retry: ONCE }), 'network', /run the same command again/i);
    assert.equal(fs.existsSync(dest), false);
    // Everything received is kept for a resume (normally all of `cut`).
    const kept = fs.statSync(`${dest}.part`).size;
    assert.ok(kept > 0 && kept <= cut, `kept ${kept} bytes`);
    assert.deepEqual(fs.readFileSync(`${dest}.part`), MODEL.subarray(0, kept));
    assert.equal(fs.existsSync(`${dest}.lock`), false);

    hub.requests.length = 0;
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest, onProgress: (p) => progress.push(p) });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(result.resumedFrom, kept);
    assert.equal(result.verifiedBy, 'etag-sha256', 'the hash covers the resumed part too');
    const cdnGets = hub.requests.filter((r) => r.server === 'cdn');
    assert.equal(cdnGets.length, 1);
    assert.equal(cdnGets[0].headers.range, `bytes=${kept}-`);
    assert.equal(cdnGets[0].status, 206);
    assert.equal(cdnGets[0].bytesSent, MODEL.length - kept);
    assert.equal(hub.requests[0].headers.range, `bytes=${kept}-`, 'the Range header goes to the Hub, which redirects');
    const last = progress[progress.length - 1];
    assert.equal(last.bytes, MODEL.length);
    assert.equal(last.total, MODEL.length);
    assert.equal(last.resumedFrom, kept);
  });

  it('starts over when the server ignores the Range header', async () => {
    const dest = path.join(dir, 'model.onnx');
    fs.writeFileSync(`${dest}.part`, MODEL.subarray(0, 5000));
    hub.setFault('onnx/model_quantized.onnx', { kind: 'ignore-range', times: 1 });
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(result.resumedFrom, 0);
  });

  it('finishes a part that is already complete (416) without downloading it again', async () => {
    const dest = path.join(dir, 'model.onnx');
    fs.writeFileSync(`${dest}.part`, MODEL);
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(result.verifiedBy, 'etag-sha256');
    assert.equal(hub.requests.find((r) => r.server === 'cdn')?.status, 416);
    assert.equal(hub.requests.filter((r) => r.server === 'cdn').reduce((n, r) => n + r.bytesSent, 0), 0);
  });

  it('starts over once when a resumed file fails its checksum (a stale part)', async () => {
    const dest = path.join(dir, 'model.onnx');
    fs.writeFileSync(`${dest}.part`, randomBytes(1000));
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(result.resumedFrom, 0);
    assert.equal(hub.requests.filter((r) => r.server === 'cdn').length, 2);
  });

  it('rejects corrupted bytes and leaves neither the file nor a part', async () => {
    const dest = path.join(dir, 'model.onnx');
    hub.setFault('onnx/model_quantized.onnx', { kind: 'corrupt' });
    const error = await rejectsWith(downloadFile({ url: url('onnx/model_quantized.onnx'), dest }), 'checksum', /failed its checksum/);
    assert.match(error.message, new RegExp(sha256(MODEL)));
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('rejects a file whose hash differs from the catalogue, saying where the hash came from', async () => {
    await rejectsWith(
      downloadFile({ url: url('config.json'), dest: path.join(dir, 'config.json'), expectedSha256: '0'.repeat(64) }),
      'checksum',
      /from the catalogue/,
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('rejects a file of the wrong size and deletes it', async () => {
    await rejectsWith(downloadFile({ url: url('config.json'), dest: path.join(dir, 'config.json'), expectedSize: CONFIG.length - 1 }), 'size');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('cancels through its AbortSignal, leaving no final file', async () => {
    const dest = path.join(dir, 'model.onnx');
    hub.setFault('onnx/model_quantized.onnx', { kind: 'trickle', chunkBytes: 4096, intervalMs: 5 });
    const controller = new AbortController();
    const download = downloadFile({
      url: url('onnx/model_quantized.onnx'),
      dest,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytes > 20_000) controller.abort();
      },
    });
    await rejectsWith(download, 'cancelled', /run it again to resume/i);
    assert.equal(fs.existsSync(dest), false);
    assert.equal(fs.existsSync(`${dest}.lock`), false);
  });

  it('is cancelled before any request when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(downloadFile({ url: url('config.json'), dest: path.join(dir, 'x'), signal: controller.signal }), 'cancelled');
    assert.equal(hub.requests.length, 0);
  });

  it('reports 404 for a missing file, revision and repository with what to check', async () => {
    const missingFile = await rejectsWith(downloadFile({ url: url('nope.onnx'), dest: path.join(dir, 'a') }), 'http', /file does not exist/);
    assert.equal(missingFile.status, 404);
    await rejectsWith(downloadFile({ url: url('config.json', 'v9'), dest: path.join(dir, 'b') }), 'http', /revision does not exist.*owner\/name@revision/);
    await rejectsWith(downloadFile({ url: `${hub.url}/nobody/nothing/resolve/main/config.json`, dest: path.join(dir, 'c') }), 'http', /repository does not exist/);
  });

  it('reports a 5xx as temporary and a 401 as a token problem', async () => {
    hub.setFault('config.json', { kind: 'status', status: 503 });
    const unavailable = await rejectsWith(downloadFile({ url: url('config.json'), dest: path.join(dir, 'a'), retry: ONCE }), 'http', /try again in a few minutes/);
    assert.equal(unavailable.status, 503);
    hub.setFault('config.json', { kind: 'status', status: 401 });
    const unauthorized = await rejectsWith(downloadFile({ url: url('config.json'), dest: path.join(dir, 'b') }), 'http', /HF_TOKEN/);
    assert.equal(unauthorized.status, 401);
    const rejected = await rejectsWith(downloadFile({ url: url('config.json'), dest: path.join(dir, 'c'), token: 'hf_wrong' }), 'http', /rejected the access token/);
    assert.equal(rejected.status, 401);
    assert.doesNotMatch(rejected.message, /hf_wrong/);
  });

  it('follows relative redirects and refuses a loop after 10 hops', async () => {
    const server = http.createServer((req, res) => {
      const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (hop) {
        const n = Number(hop[1]);
        res.writeHead(n < 10 ? 301 : 308, { location: n < 10 ? `../hop/${n + 1}` : '/done' });
        res.end();
      } else if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else {
        res.end('done');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await downloadFile({ url: `${base}/hop/1`, dest: path.join(dir, 'ten') });
      assert.equal(fs.readFileSync(path.join(dir, 'ten'), 'utf8'), 'done');
      await rejectsWith(downloadFile({ url: `${base}/loop`, dest: path.join(dir, 'loop') }), 'http', /Too many redirects/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('cannot connect: says so and how to work offline', async () => {
    const closed = await startHubServer();
    const deadUrl = `${closed.url}/${REPO}/resolve/main/config.json`;
    await closed.close();
    await rejectsWith(downloadFile({ url: deadUrl, dest: path.join(dir, 'x'), retry: FAST }), 'network', /ECONNREFUSED.*--model \/path\/to\/folder.*HF_ENDPOINT.*Gave up after 3 attempts/s);
  });

  it('maps a full disk to `disk` and leaves nothing half-written', async () => {
    const dest = path.join(dir, 'model.onnx');
    let written = 0;
    const createWriteStream = (file: string, flags: 'w' | 'a'): Writable => {
      const real = fs.createWriteStream(file, { flags });
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          written += chunk.length;
          if (written > 50_000) {
            real.destroy();
            callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }));
            return;
          }
          real.write(chunk, callback);
        },
        final(callback) {
          real.end(callback);
        },
      });
    };
    const error = await rejectsWith(downloadFile({ url: url('onnx/model_quantized.onnx'), dest, createWriteStream }), 'disk', /disk is full.*CLOZE_CACHE_DIR/s);
    assert.match(error.message, /262 kB/, 'says how much room the file needs');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('validates its options with TypeError and RangeError', async () => {
    await assert.rejects(downloadFile({ url: 'not a url', dest: path.join(dir, 'x') }), TypeError);
    await assert.rejects(downloadFile({ url: 'ftp://example.com/x', dest: path.join(dir, 'x') }), TypeError);
    await assert.rejects(downloadFile({ url: url('config.json'), dest: '' }), TypeError);
    await assert.rejects(downloadFile({ url: url('config.json'), dest: path.join(dir, 'x'), expectedSha256: 'abc' }), /64 hex digits, got `abc`/);
    await assert.rejects(downloadFile({ url: url('config.json'), dest: path.join(dir, 'x'), expectedSize: -1 }), RangeError);
  });

  it('reuses an existing file that matches, checking it with a HEAD request', async () => {
    const dest = path.join(dir, 'model.onnx');
    fs.writeFileSync(dest, MODEL);
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest, reuseExisting: true });
    assert.equal(result.reused, true);
    assert.equal(result.verifiedBy, 'etag-sha256');
    assert.deepEqual(hub.requests.map((r) => `${r.server} ${r.method}`), ['hub HEAD'], 'no body was fetched');
  });

  it('replaces an existing file that does not match', async () => {
    const dest = path.join(dir, 'model.onnx');
    fs.writeFileSync(dest, 'stale');
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest, reuseExisting: true });
    assert.equal(result.reused, false);
    assert.deepEqual(fs.readFileSync(dest), MODEL);
  });
});

describe('downloadFile with a token', () => {
  let hub: HubServer;
  let dir: string;
  const TOKEN = 'hf_secretTokenValue123';

  before(async () => {
    hub = await startHubServer({ requireToken: TOKEN });
    hub.addRepo('org/private', { 'model.onnx': MODEL, 'config.json': CONFIG });
  });
  after(() => hub.close());
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends the token to the Hub only, never to the CDN, and never logs it', async () => {
    const logger = recordingLogger();
    const dest = path.join(dir, 'model.onnx');
    await downloadFile({ url: `${hub.url}/org/private/resolve/main/model.onnx`, dest, token: TOKEN, logger });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    const hubRequest = hub.requests.find((r) => r.server === 'hub');
    const cdnRequest = hub.requests.find((r) => r.server === 'cdn');
    assert.equal(hubRequest?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(cdnRequest?.headers.authorization, undefined, 'dropped on the redirect to another origin');
    assert.ok(logger.lines.length > 0);
    assert.doesNotMatch(logger.text(), new RegExp(TOKEN));
    assert.doesNotMatch(logger.text(), /secret-signature/, 'signed CDN URLs are masked in logs');
  });

  it('answers 401 without a token with a hint to set HF_TOKEN', async () => {
    await rejectsWith(downloadFile({ url: `${hub.url}/org/private/resolve/main/config.json`, dest: path.join(dir, 'c') }), 'http', /private or gated.*HF_TOKEN/);
  });
});

describe('two downloads of the same file', () => {
  let hub: HubServer;
  let dir: string;

  before(async () => {
    hub = await startHubServer();
    hub.addRepo(REPO, { 'onnx/model_quantized.onnx': MODEL });
  });
  after(() => hub.close());
  beforeEach(() => {
    dir = tempDir();
    hub.requests.length = 0;
    hub.clearFaults();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('run one after the other: the second waits for the lock and uses the first one\'s file', async () => {
    const dest = path.join(dir, 'model.onnx');
    hub.setFault('onnx/model_quantized.onnx', { kind: 'trickle', chunkBytes: 32 * 1024, intervalMs: 5 });
    const fileUrl = `${hub.url}/${REPO}/resolve/main/onnx/model_quantized.onnx`;
    const [a, b] = await Promise.all([downloadFile({ url: fileUrl, dest }), downloadFile({ url: fileUrl, dest })]);
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(hub.requests.filter((r) => r.server === 'cdn').length, 1, 'one transfer');
    assert.deepEqual([a.reused, b.reused].sort(), [false, true]);
    assert.equal(a.sha256, b.sha256);
  });

  it('take over a lock left by a process that is gone', async () => {
    const dest = path.join(dir, 'model.onnx');
    fs.writeFileSync(`${dest}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, hostname: os.hostname(), createdAt: Date.now(), token: 'x' }));
    await downloadFile({ url: `${hub.url}/${REPO}/resolve/main/onnx/model_quantized.onnx`, dest });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(fs.existsSync(`${dest}.lock`), false);
  });
});

describe('acquireFileLock', () => {
  it('treats a lock untouched for longer than staleMs as abandoned', async () => {
    const dir = tempDir();
    try {
      const lockPath = path.join(dir, 'f.lock');
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, hostname: 'another-host', createdAt: 0, token: 't' }));
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(lockPath, old, old);
      const lock = await acquireFileLock(lockPath, { staleMs: 1000 });
      assert.equal(lock.waited, false);
      await lock.release();
      assert.equal(fs.existsSync(lockPath), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops waiting when its signal aborts', async () => {
    const dir = tempDir();
    try {
      const lockPath = path.join(dir, 'f.lock');
      const first = await acquireFileLock(lockPath);
      const controller = new AbortController();
      const second = acquireFileLock(lockPath, { signal: controller.signal, pollMs: 10 });
      setTimeout(() => controller.abort(new Error('stop')), 30);
      await assert.rejects(second, /stop/);
      await first.release();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fetchFileMetadata', () => {
  let hub: HubServer;
  before(async () => {
    hub = await startHubServer();
    hub.addRepo(REPO, { 'onnx/model.onnx': MODEL, 'config.json': CONFIG });
  });
  after(() => hub.close());

  it('reads the Hub\'s headers from the redirect without touching the CDN', async () => {
    hub.requests.length = 0;
    const meta = await fetchFileMetadata(`${hub.url}/${REPO}/resolve/main/onnx/model.onnx`);
    assert.equal(meta?.sha256, sha256(MODEL));
    assert.equal(meta?.size, MODEL.length);
    assert.match(meta?.commit ?? '', /^[0-9a-f]{40}$/);
    assert.deepEqual(hub.requests.map((r) => r.server), ['hub']);
  });

  it('returns undefined for a missing file but throws for a missing repository', async () => {
    assert.equal(await fetchFileMetadata(`${hub.url}/${REPO}/resolve/main/model.onnx`), undefined);
    await rejectsWith(fetchFileMetadata(`${hub.url}/x/y/resolve/main/model.onnx`), 'http', /repository does not exist/);
  });
});

describe('helpers', () => {
  it('normalizeEtag strips W/ and quotes', () => {
    assert.equal(normalizeEtag('W/"abc"'), 'abc');
    assert.equal(normalizeEtag('"abc"'), 'abc');
    assert.equal(normalizeEtag('abc'), 'abc');
  });

  it('keepsAuthorization only within one origin (and http→https on default ports)', () => {
    const u = (s: string): URL => new URL(s);
    assert.equal(keepsAuthorization(u('https://huggingface.co/a'), u('https://huggingface.co/b')), true);
    assert.equal(keepsAuthorization(u('https://huggingface.co/a'), u('https://cdn-lfs.hf.co/b')), false);
    assert.equal(keepsAuthorization(u('http://127.0.0.1:1/a'), u('http://127.0.0.1:2/b')), false);
    assert.equal(keepsAuthorization(u('http://huggingface.co/a'), u('https://huggingface.co/b')), true);
  });

  it('networkError explains DNS failures, resets and TLS problems', () => {
    const url = new URL('https://huggingface.co/x');
    const dns = networkError(Object.assign(new Error('getaddrinfo ENOTFOUND huggingface.co'), { code: 'ENOTFOUND' }), url);
    assert.equal(dns.code, 'network');
    assert.match(dns.message, /Cannot resolve huggingface\.co.*offline.*--model \/path\/to\/folder.*HF_ENDPOINT/s);
    assert.match(networkError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), url, undefined, 5e6).message, /broke after 5\.0 MB.*resumes/);
    assert.match(networkError(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), url).message, /NODE_EXTRA_CA_CERTS/);
    const viaProxy = networkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), url, new URL('http://user:pw@proxy:3128'));
    assert.equal(viaProxy.code, 'proxy');
    assert.doesNotMatch(viaProxy.message, /pw/);
  });

  it('redactUrl removes credentials and signed query parameters', () => {
    assert.equal(redactUrl('https://u:p@host/x?X-Amz-Signature=s&a=1'), 'https://host/x?X-Amz-Signature=***&a=1');
  });
});
