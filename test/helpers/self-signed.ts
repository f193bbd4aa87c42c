/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, made at test time
 * with node:crypto alone (Node can sign but has no API to build certificates,
 * so the X.509 structure is written out in DER by hand).
 */
import { X509Certificate, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

function der(tag: number, content: Buffer): Buffer {
  let length: Buffer;
  if (content.length < 0x80) {
    length = Buffer.from([content.length]);
  } else {
    let hex = content.length.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    const bytes = Buffer.from(hex, 'hex');
    length = Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const integer = (bytes: Buffer): Buffer => der(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const utf8 = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
const octets = (bytes: Buffer): Buffer => der(0x04, bytes);
const bits = (bytes: Buffer): Buffer => der(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const explicit = (n: number, content: Buffer): Buffer => der(0xa0 + n, content);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift((rest & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const text = `${pad(date.getUTCFullYear() % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return der(0x17, Buffer.from(text, 'ascii'));
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A PEM certificate and key, valid for a day, for `localhost` and `127.0.0.1`. */
export function makeSelfSignedCertificate(): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8('localhost'))));
  const now = Date.now();
  const serial = randomBytes(8);
  serial[0] &= 0x7f;
  const subjectAltName = sequence(
    oid('2.5.29.17'),
    octets(sequence(der(0x82, Buffer.from('localhost', 'ascii')), der(0x87, Buffer.from([127, 0, 0, 1])))),
  );
  const basicConstraints = sequence(oid('2.5.29.19'), octets(sequence(der(0x01, Buffer.from([0xff])))));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(subjectAltName, basicConstraints)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = pem('CERTIFICATE', sequence(tbs, ecdsaWithSha256, bits(signature)));
  if (!new X509Certificate(certificate).verify(publicKey)) throw new Error('Generated certificate does not verify');
  return { cert: certificate, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
