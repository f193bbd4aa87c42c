/**
 * A tiny forward proxy on 127.0.0.1 for tests: tunnels `CONNECT host:port`
 * and forwards absolute-URI requests (`GET http://host/path`), recording both.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A request the proxy saw. */
export interface ProxyRecord {
  method: string;
  /** `host:port` for CONNECT, the absolute URI otherwise. */
  target: string;
  proxyAuthorization: string | undefined;
}

/** A running proxy. */
export interface TestProxy {
  url: string;
  seen: ProxyRecord[];
  /** Answer every request with this status instead of forwarding (e.g. 403, 407). */
  refuseWith: number | undefined;
  close(): Promise<void>;
}

/** Starts the proxy on a free port. */
export async function startProxy(): Promise<TestProxy> {
  const seen: ProxyRecord[] = [];
  const sockets = new Set<net.Socket>();
  const state: { refuseWith: number | undefined } = { refuseWith: undefined };

  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', target: req.url ?? '', proxyAuthorization: req.headers['proxy-authorization'] });
    if (state.refuseWith !== undefined) {
      res.writeHead(state.refuseWith);
      res.end();
      return;
    }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push({ method: 'CONNECT', target: req.url ?? '', proxyAuthorization: req.headers['proxy-authorization'] });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (state.refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${state.refuseWith} Refused\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get refuseWith() {
      return state.refuseWith;
    },
    set refuseWith(value: number | undefined) {
      state.refuseWith = value;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
