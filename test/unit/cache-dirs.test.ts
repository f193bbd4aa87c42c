import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cacheDirs, defaultCacheDir, hubCacheDir, isOfflineEnv } from '../../src/models/cache-dirs';
import { readHubToken, tokenFilePath } from '../../src/models/hub-token';

describe('cache folders', () => {
  const home = '/home/u';
  it('finds the Hub cache as huggingface_hub does', () => {
    assert.equal(hubCacheDir({}, home), path.join(home, '.cache', 'huggingface', 'hub'));
    assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/xdg' }, home), path.join('/xdg', 'huggingface', 'hub'));
    assert.equal(hubCacheDir({ HF_HOME: '/hf' }, home), path.join('/hf', 'hub'));
    assert.equal(hubCacheDir({ HF_HOME: '/hf', HF_HUB_CACHE: '/models' }, home), '/models');
  });

  it('keeps Cloze\'s own files in the platform cache folder', () => {
    assert.equal(defaultCacheDir({}, 'linux', home), '/home/u/.cache/cloze');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', home), '/home/u/.cache/cloze', 'a relative XDG_CACHE_HOME is ignored');
    assert.equal(defaultCacheDir({}, 'darwin', home), '/home/u/Library/Caches/cloze');
    assert.equal(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', home), 'C:\\Users\\u\\AppData\\Local\\cloze\\Cache');
  });

  it('a folder the user names holds both, models in its hub/', () => {
    assert.deepEqual(cacheDirs({ env: { CLOZE_CACHE_DIR: '/c', HF_HUB_CACHE: '/m' }, home }), { cloze: '/c', hub: path.join('/c', 'hub') });
    assert.deepEqual(cacheDirs({ env: { CLOZE_CACHE_DIR: '/c' }, override: '/o', home }), { cloze: '/o', hub: path.join('/o', 'hub') });
    assert.deepEqual(cacheDirs({ env: { HF_HUB_CACHE: '/m' }, platform: 'linux', home }), { cloze: '/home/u/.cache/cloze', hub: '/m' });
  });

  it('reads HF_HUB_OFFLINE as huggingface_hub does', () => {
    for (const value of ['1', 'true', 'YES', 'on']) assert.equal(isOfflineEnv({ HF_HUB_OFFLINE: value }), true, value);
    for (const value of [undefined, '', '0', 'false']) assert.equal(isOfflineEnv({ HF_HUB_OFFLINE: value }), false, String(value));
  });
});

describe('readHubToken', () => {
  it('takes HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file, and says where from without the token', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloze-token-'));
    try {
      fs.mkdirSync(path.join(dir, 'hf'));
      fs.writeFileSync(path.join(dir, 'hf', 'token'), 'hf_fromFile\n');
      assert.deepEqual(readHubToken({ HF_TOKEN: ' hf_env ', HF_HOME: path.join(dir, 'hf') }, dir), { token: 'hf_env', source: 'HF_TOKEN' });
      assert.deepEqual(readHubToken({ HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: path.join(dir, 'hf') }, dir), { token: 'hf_old', source: 'HUGGING_FACE_HUB_TOKEN' });
      assert.deepEqual(readHubToken({ HF_TOKEN: '', HF_HOME: path.join(dir, 'hf') }, dir), { token: 'hf_fromFile', source: path.join(dir, 'hf', 'token') });
      fs.writeFileSync(path.join(dir, 'elsewhere'), 'hf_path');
      assert.equal(readHubToken({ HF_TOKEN_PATH: path.join(dir, 'elsewhere') }, dir)?.token, 'hf_path');
      assert.equal(readHubToken({}, dir), undefined);
      assert.equal(tokenFilePath({}, '/home/u'), path.join('/home/u', '.cache', 'huggingface', 'token'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
