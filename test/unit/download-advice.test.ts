import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { downloadAdvice } from '../../src/editor/download-advice';
import { DownloadError } from '../../src/models/download-error';
import { downloadFile } from '../../src/models/file-transfer';

/** A port nothing listens on: the download fails as it does offline. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('an offline download tells an editor user what to do in the editor, not on the command line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-advice-'));
  try {
    const url = `http://127.0.0.1:${await deadPort()}/bert-base-uncased/resolve/main/onnx/model.onnx`;
    const error = await downloadFile({ url, dest: path.join(dir, 'model.onnx') }).then(
      () => assert.fail('the download should fail'),
      (e: unknown) => e,
    );
    const message = downloadAdvice('bert-base-uncased', error);
    assert.match(message, /bert-base-uncased/);
    assert.match(message, /127\.0\.0\.1:\d+ cannot be reached/);
    // The buttons the editor shows beside it, and the setting for a mirror.
    assert.match(message, /Retry/);
    assert.match(message, /choose a model folder you already have/);
    assert.match(message, /cloze\.hubEndpoint/);
    assert.doesNotMatch(message, /--model|run the (same )?command again|HF_ENDPOINT/i);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('each kind of failure gets its own advice, none of it for the command line', () => {
  const cases: [DownloadError, RegExp][] = [
    [new DownloadError('proxy', 'Proxy refused. Run again.', 'https://huggingface.co/x'), /http\.proxy/],
    [new DownloadError('http', 'HTTP 404. Run again.', 'https://huggingface.co/x', { status: 404 }), /HTTP 404.*Select another model/],
    [new DownloadError('http', 'HTTP 503. Run again.', 'https://huggingface.co/x', { status: 503 }), /HTTP 503.*cloze\.hubEndpoint/],
    [new DownloadError('disk', 'Disk full. Set CLOZE_CACHE_DIR, then run again.', 'https://huggingface.co/x'), /Free some space, then Retry/],
    [new DownloadError('checksum', 'Mismatch. Run again.', 'https://huggingface.co/x'), /damaged.*Retry/],
  ];
  for (const [error, expected] of cases) {
    const message = downloadAdvice('m', error);
    assert.match(message, expected, error.code);
    assert.doesNotMatch(message, /--model|run (the same command )?again|CLOZE_CACHE_DIR|HF_ENDPOINT/i, error.code);
  }
  assert.match(downloadAdvice('m', new Error('boom')), /boom.*Retry/);
});
