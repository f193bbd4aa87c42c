/**
 * Proxy support for the command line: choosing a proxy from the conventional
 * environment variables and tunnelling HTTPS through it with HTTP CONNECT.
 *
 * Inside VS Code none of this is used: VS Code patches Node's `http`/`https`
 * modules to apply its own proxy settings, so the extension connects "directly"
 * and lets the editor route the request.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { DownloadError, redactUrl } from './download-error';

/** Environment variables as `process.env` holds them. */
export type Environment = Record<string, string | undefined>;

function envValue(env: Environment, name: string): string | undefined {
  // Lower case first, as curl and most Node tools read them.
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * True when `target` must be reached directly according to a `NO_PROXY` list:
 * comma- or space-separated entries, each `*` (everything), a host name (which
 * also matches its subdomains), `.domain` or `*.domain` (subdomains), or any of
 * these with `:port`. IP ranges (CIDR) are not supported.
 */
export function matchesNoProxy(target: URL, noProxy: string): boolean {
  const hostname = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    // `host:port` and `[v6]:port` carry a port; a bare IPv6 address has several colons.
    const portMatch = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+):(\d+)$/.exec(entry);
    if (portMatch) {
      entry = portMatch[1];
      entryPort = portMatch[2];
    }
    entry = entry.replace(/^\*/, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (entry.startsWith('.')) {
      if (hostname.endsWith(entry) || hostname === entry.slice(1)) return true;
    } else if (hostname === entry || hostname.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/**
 * The proxy to use for `target` according to the environment, or undefined to
 * connect directly. Reads `https_proxy` for https targets and `http_proxy` for
 * http ones (lower case first, then upper case), then `all_proxy`, and honours
 * `no_proxy`. A value without a scheme is taken as `http://`.
 * @throws DownloadError (`proxy`) for a value that is not an http(s) URL.
 */
export function proxyForUrl(target: URL, env: Environment): URL | undefined {
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy !== undefined && matchesNoProxy(target, noProxy)) return undefined;
  const raw =
    (target.protocol === 'https:' ? envValue(env, 'https_proxy') : envValue(env, 'http_proxy')) ??
    envValue(env, 'all_proxy');
  if (raw === undefined) return undefined;
  return parseProxyUrl(raw);
}

/**
 * Parses a proxy setting such as `http://user:pass@proxy:3128` or `proxy:3128`.
 * @throws DownloadError (`proxy`) when it is not an http or https URL.
 */
export function parseProxyUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch (cause) {
    throw new DownloadError('proxy', `The proxy setting \`${redactUrl(raw)}\` is not a URL. Use the form http://host:port.`, redactUrl(raw), { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DownloadError(
      'proxy',
      `Only http:// and https:// proxies are supported, got \`${redactUrl(url)}\`. Point HTTPS_PROXY at an HTTP proxy.`,
      redactUrl(url),
    );
  }
  return url;
}

/** The `Proxy-Authorization` header for a proxy URL with credentials, if any. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Options for {@link ConnectProxyAgent}. */
export interface ConnectProxyAgentOptions extends https.AgentOptions {
  /**
   * Milliseconds to wait for the proxy to answer the CONNECT request.
   * @default 30000
   */
  connectTimeoutMs?: number;
}

/**
 * An `https.Agent` that reaches its targets through an HTTP proxy: it opens a
 * tunnel with `CONNECT host:port`, then speaks TLS to the target inside it.
 * The proxy sees only the target's host and port, never the request.
 *
 * A refusal (any status but 200, e.g. 403 or 407) or an unreachable proxy makes
 * the request fail with a {@link DownloadError} of code `proxy`.
 */
export class ConnectProxyAgent extends https.Agent {
  private readonly connectTimeoutMs: number;

  /**
   * @param proxy - The proxy, `http://` or `https://`, with optional `user:password@`.
   * @param options - TLS options for the target (`ca`, `rejectUnauthorized`) and the CONNECT timeout.
   */
  constructor(
    readonly proxy: URL,
    options: ConnectProxyAgentOptions = {},
  ) {
    // One tunnel per request: keeping tunnels alive would need per-target pools.
    super({ ...options, keepAlive: false });
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const done = callback ?? (() => undefined);
    const host = String(options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = Number(options.port ?? 443);
    const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
    const proxyName = redactUrl(this.proxy);
    const headers: http.OutgoingHttpHeaders = { host: authority };
    const auth = proxyAuthorization(this.proxy);
    if (auth !== undefined) headers['proxy-authorization'] = auth;

    const requestProxy = this.proxy.protocol === 'https:' ? https.request : http.request;
    const connectRequest = requestProxy({
      hostname: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: defaultPort(this.proxy),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      ca: options.ca,
    });
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      done(error, undefined as unknown as Duplex);
    };
    connectRequest.setTimeout(this.connectTimeoutMs, () => {
      connectRequest.destroy();
      fail(new DownloadError('proxy', `The proxy ${proxyName} did not answer within ${this.connectTimeoutMs / 1000} s. Check HTTPS_PROXY, or unset it to connect directly.`, proxyName));
    });
    connectRequest.once('connect', (response, socket, head) => {
      connectRequest.setTimeout(0);
      if (response.statusCode !== 200) {
        socket.destroy();
        const status = response.statusCode ?? 0;
        const hint =
          status === 407
            ? 'The proxy wants credentials: put them in the proxy URL (http://user:password@host:port).'
            : 'Ask the proxy administrator to allow huggingface.co and its download hosts, or set HF_ENDPOINT to a mirror you can reach.';
        fail(new DownloadError('proxy', `The proxy ${proxyName} refused to connect to ${authority} (HTTP ${status} ${response.statusMessage ?? ''}). ${hint}`, proxyName, { status }));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      const tlsOptions: tls.ConnectionOptions = { socket, host };
      const servername = options.servername || (net.isIP(host) ? undefined : host);
      if (servername) tlsOptions.servername = servername;
      // Only copy what is set: an explicit `undefined` would override tls.connect's
      // secure defaults (rejectUnauthorized: true, the standard identity check).
      if (options.ca !== undefined) tlsOptions.ca = options.ca;
      if (options.rejectUnauthorized !== undefined) tlsOptions.rejectUnauthorized = options.rejectUnauthorized;
      if (options.checkServerIdentity !== undefined) tlsOptions.checkServerIdentity = options.checkServerIdentity;
      const tlsSocket = tls.connect(tlsOptions);
      settled = true;
      done(null, tlsSocket);
    });
    connectRequest.once('error', (cause) => {
      fail(new DownloadError('proxy', `Cannot reach the proxy ${proxyName}: ${cause.message}. Check HTTPS_PROXY / HTTP_PROXY, or unset them to connect directly.`, proxyName, { cause }));
    });
    connectRequest.end();
    return undefined;
  }
}
