import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';

// The CLI as it ships: the bundle that `npm test` builds first.
const CLI = path.join(__dirname, '../../dist/cli.js');
const TINY = path.join(__dirname, '../fixtures/models/tiny-planted');

function cloze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('cloze fill: joint masks, whole words, targets', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, () => {
  test('fills several masks jointly by default and prints the joint sequence', async () => {
    const { code, stdout } = await cloze(['fill', 'red sweet [MASK] [MASK] .', '--model', TINY, '--top-k', '2']);
    assert.equal(code, 0);
    const lines = stdout.split('\n');
    assert.equal(lines[0], 'joint: red sweet straw straw.');
    assert.match(stdout, /^mask 1 of 2 \(offset 10\): filled at step 2 with straw$/m);
    assert.match(stdout, /^mask 2 of 2 \(offset 17\): filled at step 1 with straw$/m);
  });

  test('--json gives the joint sequence and per mask its step and candidates', async () => {
    const { code, stdout } = await cloze(['fill', 'red sweet [MASK] [MASK] .', '--model', TINY, '--top-k', '2', '--json']);
    assert.equal(code, 0);
    const parsed = JSON.parse(stdout);
    assert.equal(parsed.sequence, 'red sweet straw straw.');
    assert.deepEqual(parsed.masks.map((m: { offset: number; step: number }) => [m.offset, m.step]), [[10, 1], [17, 0]]);
    assert.ok(parsed.masks.every((m: { candidates: unknown[] }) => m.candidates.length === 2));
  });

  test('--independent keeps the pipeline output', async () => {
    const { stdout } = await cloze(['fill', 'red sweet [MASK] [MASK] .', '--model', TINY, '--top-k', '2', '--json', '--independent']);
    const parsed = JSON.parse(stdout);
    assert.equal(parsed.length, 2);
    assert.deepEqual(Object.keys(parsed[0][0]), ['score', 'token', 'token_str', 'sequence']);
  });

  test('--whole-words adds a pieces column and finds strawberries', async () => {
    const { code, stdout } = await cloze(['fill', 'red sweet [MASK] .', '--model', TINY, '--whole-words', '--top-k', '3']);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0], /^score\s+token\s+token_str\s+pieces\s+sequence$/);
    assert.match(lines[1], /^0\.9\d\d\d\s+\d+\s+straw\s+1\s+red sweet straw\.$/);
    assert.match(lines[2], /^0\.0[67]\d\d\s+\d+\s+strawberries\s+2\s+red sweet strawberries\.$/);
  });

  test('--whole-words with several masks asks for --independent', async () => {
    const { code, stderr } = await cloze(['fill', 'red sweet [MASK] [MASK] .', '--model', TINY, '--whole-words']);
    assert.equal(code, 2);
    assert.match(stderr, /add --independent/);
  });

  test('--targets prints target, score, pieces in the order given', async () => {
    const { code, stdout } = await cloze(['fill', 'red sweet [MASK] .', '--model', TINY, '--targets', 'strawberries, apple,milk']);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0], /^target\s+score\s+pieces\s+logprob$/);
    assert.deepEqual(lines.slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)[2]]), [['strawberries', '2'], ['apple', '1'], ['milk', '1']]);
    const json = JSON.parse((await cloze(['fill', 'red sweet [MASK] .', '--model', TINY, '--targets', 'apple', '--json'])).stdout);
    assert.equal(json[0].word, 'apple');
    assert.ok(json[0].score > 0.001 && json[0].score < 0.05);
  });

  test('--pair fills masks in either sentence of a pair and names the sentence', async () => {
    const { code, stdout } = await cloze(['fill', '--pair', 'the sky is [MASK] .', 'the grass is [MASK] .', '--model', TINY, '--top-k', '2', '--independent']);
    assert.equal(code, 0);
    assert.match(stdout, /^mask 1 of 2 \(offset 11\)$/m);
    assert.match(stdout, /^mask 2 of 2 \(sentence 2, offset 13\)$/m);
    const bad = await cloze(['fill', '--pair', 'only one [MASK] .', '--model', TINY]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Expected two sentences with --pair, got 1/);
  });

  test('rejects an empty target', async () => {
    const { code, stderr } = await cloze(['fill', 'red sweet [MASK] .', '--model', TINY, '--targets', 'apple,,milk']);
    assert.equal(code, 2);
    assert.match(stderr, /--targets to be words separated by commas, got `apple,,milk`/);
  });
});

describe('cloze embed', { skip: !fs.existsSync(CLI) && 'run `npm run build` first' }, () => {
  test('prints the dimensions and the vector; --json gives the same numbers', async () => {
    const text = await cloze(['embed', 'the cat drinks milk .', '--model', TINY]);
    assert.equal(text.code, 0);
    const [header, values] = text.stdout.trimEnd().split('\n');
    assert.equal(header, 'dims 32, tokens 7');
    const json = await cloze(['embed', 'the cat drinks milk .', '--model', TINY, '--json']);
    const parsed = JSON.parse(json.stdout);
    assert.deepEqual([parsed.dims, parsed.tokens, parsed.truncated], [32, 7, false]);
    assert.deepEqual(values.split(' '), parsed.vector.map((v: number) => v.toFixed(6)));
  });

  test('says what is missing without text', async () => {
    const { code, stderr } = await cloze(['embed', '--model', TINY]);
    assert.equal(code, 2);
    assert.match(stderr, /Missing text: cloze embed/);
  });
});
