/**
 * Preloaded into a child process (`node --require tsx/cjs --require THIS`),
 * and with it into the child's worker threads, which inherit its `execArgv`:
 * records every outgoing network attempt that goes through Node — TCP and TLS
 * connections (net.Socket#connect, which http, https, fetch and tls use), DNS
 * lookups and UDP — as JSON lines in the file `CLOZE_NETWORK_LOG` names. The
 * attempts still go ahead. Each thread first records `loaded`, so a test can
 * tell that the worker was watched too.
 */
import type * as Dgram from 'node:dgram';
import * as fs from 'node:fs';
import type * as Net from 'node:net';
import type * as Tls from 'node:tls';
import { threadId } from 'node:worker_threads';

// The modules themselves, not an import's namespace copy: the patches must be
// what every other module that requires them sees.
/* eslint-disable @typescript-eslint/no-require-imports */
const dgram = require('node:dgram') as typeof import('node:dgram');
const dns = require('node:dns') as typeof import('node:dns');
const net = require('node:net') as typeof import('node:net');
const tls = require('node:tls') as typeof import('node:tls');
/* eslint-enable @typescript-eslint/no-require-imports */

/** One line of the log. */
export interface NetworkRecord {
  kind: 'loaded' | 'connect' | 'tls' | 'lookup' | 'udp';
  thread: number;
  host?: string;
  port?: number;
  path?: string;
}

const file = process.env.CLOZE_NETWORK_LOG;
if (!file) throw new Error('network-recorder: set CLOZE_NETWORK_LOG to the log file');

function record(entry: Omit<NetworkRecord, 'thread'>): void {
  fs.appendFileSync(file as string, `${JSON.stringify({ ...entry, thread: threadId })}\n`);
}

/** Where a connect call goes, from any of its argument shapes. */
function target(args: unknown[]): Pick<NetworkRecord, 'host' | 'port' | 'path'> {
  // net.connect() passes its normalized arguments on as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const second = Array.isArray(args[0]) ? args[0][1] : args[1];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number | string; path?: string };
    return { host: o.host, port: o.port === undefined ? undefined : Number(o.port), path: o.path };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { port: Number(first), host: typeof second === 'string' ? second : undefined };
  }
  return { path: typeof first === 'string' ? first : undefined };
}

record({ kind: 'loaded' });

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: Net.Socket, ...args: unknown[]) {
  record({ kind: 'connect', ...target(args) });
  return (connect as (...a: unknown[]) => Net.Socket).apply(this, args);
} as typeof connect;

const tlsConnect = tls.connect;
(tls as { connect: unknown }).connect = function (...args: unknown[]) {
  record({ kind: 'tls', ...target(args) });
  return (tlsConnect as (...a: unknown[]) => Tls.TLSSocket)(...args);
};

const lookup = dns.lookup;
(dns as { lookup: unknown }).lookup = function (hostname: string, ...rest: unknown[]) {
  record({ kind: 'lookup', host: hostname });
  return (lookup as (...a: unknown[]) => void)(hostname, ...rest);
};
const lookupPromise = dns.promises.lookup;
(dns.promises as { lookup: unknown }).lookup = function (hostname: string, ...rest: unknown[]) {
  record({ kind: 'lookup', host: hostname });
  return (lookupPromise as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
};

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (this: Dgram.Socket, ...args: unknown[]) {
  record({ kind: 'udp' });
  return (send as (...a: unknown[]) => void).apply(this, args);
} as typeof send;
