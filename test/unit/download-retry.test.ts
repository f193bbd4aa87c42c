import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DownloadError } from '../../src/models/download-error';
import { downloadFile } from '../../src/models/file-transfer';
import { parseRetryAfter } from '../../src/models/hub-http';
import { isTransient, type RetryNotice } from '../../src/models/retry';
import { type HubServer, startHubServer } from '../helpers/hub-server';

const MODEL = randomBytes(200_000);
const CONFIG = '{"model_type":"bert"}';
const REPO = 'org/model';
/** Waits of a few milliseconds: the tests stay fast and do not depend on timing. */
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 20 };

describe('downloadFile retries what heals by itself', () => {
  let hub: HubServer;
  let dir: string;
  const url = (file: string): string => `${hub.url}/${REPO}/resolve/main/${file}`;

  before(async () => {
    hub = await startHubServer();
    hub.addRepo(REPO, { 'onnx/model_quantized.onnx': MODEL, 'config.json': CONFIG });
  });
  after(() => hub.close());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-retry-'));
    hub.requests.length = 0;
    hub.clearFaults();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a connection dropped mid-file: one call completes it, resuming from the bytes on disk', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: 70_000, times: 1 });
    const notices: RetryNotice[] = [];
    const dest = path.join(dir, 'model.onnx');
    const result = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest, retry: FAST, onRetry: (n) => notices.push(n) });
    assert.deepEqual(fs.readFileSync(dest), MODEL);
    assert.equal(result.verifiedBy, 'etag-sha256');
    // Everything received was kept (normally all 70 000 bytes; a reset may lose the last few).
    assert.ok(result.resumedFrom > 0 && result.resumedFrom <= 70_000, `resumed from ${result.resumedFrom}`);
    assert.deepEqual(notices, [{ attempt: 2, attempts: 3, delayMs: 1, reason: 'the connection broke' }]);
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    assert.deepEqual(cdn.map((r) => r.headers.range), [undefined, `bytes=${result.resumedFrom}-`]);
    assert.deepEqual(fs.readdirSync(dir), ['model.onnx']);
  });

  it('a connection dropped on every attempt: a clear error after the bounded tries, the part kept', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: 10_000 });
    const dest = path.join(dir, 'model.onnx');
    const started = Date.now();
    const error = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest, retry: FAST }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DownloadError && error.code === 'network', String(error));
    assert.match(error.message, /resumes where it stopped.*Gave up after 3 attempts/s);
    assert.ok(Date.now() - started < 5000, 'bounded time');
    assert.equal(hub.requests.filter((r) => r.server === 'cdn').length, 3);
    const kept = fs.statSync(`${dest}.part`).size;
    assert.ok(kept > 10_000 && kept <= 30_000, `each attempt kept its bytes: ${kept}`);
    assert.equal(fs.existsSync(`${dest}.lock`), false);
  });

  it('a timeout is retried', async () => {
    hub.setFault('config.json', { kind: 'trickle', chunkBytes: 1, intervalMs: 400, times: 1 });
    const dest = path.join(dir, 'config.json');
    const notices: RetryNotice[] = [];
    await downloadFile({ url: url('config.json'), dest, timeoutMs: 100, retry: FAST, onRetry: (n) => notices.push(n) });
    assert.equal(fs.readFileSync(dest, 'utf8'), CONFIG);
    assert.equal(notices[0]?.reason, 'the server stopped answering');
  });

  it('HTTP 503 twice, then the file', async () => {
    hub.setFault('config.json', { kind: 'status', status: 503, times: 2 });
    const notices: RetryNotice[] = [];
    await downloadFile({ url: url('config.json'), dest: path.join(dir, 'c.json'), retry: FAST, onRetry: (n) => notices.push(n) });
    assert.deepEqual(notices.map((n) => [n.attempt, n.delayMs, n.reason]), [[2, 1, 'HTTP 503'], [3, 2, 'HTTP 503']]);
    assert.equal(hub.requestsFor('config.json', 'GET').length, 3);
  });

  it('HTTP 429 waits as long as Retry-After says, and not at all when that is longer than the longest wait', async () => {
    hub.setFault('config.json', { kind: 'status', status: 429, retryAfter: '0', times: 1 });
    const notices: RetryNotice[] = [];
    await downloadFile({ url: url('config.json'), dest: path.join(dir, 'a.json'), retry: FAST, onRetry: (n) => notices.push(n) });
    assert.deepEqual(notices.map((n) => n.delayMs), [0]);

    hub.requests.length = 0;
    hub.setFault('config.json', { kind: 'status', status: 429, retryAfter: '3600' });
    const error = await downloadFile({ url: url('config.json'), dest: path.join(dir, 'b.json'), retry: FAST }).catch((e: unknown) => e);
    assert.ok(error instanceof DownloadError && error.status === 429 && error.retryAfterMs === 3_600_000, String(error));
    assert.match(error.message, /Too many requests/);
    assert.equal(hub.requestsFor('config.json', 'GET').length, 1);
  });

  for (const [name, status] of [['404', 404], ['401', 401], ['403', 403]] as const) {
    it(`HTTP ${name} is not retried`, async () => {
      hub.setFault('config.json', { kind: 'status', status });
      const error = await downloadFile({ url: url('config.json'), dest: path.join(dir, 'c.json'), retry: FAST }).catch((e: unknown) => e);
      assert.ok(error instanceof DownloadError && error.status === status, String(error));
      assert.doesNotMatch(error.message, /Gave up/);
      assert.equal(hub.requestsFor('config.json', 'GET').length, 1);
    });
  }

  it('a checksum mismatch is not retried, and the file is removed', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'corrupt' });
    const dest = path.join(dir, 'model.onnx');
    const error = await downloadFile({ url: url('onnx/model_quantized.onnx'), dest, retry: FAST }).catch((e: unknown) => e);
    assert.ok(error instanceof DownloadError && error.code === 'checksum', String(error));
    assert.equal(hub.requests.filter((r) => r.server === 'cdn').length, 1);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('cancelling while waiting to retry stops at once and keeps the part for a resume', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: 10_000 });
    const controller = new AbortController();
    const dest = path.join(dir, 'model.onnx');
    const started = Date.now();
    const error = await downloadFile({
      url: url('onnx/model_quantized.onnx'),
      dest,
      retry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      signal: controller.signal,
      onRetry: () => controller.abort(),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof DownloadError && error.code === 'cancelled', String(error));
    assert.ok(Date.now() - started < 5000);
    assert.ok(fs.statSync(`${dest}.part`).size > 0);
    assert.equal(fs.existsSync(`${dest}.lock`), false);
  });

  it('rejects bad retry options with RangeError', async () => {
    await assert.rejects(downloadFile({ url: url('config.json'), dest: path.join(dir, 'x'), retry: { attempts: 0 } }), RangeError);
    await assert.rejects(downloadFile({ url: url('config.json'), dest: path.join(dir, 'x'), retry: { baseDelayMs: -1 } }), RangeError);
  });
});

describe('retry helpers', () => {
  it('isTransient: resets, refusals, timeouts, 5xx and 429, not DNS failures, 4xx, checksums or cancellations', () => {
    const net = (code?: string) => new DownloadError('network', 'x', 'u', { cause: code === undefined ? undefined : Object.assign(new Error(code), { code }) });
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', undefined]) assert.equal(isTransient(net(code)), true, code);
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'CERT_HAS_EXPIRED']) assert.equal(isTransient(net(code)), false, code);
    for (const status of [500, 502, 503, 429]) assert.equal(isTransient(new DownloadError('http', 'x', 'u', { status })), true, String(status));
    for (const status of [400, 401, 403, 404, 416]) assert.equal(isTransient(new DownloadError('http', 'x', 'u', { status })), false, String(status));
    for (const code of ['checksum', 'size', 'disk', 'cancelled', 'proxy'] as const) assert.equal(isTransient(new DownloadError(code, 'x', 'u')), false, code);
    assert.equal(isTransient(new Error('x')), false);
  });

  it('parseRetryAfter reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
