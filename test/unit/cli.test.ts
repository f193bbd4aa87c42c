import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hubFilesOf, startHubServer, type HubServer } from '../helpers/hub-server';

// The CLI as it ships: the bundle that `npm test` builds first.
const CLI = path.join(__dirname, '../../dist/cli.js');
const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');
const answers: { text: string; top1: string }[] = JSON.parse(fs.readFileSync(path.join(TINY, 'answers.json'), 'utf8'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cloze(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

describe('cloze fill', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, () => {
  test('reproduces every planted answer', async () => {
    for (const { text, top1 } of answers) {
      const { code, stdout } = await cloze(['fill', text, '--model', TINY, '--json', '--top-k', '1']);
      assert.equal(code, 0);
      assert.equal(JSON.parse(stdout)[0].token_str, top1, text);
    }
  });

  test('prints the pipeline table: score, token, token_str, sequence', async () => {
    const { code, stdout } = await cloze(['fill', 'the cat drinks [MASK] .', '--model', TINY, '--top-k', '3']);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0], /^score\s+token\s+token_str\s+sequence$/);
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^0\.99\d\d\s+\d+\s+milk\s+the cat drinks milk\.$/);
  });

  test('prints one table per mask, and a list per mask as JSON', async () => {
    const text = 'the cat drinks [MASK] . the sky is [MASK] .';
    const table = await cloze(['fill', text, '--model', TINY, '--top-k', '2', '--independent']);
    assert.equal(table.stdout.match(/^mask \d of 2/gm)?.length, 2);
    const json = await cloze(['fill', text, '--model', TINY, '--top-k', '2', '--json', '--independent']);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.length, 2);
    assert.ok(parsed.every((rows: unknown[]) => rows.length === 2));
  });

  test('reads the text from standard input with --file -', async () => {
    const { code, stdout } = await cloze(['fill', '--file', '-', '--model', TINY, '--json', '--top-k', '1'], { input: 'the sky is [MASK] .\n' });
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout)[0].token_str, 'blue');
  });

  test('says clearly when the text has no mask, with exit code 2', async () => {
    const { code, stderr } = await cloze(['fill', 'no mask here', '--model', TINY]);
    assert.equal(code, 2);
    assert.match(stderr, /No \[MASK\] in the text/);
  });

  test('fills a blank inserted with --at, the text on both sides as it is', async () => {
    const end = await cloze(['fill', 'the sky is ', '--at', 'end', '--model', TINY, '--top-k', '1', '--json']);
    assert.equal(end.code, 0, end.stderr);
    assert.equal(JSON.parse(end.stdout)[0].token_str, 'blue');
    const inner = await cloze(['fill', 'the cat drinks  .', '--at', '15', '--model', TINY, '--top-k', '1', '--json']);
    assert.equal(JSON.parse(inner.stdout)[0].sequence, 'the cat drinks milk.');
    const bad = await cloze(['fill', 'the sky', '--at', '99', '--model', TINY]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--at to be an offset from 0 to 7.*`99`/);
  });

  test('--replace asks for alternatives to a word; --alternatives meaning keeps its meaning', async () => {
    const MEANING = path.join(__dirname, '../fixtures/models/tiny-meaning');
    const fit = await cloze(['fill', 'a big car .', '--replace', 'big', '--model', MEANING, '--top-k', '1', '--json']);
    assert.equal(fit.code, 0, fit.stderr);
    assert.equal(JSON.parse(fit.stdout)[0].token_str, 'small');
    const meaning = await cloze(['fill', 'a big car .', '--replace', 'big', '--alternatives', 'meaning', '--model', MEANING, '--top-k', '1', '--json']);
    assert.equal(JSON.parse(meaning.stdout)[0].token_str, 'large');
    const bad = await cloze(['fill', 'a big car .', '--replace', 'big', '--alternatives', 'synonyms', '--model', MEANING]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--alternatives to be fit or meaning, got `synonyms`/);
  });

  test('rejects a bad --top-k with the offending value', async () => {
    const { code, stderr } = await cloze(['fill', 'a [MASK]', '--model', TINY, '--top-k', '0']);
    assert.equal(code, 2);
    assert.match(stderr, /got `0`/);
  });

  test('names a missing model folder', async () => {
    const { code, stderr } = await cloze(['fill', 'a [MASK]', '--model', '/nonexistent/folder']);
    assert.equal(code, 1);
    assert.match(stderr, /nonexistent/);
  });

  test('rejects an unknown option and an unknown command', async () => {
    assert.equal((await cloze(['fill', 'a [MASK]', '--frobnicate'])).code, 2);
    assert.equal((await cloze(['frobnicate'])).code, 2);
  });

  test('rejects an option the command does not take, naming both', async () => {
    const { code, stderr } = await cloze(['models', '--pair']);
    assert.equal(code, 2);
    assert.match(stderr, /^cloze: `cloze models` does not take --pair$/m);
    const embed = await cloze(['embed', 'some text', '--model', TINY, '--top-k', '3']);
    assert.equal(embed.code, 2);
    assert.match(embed.stderr, /`cloze embed` does not take --top-k/);
  });

  test('--version prints the package version', async () => {
    const { code, stdout } = await cloze(['--version']);
    assert.equal(code, 0);
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    assert.equal(stdout, `${version}\n`);
  });
});

describe('cloze fill without --model', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, () => {
  let hub: HubServer;
  let cache: string;
  let commit: string;
  before(async () => {
    hub = await startHubServer();
    commit = hub.addRepo('test-org/tiny-planted', hubFilesOf(TINY));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-cli-cache-'));
  });
  after(async () => {
    await hub.close();
    fs.rmSync(cache, { recursive: true, force: true });
  });

  test('downloads the model named by CLOZE_MODEL on first use, verified, then works offline from the cache', async () => {
    const env = { HF_ENDPOINT: hub.url, CLOZE_CACHE_DIR: cache, CLOZE_MODEL: `test-org/tiny-planted@${commit}` };
    const first = await cloze(['fill', 'the sky is [MASK] .', '--json', '--top-k', '1'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Downloading test-org\/tiny-planted/);
    assert.match(first.stderr, /verified/);
    assert.equal(JSON.parse(first.stdout)[0].token_str, 'blue');
    const served = hub.requests.length;
    await hub.close();
    const offline = await cloze(['fill', 'the grass is [MASK] .', '--json', '--top-k', '1'], { env });
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout)[0].token_str, 'green');
    assert.doesNotMatch(offline.stderr, /Downloading/);
    assert.equal(hub.requests.length, served);
  });
});
