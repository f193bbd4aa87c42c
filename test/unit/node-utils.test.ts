import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { sha256OfFile } from '../../src/node-utils';

test('sha256OfFile hashes an empty file and one longer than its 4 MiB chunk', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-node-utils-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '');
  assert.equal(sha256OfFile(empty), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const data = Buffer.alloc(4 * 1024 * 1024 + 12345);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) % 251;
  const big = path.join(dir, 'big');
  fs.writeFileSync(big, data);
  assert.equal(sha256OfFile(big), crypto.createHash('sha256').update(data).digest('hex'));
});

test('sha256OfFile rejects a missing file', () => {
  assert.throws(() => sha256OfFile(path.join(os.tmpdir(), 'cloze-no-such-file-for-sha256')), { code: 'ENOENT' });
});
