import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DownloadError } from '../../src/models/download-error';
import { downloadFile } from '../../src/models/file-transfer';
import { matchesNoProxy, parseProxyUrl, proxyForUrl } from '../../src/models/proxy-agent';
import { type HubServer, startHubServer } from '../helpers/hub-server';
import { startProxy, type TestProxy } from '../helpers/proxy-server';

const MODEL = randomBytes(64 * 1024);
const REPO = 'org/model';

describe('proxyForUrl', () => {
  const https = new URL('https://huggingface.co/x');
  const http = new URL('http://mirror.local:8080/x');

  it('reads https_proxy for https and http_proxy for http, lower case first', () => {
    assert.equal(proxyForUrl(https, { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' })?.host, 'lower:2');
    assert.equal(proxyForUrl(https, { HTTPS_PROXY: 'http://upper:1' })?.host, 'upper:1');
    assert.equal(proxyForUrl(https, { HTTP_PROXY: 'http://p:1' }), undefined, 'http_proxy is not used for https');
    assert.equal(proxyForUrl(http, { HTTP_PROXY: 'http://p:1' })?.host, 'p:1');
    assert.equal(proxyForUrl(https, { ALL_PROXY: 'http://all:3' })?.host, 'all:3');
    assert.equal(proxyForUrl(https, { https_proxy: '' }), undefined);
  });

  it('takes a bare host:port as http://', () => {
    assert.equal(proxyForUrl(https, { HTTPS_PROXY: 'proxy.corp:3128' })?.href, 'http://proxy.corp:3128/');
  });

  it('honours no_proxy', () => {
    const env = { HTTPS_PROXY: 'http://p:1' };
    assert.equal(proxyForUrl(https, { ...env, NO_PROXY: 'huggingface.co' }), undefined);
    assert.equal(proxyForUrl(https, { ...env, no_proxy: 'example.com, .co' }), undefined);
    assert.ok(proxyForUrl(https, { ...env, NO_PROXY: 'face.co' }), 'a suffix match must end at a dot');
  });

  it('rejects SOCKS and malformed proxies', () => {
    assert.throws(() => parseProxyUrl('socks5://p:1080'), (e: unknown) => e instanceof DownloadError && e.code === 'proxy' && /Only http/.test(e.message));
    assert.throws(() => parseProxyUrl('http://[bad'), DownloadError);
  });
});

describe('matchesNoProxy', () => {
  const u = (s: string): URL => new URL(s);
  it('matches hosts, subdomains, wildcards, ports and IPv6', () => {
    assert.equal(matchesNoProxy(u('https://cdn.hf.co/x'), 'hf.co'), true);
    assert.equal(matchesNoProxy(u('https://cdn.hf.co/x'), '*.hf.co'), true);
    assert.equal(matchesNoProxy(u('https://hf.co/x'), '.hf.co'), true);
    assert.equal(matchesNoProxy(u('https://nothf.co/x'), 'hf.co'), false);
    assert.equal(matchesNoProxy(u('https://anything/x'), '*'), true);
    assert.equal(matchesNoProxy(u('http://127.0.0.1:8080/x'), '127.0.0.1:8080'), true);
    assert.equal(matchesNoProxy(u('http://127.0.0.1:8081/x'), '127.0.0.1:8080'), false);
    assert.equal(matchesNoProxy(u('https://localhost/x'), 'localhost:443'), true);
    assert.equal(matchesNoProxy(u('http://[::1]:80/x'), '::1'), true);
    assert.equal(matchesNoProxy(u('http://[::1]:80/x'), '[::1]:80'), true);
  });
});

for (const scheme of ['http', 'https'] as const) {
  describe(`downloading over ${scheme} through a proxy`, () => {
    let hub: HubServer;
    let proxy: TestProxy;
    let dir: string;

    before(async () => {
      hub = await startHubServer({ https: scheme === 'https' });
      hub.addRepo(REPO, { 'onnx/model.onnx': MODEL });
      proxy = await startProxy();
    });
    after(async () => {
      await proxy.close();
      await hub.close();
    });
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-proxy-'));
      proxy.seen.length = 0;
      proxy.refuseWith = undefined;
      hub.requests.length = 0;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const fileUrl = (): string => `${hub.url}/${REPO}/resolve/main/onnx/model.onnx`;
    const proxyVar = scheme === 'https' ? 'HTTPS_PROXY' : 'HTTP_PROXY';

    it(scheme === 'https' ? 'tunnels with CONNECT and verifies the file' : 'sends absolute-URI requests to the proxy', async () => {
      const dest = path.join(dir, 'model.onnx');
      const result = await downloadFile({ url: fileUrl(), dest, proxy: 'env', env: { [proxyVar]: proxy.url }, ca: hub.ca, token: 'hf_tok' });
      assert.deepEqual(fs.readFileSync(dest), MODEL);
      assert.equal(result.verifiedBy, 'etag-sha256');
      const hubHost = new URL(hub.url).host;
      const cdnHost = new URL(hub.cdnUrl).host;
      if (scheme === 'https') {
        assert.deepEqual(proxy.seen.map((r) => `${r.method} ${r.target}`), [`CONNECT ${hubHost}`, `CONNECT ${cdnHost}`]);
      } else {
        assert.deepEqual(proxy.seen.map((r) => r.method), ['GET', 'GET']);
        assert.equal(proxy.seen[0].target, fileUrl(), 'absolute URI');
        assert.ok(proxy.seen[1].target.startsWith(`${hub.cdnUrl}/cdn/`));
      }
      assert.equal(hub.requests.find((r) => r.server === 'hub')?.headers.authorization, 'Bearer hf_tok', 'the token still reaches the Hub');
    });

    if (scheme === 'https') {
      it('still checks the server certificate inside the tunnel', async () => {
        const error = await downloadFile({ url: fileUrl(), dest: path.join(dir, 'm'), proxy: 'env', env: { HTTPS_PROXY: proxy.url } }).catch((e: unknown) => e);
        assert.ok(error instanceof DownloadError && error.code === 'network', String(error));
        assert.match(error.message, /certificate.*NODE_EXTRA_CA_CERTS/s);
        assert.equal(fs.existsSync(path.join(dir, 'm')), false);
      });
    }

    it('passes proxy credentials as Proxy-Authorization', async () => {
      const withAuth = new URL(proxy.url);
      withAuth.username = 'alice';
      withAuth.password = 's3cret';
      await downloadFile({ url: fileUrl(), dest: path.join(dir, 'm'), proxy: withAuth.href, ca: hub.ca, env: {} });
      assert.equal(proxy.seen[0].proxyAuthorization, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    });

    it('goes direct for hosts in NO_PROXY', async () => {
      await downloadFile({ url: fileUrl(), dest: path.join(dir, 'm'), proxy: 'env', env: { [proxyVar]: proxy.url, NO_PROXY: '127.0.0.1' }, ca: hub.ca });
      assert.equal(proxy.seen.length, 0);
      assert.equal(hub.requests.length, 2);
    });

    it('reports a refusing proxy as `proxy`', async () => {
      proxy.refuseWith = 403;
      const error = await downloadFile({ url: fileUrl(), dest: path.join(dir, 'm'), proxy: 'env', env: { [proxyVar]: proxy.url }, ca: hub.ca }).catch((e: unknown) => e);
      assert.ok(error instanceof DownloadError, String(error));
      // Through a tunnel the refusal is the proxy's; in absolute-URI form it looks like the server's answer.
      if (scheme === 'https') {
        assert.equal(error.code, 'proxy');
        assert.equal(error.status, 403);
        assert.match(error.message, /refused to connect.*HF_ENDPOINT/s);
      } else {
        assert.equal(error.code, 'http');
        assert.equal(error.status, 403);
      }
      assert.equal(fs.existsSync(path.join(dir, 'm')), false);
    });

    it('asks for credentials on 407', async () => {
      proxy.refuseWith = 407;
      const error = await downloadFile({ url: fileUrl(), dest: path.join(dir, 'm'), proxy: 'env', env: { [proxyVar]: proxy.url }, ca: hub.ca }).catch((e: unknown) => e);
      assert.ok(error instanceof DownloadError && error.code === 'proxy', String(error));
      assert.match(error.message, /user:password@host:port/);
    });

    it('reports an unreachable proxy as `proxy`', async () => {
      const gone = await startProxy();
      await gone.close();
      const error = await downloadFile({ url: fileUrl(), dest: path.join(dir, 'm'), proxy: 'env', env: { [proxyVar]: gone.url }, ca: hub.ca }).catch((e: unknown) => e);
      assert.ok(error instanceof DownloadError && error.code === 'proxy', String(error));
      assert.match(error.message, /Cannot reach the proxy/);
    });
  });
}
