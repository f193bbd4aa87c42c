import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DownloadError } from '../../src/models/download-error';
import { ModelError } from '../../src/engine/errors';
import type { Catalogue } from '../../src/models/model-catalogue';
import { defaultCacheDir, type ModelProgress, ModelStore, parseModelSpec, resolveLocal } from '../../src/models/model-store';
import { layOutHubCache, listTree } from '../helpers/hf-cache';
import { gitBlobSha1, type HubServer, sha256, startHubServer } from '../helpers/hub-server';

const INT8 = randomBytes(200 * 1024);
const FP32 = randomBytes(400 * 1024);
const TOKENIZER = JSON.stringify({ model: { type: 'WordPiece', vocab: { '[MASK]': 0 } } });
const TOKENIZER_CONFIG = JSON.stringify({ mask_token: '[MASK]' });
const CONFIG = JSON.stringify({ model_type: 'bert' });
const REPO = 'test-org/tiny-bert';

function makeCatalogue(revision: string, overrides: { sha256?: string } = {}): Catalogue {
  const common = [
    { path: 'tokenizer.json', name: 'tokenizer.json' },
    { path: 'tokenizer_config.json', name: 'tokenizer_config.json', size: TOKENIZER_CONFIG.length },
    { path: 'config.json', name: 'config.json' },
  ];
  const entry = { repo: REPO, revision, licence: 'MIT', maskToken: '[MASK]', description: 'test model' };
  return {
    version: 1,
    default: 'tiny',
    models: [
      { ...entry, id: 'tiny', displayName: 'Tiny (int8)', precision: 'int8', files: [{ path: 'onnx/model_quantized.onnx', name: 'model.onnx', ...(overrides.sha256 ? { sha256: overrides.sha256 } : {}) }, ...common] },
      { ...entry, id: 'tiny-fp32', displayName: 'Tiny (fp32)', precision: 'fp32', files: [{ path: 'onnx/model.onnx', name: 'model.onnx', sha256: sha256(FP32) }, ...common] },
    ],
  };
}

describe('ModelStore', () => {
  let hub: HubServer;
  let commit: string;
  let cacheDir: string;
  let store: ModelStore;
  const newStore = (extra: Partial<ConstructorParameters<typeof ModelStore>[0]> = {}): ModelStore =>
    new ModelStore({ cacheDir, endpoint: hub.url, catalogue: makeCatalogue(commit), retry: { attempts: 1 }, ...extra });
  const hubDir = (): string => path.join(cacheDir, 'hub');
  const snapshot = (file: string, at = commit): string => path.join(hubDir(), 'models--test-org--tiny-bert', 'snapshots', at, file);

  before(async () => {
    hub = await startHubServer();
    commit = hub.addRepo(REPO, {
      'onnx/model_quantized.onnx': INT8,
      'onnx/model.onnx': FP32,
      'tokenizer.json': TOKENIZER,
      'tokenizer_config.json': TOKENIZER_CONFIG,
      'config.json': CONFIG,
    });
    hub.addRepo('other/root-onnx', { 'model.onnx': INT8, 'tokenizer.json': TOKENIZER });
    hub.addRepo('other/vocab-only', { 'onnx/model.onnx': FP32, 'vocab.txt': '[PAD]\n[UNK]\n[MASK]\n' });
    hub.addRepo('other/no-onnx', { 'pytorch_model.bin': 'x', 'tokenizer.json': TOKENIZER });
  });
  after(() => hub.close());
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-cache-'));
    store = newStore();
    hub.requests.length = 0;
    hub.clearFaults();
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('downloads a catalogue model into the Hub cache layout, with a folder of links and a manifest in its own cache', async () => {
    const progress: ModelProgress[] = [];
    const model = await store.ensure('tiny', { onProgress: (p) => progress.push(p) });
    assert.equal(model.cached, true);
    assert.equal(model.location, 'hub-cache');
    assert.equal(model.dir, path.join(cacheDir, 'models', 'test-org--tiny-bert', commit, 'onnx--model_quantized'));
    // huggingface_hub's layout: blobs named by ETag, relative snapshot links, no ref for a commit id.
    const repoDir = path.join(hubDir(), 'models--test-org--tiny-bert');
    assert.equal(fs.readlinkSync(snapshot('onnx/model_quantized.onnx')), path.join('..', '..', '..', 'blobs', sha256(INT8)));
    assert.deepEqual(fs.readFileSync(path.join(repoDir, 'blobs', sha256(INT8))), INT8);
    assert.equal(fs.readlinkSync(snapshot('config.json')), path.join('..', '..', 'blobs', gitBlobSha1(Buffer.from(CONFIG))));
    assert.deepEqual(fs.readdirSync(repoDir).sort(), ['blobs', 'snapshots']);
    assert.equal(fs.readdirSync(path.join(repoDir, 'blobs')).length, 4, 'no part files left');
    assert.deepEqual(fs.readFileSync(model.modelFile), INT8);
    assert.equal(fs.readFileSync(path.join(model.dir, 'tokenizer.json'), 'utf8'), TOKENIZER);
    assert.deepEqual(fs.readdirSync(model.dir).sort(), ['config.json', 'manifest.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const manifest = JSON.parse(fs.readFileSync(path.join(model.dir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.id, 'tiny');
    assert.equal(manifest.commit, commit);
    assert.equal(manifest.files.find((f: { name: string }) => f.name === 'model.onnx').sha256, sha256(INT8));
    assert.ok(manifest.files.every((f: { downloaded: boolean }) => f.downloaded), 'Cloze downloaded every file');
    assert.deepEqual([...new Set(progress.map((p) => p.file))], ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']);
    assert.ok(progress.every((p) => p.fileCount === 4));

    hub.requests.length = 0;
    const again = await newStore().ensure('tiny');
    assert.equal(again.cached, true);
    assert.equal(hub.requests.length, 0, 'a complete model needs no network');
  });

  it('keeps the int8 and fp32 variants of one repository apart', async () => {
    const int8 = await store.ensure('tiny');
    const fp32 = await store.ensure('tiny-fp32');
    assert.notEqual(int8.dir, fp32.dir);
    assert.deepEqual(fs.readFileSync(fp32.modelFile), FP32);
    assert.deepEqual(fs.readFileSync(int8.modelFile), INT8);
  });

  it('resolves without downloading', async () => {
    const model = await store.resolve('tiny');
    assert.equal(model.cached, false);
    assert.equal(model.kind, 'catalogue');
    assert.equal(model.maskToken, '[MASK]');
    assert.equal(model.files[0].url, `${hub.url}/${REPO}/resolve/${commit}/onnx/model_quantized.onnx`);
    assert.equal(hub.requests.length, 0);
  });

  it('resolves owner/name@rev to onnx/model_quantized.onnx first', async () => {
    const model = await store.resolve(`${REPO}@${commit}`);
    assert.equal(model.kind, 'hub');
    assert.equal(model.files[0].path, 'onnx/model_quantized.onnx');
    assert.equal(model.files[0].sha256, sha256(INT8), 'from X-Linked-Etag');
    assert.deepEqual(model.files.map((f) => f.name), ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']);
    assert.ok(hub.requests.every((r) => r.method === 'HEAD' && r.server === 'hub'));
  });

  it('falls back to model.onnx at the root, and downloads it', async () => {
    const model = await store.ensure('other/root-onnx');
    const heads = hub.requests.filter((r) => r.method === 'HEAD').map((r) => r.file);
    assert.deepEqual(heads.slice(0, 3), ['onnx/model_quantized.onnx', 'onnx/model.onnx', 'model.onnx']);
    assert.equal(model.id, 'other/root-onnx@main');
    assert.equal(model.commit !== undefined && /^[0-9a-f]{40}$/.test(model.commit), true);
    assert.equal(model.dir, path.join(cacheDir, 'models', 'other--root-onnx', model.commit as string, 'model'));
    assert.deepEqual(fs.readFileSync(model.modelFile), INT8);
    assert.equal(fs.readFileSync(path.join(hubDir(), 'models--other--root-onnx', 'refs', 'main'), 'utf8'), model.commit, 'refs/main names the commit');
    assert.equal(model.hasTokenizerJson, true);
  });

  it('accepts a repository with vocab.txt but no tokenizer.json', async () => {
    const model = await store.ensure('other/vocab-only');
    assert.equal(model.hasTokenizerJson, false);
    assert.ok(fs.existsSync(path.join(model.dir, 'vocab.txt')));
  });

  it('works offline once a Hub model is cached', async () => {
    await store.ensure('other/root-onnx');
    hub.requests.length = 0;
    const model = await newStore({ endpoint: 'http://127.0.0.1:1' }).resolve('other/root-onnx');
    assert.equal(model.cached, true);
    assert.equal(hub.requests.length, 0);
  });

  it('says so when a repository has no ONNX export', async () => {
    const error = await store.resolve('other/no-onnx').catch((e: unknown) => e);
    assert.ok(error instanceof DownloadError && error.code === 'http' && error.status === 404, String(error));
    assert.match(error.message, /no ONNX model: looked for onnx\/model_quantized\.onnx, onnx\/model\.onnx, model\.onnx/);
  });

  it('reports a wrong repository or revision as 404', async () => {
    await assert.rejects(store.resolve('nobody/nothing'), (e: unknown) => e instanceof DownloadError && e.status === 404 && /repository does not exist/.test(e.message));
    await assert.rejects(store.resolve(`${REPO}@v404`), (e: unknown) => e instanceof DownloadError && /revision does not exist/.test(e.message));
  });

  it('shares one download between concurrent ensure() calls', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'trickle', chunkBytes: 32 * 1024, intervalMs: 2 });
    const [a, b] = await Promise.all([store.ensure('tiny'), store.ensure('tiny')]);
    assert.equal(a.dir, b.dir);
    assert.deepEqual(fs.readFileSync(a.modelFile), INT8);
    assert.equal(hub.requestsFor('onnx/model_quantized.onnx', 'GET').filter((r) => r.server === 'cdn').length, 1);
  });

  it('shares one download between two stores (two windows) through the file lock', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'trickle', chunkBytes: 32 * 1024, intervalMs: 2 });
    const [a, b] = await Promise.all([newStore().ensure('tiny'), newStore().ensure('tiny')]);
    assert.deepEqual(fs.readFileSync(a.modelFile), INT8);
    assert.equal(a.dir, b.dir);
    assert.equal(hub.requestsFor('onnx/model_quantized.onnx', 'GET').filter((r) => r.server === 'cdn').length, 1);
    for (const name of ['tokenizer.json', 'config.json']) assert.equal(hub.requestsFor(name, 'GET').length, 1, name);
  });

  it('leaves an interrupted model incomplete, then resumes it', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'drop', afterBytes: 50_000, times: 1 });
    await assert.rejects(store.ensure('tiny'), (e: unknown) => e instanceof DownloadError && e.code === 'network');
    const half = await store.resolve('tiny');
    assert.equal(half.cached, false);
    assert.equal(fs.existsSync(path.join(half.dir, 'manifest.json')), false);
    const kept = fs.statSync(path.join(hubDir(), 'models--test-org--tiny-bert', 'blobs', `${sha256(INT8)}.cloze.incomplete`)).size;
    assert.ok(kept > 0 && kept <= 50_000);

    hub.requests.length = 0;
    await store.ensure('tiny');
    const cdn = hub.requestsFor('onnx/model_quantized.onnx', 'GET').filter((r) => r.server === 'cdn');
    assert.equal(cdn[0].headers.range, `bytes=${kept}-`);
    assert.equal(cdn[0].bytesSent, INT8.length - kept);
  });

  it('rejects a model whose bytes do not match the catalogue hash, writing no manifest and keeping no bytes', async () => {
    const wrong = newStore({ catalogue: makeCatalogue(commit, { sha256: 'f'.repeat(64) }) });
    await assert.rejects(wrong.ensure('tiny'), (e: unknown) => e instanceof DownloadError && e.code === 'checksum');
    const dir = (await wrong.resolve('tiny')).dir;
    assert.equal(fs.existsSync(path.join(dir, 'manifest.json')), false);
    assert.equal(fs.existsSync(snapshot('onnx/model_quantized.onnx')), false);
    assert.deepEqual(fs.readdirSync(path.join(hubDir(), 'models--test-org--tiny-bert', 'blobs')), []);
  });

  it('rejects corrupted bytes from the server and removes them', async () => {
    hub.setFault('onnx/model_quantized.onnx', { kind: 'corrupt' });
    await assert.rejects(store.ensure('tiny'), (e: unknown) => e instanceof DownloadError && e.code === 'checksum' && /failed its checksum/.test(e.message));
    assert.deepEqual(fs.readdirSync(path.join(hubDir(), 'models--test-org--tiny-bert', 'blobs')), []);
  });

  it('reports a full disk as `disk` and leaves no partial file', async () => {
    const full = newStore({
      createWriteStream: () =>
        new Writable({
          write(_chunk, _encoding, callback) {
            callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
          },
        }),
    });
    await assert.rejects(full.ensure('tiny'), (e: unknown) => e instanceof DownloadError && e.code === 'disk' && /disk is full/.test(e.message));
    assert.deepEqual(fs.readdirSync(path.join(hubDir(), 'models--test-org--tiny-bert', 'blobs')), []);
  });

  it('lists catalogue models and other cached folders, and removes them', async () => {
    await store.ensure('tiny');
    await store.ensure('other/root-onnx');
    const listing = await store.list();
    assert.deepEqual(listing.catalogue.map((c) => [c.entry.id, c.cached]), [['tiny', true], ['tiny-fp32', false]]);
    assert.ok(listing.catalogue[0].sizeOnDisk >= INT8.length);
    assert.equal(listing.catalogue[1].sizeOnDisk, 0);
    assert.deepEqual(listing.others.map((o) => [o.id, o.complete]), [['other/root-onnx@main', true]]);

    assert.deepEqual(await store.remove('tiny'), [listing.catalogue[0].dir]);
    assert.equal((await store.resolve('tiny')).cached, false);
    assert.deepEqual(await store.remove('other/root-onnx'), [listing.others[0].dir]);
    assert.deepEqual(fs.readdirSync(cacheDir), ['hub'], 'empty parents are pruned');
    assert.deepEqual(fs.readdirSync(hubDir()), ['.locks'], 'what Cloze downloaded is gone from the Hub cache');
  });

  it('removes the whole cache but never a local folder', async () => {
    await store.ensure('tiny');
    await store.ensure('other/vocab-only');
    assert.equal((await store.remove()).length, 2);
    assert.deepEqual(fs.readdirSync(cacheDir), ['hub']);
    assert.deepEqual(fs.readdirSync(hubDir()), ['.locks']);
    await assert.rejects(store.remove(os.tmpdir()), TypeError);
  });

  it('lists an interrupted Hub download as incomplete', async () => {
    hub.setFault('onnx/model.onnx', { kind: 'drop', afterBytes: 1000, times: 1 });
    await assert.rejects(store.ensure('other/vocab-only'));
    const listing = await store.list();
    assert.deepEqual(listing.others.map((o) => [o.id, o.complete]), [['other/vocab-only@main', false]]);
    assert.ok(listing.others[0].sizeOnDisk >= 1000);
  });

  it('reads the catalogue from a package root', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-pkg-'));
    try {
      fs.mkdirSync(path.join(root, 'models'));
      fs.writeFileSync(path.join(root, 'models', 'catalogue.json'), JSON.stringify(makeCatalogue(commit)));
      const fromRoot = new ModelStore({ cacheDir, packageRoot: root, endpoint: hub.url });
      assert.equal((await fromRoot.catalogue()).default, 'tiny');
      assert.equal((await fromRoot.resolve('tiny')).id, 'tiny');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('validates its options', () => {
    assert.throws(() => new ModelStore({ cacheDir: '', catalogue: makeCatalogue('x') }), TypeError);
    assert.throws(() => new ModelStore({ cacheDir }), /packageRoot/);
    assert.equal(new ModelStore({ cacheDir, catalogue: makeCatalogue('x'), endpoint: 'https://mirror.example/' }).endpoint, 'https://mirror.example');
  });
});

describe('resolveLocal', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-local-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a folder with model.onnx and only vocab.txt', async () => {
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'x');
    fs.writeFileSync(path.join(dir, 'vocab.txt'), '[MASK]\n');
    const model = await resolveLocal(dir);
    assert.equal(model.kind, 'local');
    assert.equal(model.cached, true);
    assert.equal(model.hasTokenizerJson, false);
    assert.equal(model.modelFile, path.join(dir, 'model.onnx'));
  });

  it('finds a transformers.js layout (onnx/model_quantized.onnx)', async () => {
    fs.mkdirSync(path.join(dir, 'onnx'));
    fs.writeFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), 'x');
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
    const model = await resolveLocal(dir);
    assert.equal(model.modelFile, path.join(dir, 'onnx', 'model_quantized.onnx'));
    assert.equal(model.hasTokenizerJson, true);
  });

  it('rejects a folder without a model or a tokenizer, naming what is missing', async () => {
    await assert.rejects(resolveLocal(path.join(dir, 'missing')), (e: unknown) => e instanceof ModelError && e.code === 'missing-file' && /does not exist/.test(e.message));
    await assert.rejects(resolveLocal(dir), /No ONNX model in .*expected model\.onnx/);
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'x');
    await assert.rejects(resolveLocal(dir), /No tokenizer in .*tokenizer\.json or vocab\.txt/);
  });
});

describe('parseModelSpec', () => {
  const catalogue = makeCatalogue('abc');
  it('tells catalogue ids, Hub repositories and folders apart', () => {
    assert.deepEqual(parseModelSpec('tiny', catalogue), { kind: 'catalogue', id: 'tiny' });
    assert.deepEqual(parseModelSpec('Xenova/bert-base-cased', catalogue), { kind: 'hub', repo: 'Xenova/bert-base-cased', revision: 'main', explicitRevision: false });
    assert.deepEqual(parseModelSpec('Xenova/bert-base-cased@refs/pr/1', catalogue), { kind: 'hub', repo: 'Xenova/bert-base-cased', revision: 'refs/pr/1', explicitRevision: true });
    assert.deepEqual(parseModelSpec('./models/x', catalogue), { kind: 'local', dir: path.resolve('models/x') });
    assert.deepEqual(parseModelSpec('/abs/path', catalogue), { kind: 'local', dir: path.resolve('/abs/path') });
    assert.deepEqual(parseModelSpec('~/m', catalogue), { kind: 'local', dir: path.join(os.homedir(), 'm') });
    assert.deepEqual(parseModelSpec('test', catalogue).kind, 'local', 'an existing folder');
  });

  it('rejects anything else with the catalogue ids in the message', () => {
    assert.throws(() => parseModelSpec('no-such-model', catalogue), /catalogue id \(tiny, tiny-fp32\)/);
    assert.throws(() => parseModelSpec('a/b/c', catalogue), TypeError);
    assert.throws(() => parseModelSpec('a/b@../../x', catalogue), TypeError);
    assert.throws(() => parseModelSpec(' ', catalogue), TypeError);
  });
});

describe('defaultCacheDir', () => {
  it('follows each platform\'s convention, and CLOZE_CACHE_DIR first', () => {
    assert.equal(defaultCacheDir({}, 'linux', '/home/u'), '/home/u/.cache/cloze');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u'), '/xdg/cloze');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u'), '/home/u/.cache/cloze');
    assert.equal(defaultCacheDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Caches/cloze');
    assert.equal(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\cloze\\Cache');
    assert.equal(defaultCacheDir({}, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Local\\cloze\\Cache');
    assert.equal(defaultCacheDir({ CLOZE_CACHE_DIR: '/custom' }, 'darwin', '/Users/u'), '/custom');
  });
});

describe('ModelStore and the shared Hugging Face cache', () => {
  const COMMIT = 'a'.repeat(40);
  const files = { 'onnx/model_quantized.onnx': INT8, 'onnx/model.onnx': FP32, 'tokenizer.json': TOKENIZER, 'tokenizer_config.json': TOKENIZER_CONFIG, 'config.json': CONFIG };
  let cacheDir: string;
  let hubDir: string;
  const offlineStore = (): ModelStore =>
    new ModelStore({ cacheDir, hubCacheDir: hubDir, endpoint: 'http://127.0.0.1:1', catalogue: makeCatalogue(COMMIT), offline: true });
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-shared-'));
    hubDir = path.join(cacheDir, 'huggingface', 'hub');
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('uses a model huggingface_hub laid out, offline, by catalogue id and by owner/name, and never removes its files', async () => {
    layOutHubCache(hubDir, REPO, files, { commit: COMMIT });
    const before = listTree(hubDir);
    const store = offlineStore();
    const int8 = await store.ensure('tiny');
    assert.equal(int8.location, 'hub-cache');
    assert.deepEqual(fs.readFileSync(int8.modelFile), INT8);
    const fp32 = await store.ensure('tiny-fp32');
    assert.deepEqual(fs.readFileSync(fp32.modelFile), FP32, 'the fp32 folder links onnx/model.onnx, not the int8 file beside it');
    const byName = await store.ensure(REPO);
    assert.equal(byName.commit, COMMIT, 'refs/main read');
    assert.deepEqual(fs.readFileSync(byName.modelFile), INT8);
    const listing = await store.list();
    assert.deepEqual(listing.catalogue.map((c) => [c.entry.id, c.cached, c.downloadedBytes]), [['tiny', true, 0], ['tiny-fp32', true, 0]]);

    assert.equal((await store.remove()).length, 2, 'owner/name at main is the same folder as tiny');
    assert.deepEqual(listTree(hubDir), before, 'files another tool downloaded stay');
    assert.equal((await store.resolve('tiny')).cached, true, 'and are found again');
    await store.remove('tiny', { shared: true });
    assert.equal(fs.existsSync(path.join(hubDir, 'models--test-org--tiny-bert', 'snapshots', COMMIT, 'onnx', 'model_quantized.onnx')), false, 'unless asked for by name');
    assert.equal(fs.existsSync(path.join(hubDir, 'models--test-org--tiny-bert', 'blobs', sha256(INT8))), false);
  });

  it('offline, a model not on disk is an `offline` error that names the Hub cache', async () => {
    const store = offlineStore();
    await assert.rejects(store.ensure('tiny'), (e: unknown) => e instanceof DownloadError && e.code === 'offline' && e.message.includes(hubDir));
    await assert.rejects(store.resolve('other/thing'), (e: unknown) => e instanceof DownloadError && e.code === 'offline');
  });

  it('keeps a file two of its models use until the last of them is removed', async () => {
    const hub = await startHubServer();
    try {
      const commit = hub.addRepo(REPO, files);
      const store = new ModelStore({ cacheDir, hubCacheDir: hubDir, endpoint: hub.url, catalogue: makeCatalogue(commit) });
      await store.ensure('tiny');
      await store.ensure('tiny-fp32');
      const tokenizerBlob = path.join(hubDir, 'models--test-org--tiny-bert', 'blobs', gitBlobSha1(Buffer.from(TOKENIZER)));
      await store.remove('tiny');
      assert.ok(fs.existsSync(tokenizerBlob), 'still used by tiny-fp32');
      assert.equal(fs.existsSync(path.join(hubDir, 'models--test-org--tiny-bert', 'blobs', sha256(INT8))), false);
      await store.remove('tiny-fp32');
      assert.deepEqual(listTree(hubDir), []);
    } finally {
      await hub.close();
    }
  });

  it('moves a model an earlier version downloaded into the Hub cache, once', async () => {
    const legacy = path.join(cacheDir, 'test-org--tiny-bert', COMMIT, 'onnx--model_quantized');
    fs.mkdirSync(legacy, { recursive: true });
    const entries = [
      ['model.onnx', 'onnx/model_quantized.onnx', INT8, sha256(INT8)],
      ['tokenizer.json', 'tokenizer.json', Buffer.from(TOKENIZER), gitBlobSha1(Buffer.from(TOKENIZER))],
      ['tokenizer_config.json', 'tokenizer_config.json', Buffer.from(TOKENIZER_CONFIG), gitBlobSha1(Buffer.from(TOKENIZER_CONFIG))],
      ['config.json', 'config.json', Buffer.from(CONFIG), gitBlobSha1(Buffer.from(CONFIG))],
    ] as const;
    for (const [name, , data] of entries) fs.writeFileSync(path.join(legacy, name), data);
    fs.writeFileSync(
      path.join(legacy, 'manifest.json'),
      JSON.stringify({ version: 1, id: 'tiny', repo: REPO, revision: COMMIT, commit: COMMIT, endpoint: 'x', onnxPath: 'onnx/model_quantized.onnx', downloadedAt: 'x', files: entries.map(([name, p, data, etag]) => ({ name, path: p, size: data.length, sha256: sha256(data), etag })) }),
    );
    const store = offlineStore();
    const model = await store.ensure('tiny');
    assert.equal(model.location, 'hub-cache');
    assert.deepEqual(fs.readFileSync(model.modelFile), INT8);
    assert.equal(fs.existsSync(path.join(cacheDir, 'test-org--tiny-bert')), false, 'the old folder is gone');
    assert.equal(fs.readlinkSync(path.join(hubDir, 'models--test-org--tiny-bert', 'snapshots', COMMIT, 'config.json')), path.join('..', '..', 'blobs', gitBlobSha1(Buffer.from(CONFIG))));
    assert.deepEqual((await store.list()).catalogue[0].downloadedBytes > 0, true, 'counted as downloaded by Cloze');
  });

  it('uses an earlier version\'s folder where it is when it cannot be moved (no ETags recorded)', async () => {
    const legacy = path.join(cacheDir, 'test-org--tiny-bert', COMMIT, 'onnx--model_quantized');
    fs.mkdirSync(legacy, { recursive: true });
    fs.writeFileSync(path.join(legacy, 'model.onnx'), INT8);
    fs.writeFileSync(path.join(legacy, 'manifest.json'), JSON.stringify({ version: 1, id: 'tiny', repo: REPO, revision: COMMIT, endpoint: 'x', onnxPath: 'onnx/model_quantized.onnx', downloadedAt: 'x', files: [{ name: 'model.onnx', path: 'onnx/model_quantized.onnx', size: INT8.length, sha256: sha256(INT8) }] }));
    const model = await offlineStore().ensure('tiny');
    assert.equal(model.location, 'legacy');
    assert.equal(model.dir, legacy);
  });
});
