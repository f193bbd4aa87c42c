/**
 * A Hugging Face Hub look-alike on 127.0.0.1 for tests: serves repositories at
 * `/<owner>/<name>/resolve/<revision>/<path>` the way the Hub does (LFS-like
 * files redirect to a separate "CDN" server; headers `ETag`, `X-Linked-Etag`,
 * `X-Linked-Size`, `X-Repo-Commit`, `X-Error-Code`; HEAD; Range), with switches
 * for the faults a real network has, and a record of every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { makeSelfSignedCertificate } from './self-signed';

/**
 * A local model folder's files as a Hub ONNX export lays them out:
 * `config.json`, `tokenizer.json` and `tokenizer_config.json` at the top,
 * the model as `onnx/model_quantized.onnx`, for {@link HubServer.addRepo}.
 */
export function hubFilesOf(modelDir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) files[name] = fs.readFileSync(path.join(modelDir, name));
  files['onnx/model_quantized.onnx'] = fs.readFileSync(path.join(modelDir, 'model.onnx'));
  return files;
}

/** A fault to inject for one file. `times` (default: always) counts the requests it applies to. */
export type Fault =
  | { kind: 'status'; status: number; errorCode?: string; retryAfter?: string; times?: number }
  /** Sends `afterBytes` bytes of the body, then destroys the connection. */
  | { kind: 'drop'; afterBytes: number; times?: number }
  /** Flips every byte of the body (sizes stay right, the hash does not). */
  | { kind: 'corrupt'; times?: number }
  /** Sends the body in `chunkBytes` pieces every `intervalMs`. */
  | { kind: 'trickle'; chunkBytes: number; intervalMs: number; times?: number }
  /** Answers a Range request with the whole file (200). */
  | { kind: 'ignore-range'; times?: number };

/** One request the servers saw. */
export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  /** Path and query. */
  url: string;
  /** The repository file it was for, when known. */
  file?: string;
  headers: http.IncomingHttpHeaders;
  status: number;
  /** Body bytes written (0 for HEAD). */
  bytesSent: number;
}

interface RepoData {
  branches: Map<string, string>;
  commits: Map<string, Map<string, Buffer>>;
}

/** Options for {@link startHubServer}. */
export interface HubServerOptions {
  /** Serve both servers over HTTPS with a freshly made self-signed certificate. */
  https?: boolean;
  /** Which files are served like LFS files (redirect to the CDN, SHA-256 etag). Default: `*.onnx`. */
  isLfs?: (file: string) => boolean;
  /** When set, the Hub answers 401 to requests without `Authorization: Bearer <token>`. */
  requireToken?: string;
}

/** A running Hub look-alike. */
export interface HubServer {
  /** The Hub's origin, e.g. `http://127.0.0.1:40001`. */
  url: string;
  /** The CDN's origin (another port, so another origin). */
  cdnUrl: string;
  /** The certificate to trust when `https` is on. */
  ca: string | undefined;
  requests: RecordedRequest[];
  /**
   * Adds a repository (or a revision of one). Returns the commit sha.
   * @param files - Path in the repository → contents.
   */
  addRepo(repo: string, files: Record<string, Buffer | string>, options?: { commit?: string; branch?: string }): string;
  setFault(file: string, fault: Fault): void;
  clearFaults(): void;
  /** Requests for one file (any server), optionally of one method. */
  requestsFor(file: string, method?: string): RecordedRequest[];
  close(): Promise<void>;
}

/** SHA-256, hex. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The git blob id of `data`, which is what the Hub's ETag is for a non-LFS file. */
export function gitBlobSha1(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Starts the Hub and its CDN on 127.0.0.1, on free ports. */
export async function startHubServer(options: HubServerOptions = {}): Promise<HubServer> {
  const isLfs = options.isLfs ?? ((file: string) => file.endsWith('.onnx'));
  const repos = new Map<string, RepoData>();
  const blobs = new Map<string, { data: Buffer; file: string }>();
  const faults = new Map<string, Fault & { remaining: number }>();
  const requests: RecordedRequest[] = [];
  const tlsMaterial = options.https ? makeSelfSignedCertificate() : undefined;
  const scheme = options.https ? 'https' : 'http';

  const takeFault = (file: string | undefined, kinds: Fault['kind'][]): Fault | undefined => {
    if (file === undefined) return undefined;
    const fault = faults.get(file);
    if (fault === undefined || !kinds.includes(fault.kind) || fault.remaining <= 0) return undefined;
    fault.remaining -= 1;
    return fault;
  };

  /** Writes `data` (or a range of it) with the body faults of `file` applied. */
  const sendBody = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    data: Buffer,
    headers: http.OutgoingHttpHeaders,
  ): void => {
    let body = data;
    let status = 200;
    const outHeaders: http.OutgoingHttpHeaders = { ...headers, 'accept-ranges': 'bytes' };
    const ignoreRange = takeFault(record.file, ['ignore-range']) !== undefined;
    const range = ignoreRange ? undefined : parseRange(req.headers.range, data.length);
    if (range === 'unsatisfiable') {
      record.status = 416;
      res.writeHead(416, { ...outHeaders, 'content-range': `bytes */${data.length}` });
      res.end();
      return;
    }
    if (range !== undefined) {
      status = 206;
      body = data.subarray(range.start, range.end + 1);
      outHeaders['content-range'] = `bytes ${range.start}-${range.end}/${data.length}`;
    }
    outHeaders['content-length'] = body.length;
    record.status = status;
    res.writeHead(status, outHeaders);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (takeFault(record.file, ['corrupt'])) body = Buffer.from(body.map((b) => b ^ 0xff));
    const drop = takeFault(record.file, ['drop']);
    if (drop?.kind === 'drop') {
      const part = body.subarray(0, drop.afterBytes);
      record.bytesSent = part.length;
      // A graceful close (FIN) after the bytes, so the client receives all of them
      // and then sees the body end short of its Content-Length.
      res.write(part, () => res.socket?.end());
      return;
    }
    const trickle = takeFault(record.file, ['trickle']);
    if (trickle?.kind === 'trickle') {
      let offset = 0;
      const timer = setInterval(() => {
        if (res.destroyed || offset >= body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        const piece = body.subarray(offset, offset + trickle.chunkBytes);
        offset += piece.length;
        record.bytesSent += piece.length;
        res.write(piece);
      }, trickle.intervalMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    record.bytesSent = body.length;
    res.end(body);
  };

  let cdnOrigin = '';

  const hubHandler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const record: RecordedRequest = { server: 'hub', method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, status: 0, bytesSent: 0 };
    requests.push(record);
    const fail = (status: number, errorCode?: string, message?: string, retryAfter?: string): void => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        ...(errorCode ? { 'x-error-code': errorCode } : {}),
        ...(message ? { 'x-error-message': message } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ error: message ?? `HTTP ${status}` }));
    };
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]);
    if (!match) {
      fail(404, undefined, 'Not a resolve URL');
      return;
    }
    const repo = match[1];
    const revision = decodeURIComponent(match[2]);
    const file = match[3].split('/').map(decodeURIComponent).join('/');
    record.file = file;

    if (options.requireToken !== undefined && req.headers.authorization !== `Bearer ${options.requireToken}`) {
      fail(401, 'GatedRepo', 'Access to this repository is restricted');
      return;
    }
    const statusFault = takeFault(file, ['status']);
    if (statusFault?.kind === 'status') {
      fail(statusFault.status, statusFault.errorCode, `Injected ${statusFault.status}`, statusFault.retryAfter);
      return;
    }
    const data = repos.get(repo);
    if (data === undefined) {
      fail(404, 'RepoNotFound', 'Repository not found');
      return;
    }
    const commit = data.branches.get(revision) ?? (data.commits.has(revision) ? revision : undefined);
    if (commit === undefined) {
      fail(404, 'RevisionNotFound', 'Invalid rev id');
      return;
    }
    const content = data.commits.get(commit)?.get(file);
    if (content === undefined) {
      fail(404, 'EntryNotFound', 'Entry not found');
      return;
    }
    if (isLfs(file)) {
      const oid = sha256(content);
      blobs.set(oid, { data: content, file });
      record.status = 302;
      const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${content.length}\n`);
      res.writeHead(302, {
        location: `${cdnOrigin}/cdn/${oid}?X-Amz-Signature=secret-signature&Expires=9999999999`,
        'x-linked-etag': `"${oid}"`,
        'x-linked-size': String(content.length),
        'x-repo-commit': commit,
        // The Hub's own ETag for an LFS file describes the pointer, not the bytes.
        etag: `"${gitBlobSha1(pointer)}"`,
      });
      res.end();
      return;
    }
    // Small files: served by the Hub itself; the ETag is the git blob id, sometimes weak.
    sendBody(req, res, record, content, {
      etag: `W/"${gitBlobSha1(content)}"`,
      'x-repo-commit': commit,
      'content-type': 'application/octet-stream',
    });
  };

  const cdnHandler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const record: RecordedRequest = { server: 'cdn', method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, status: 0, bytesSent: 0 };
    requests.push(record);
    const match = /^\/cdn\/([0-9a-f]{64})/.exec(req.url ?? '');
    const blob = match ? blobs.get(match[1]) : undefined;
    if (blob === undefined) {
      record.status = 404;
      res.writeHead(404);
      res.end();
      return;
    }
    record.file = blob.file;
    sendBody(req, res, record, blob.data, { etag: `"cdn-${match?.[1].slice(0, 8)}"`, 'content-type': 'application/octet-stream' });
  };

  const create = (handler: http.RequestListener): http.Server =>
    tlsMaterial ? https.createServer({ cert: tlsMaterial.cert, key: tlsMaterial.key }, handler) : http.createServer(handler);
  const hub = create(hubHandler);
  const cdn = create(cdnHandler);
  const listen = (server: http.Server): Promise<number> =>
    new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const [hubPort, cdnPort] = await Promise.all([listen(hub), listen(cdn)]);
  cdnOrigin = `${scheme}://127.0.0.1:${cdnPort}`;

  return {
    url: `${scheme}://127.0.0.1:${hubPort}`,
    cdnUrl: cdnOrigin,
    ca: tlsMaterial?.cert,
    requests,
    addRepo(repo, files, addOptions = {}) {
      const commit = addOptions.commit ?? randomBytes(20).toString('hex');
      const data = repos.get(repo) ?? { branches: new Map<string, string>(), commits: new Map<string, Map<string, Buffer>>() };
      data.commits.set(commit, new Map(Object.entries(files).map(([p, c]) => [p, Buffer.isBuffer(c) ? c : Buffer.from(c)])));
      data.branches.set(addOptions.branch ?? 'main', commit);
      repos.set(repo, data);
      return commit;
    },
    setFault(file, fault) {
      faults.set(file, { ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    },
    clearFaults() {
      faults.clear();
    },
    requestsFor(file, method) {
      return requests.filter((r) => r.file === file && (method === undefined || r.method === method));
    },
    async close() {
      hub.closeAllConnections();
      cdn.closeAllConnections();
      await Promise.all([new Promise((r) => hub.close(r)), new Promise((r) => cdn.close(r))]);
    },
  };
}
