import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ModelError } from '../../src/engine/errors';
import { findPackageRoot, loadCatalogue, validateCatalogue } from '../../src/models/model-catalogue';

const root = findPackageRoot(__dirname);

describe('models/catalogue.json', () => {
  it('is found from the tests and validates', async () => {
    assert.equal(root, path.resolve(__dirname, '..', '..'));
    const catalogue = await loadCatalogue(root);
    assert.equal(catalogue.default, 'bert-base-uncased');
  });

  it('has the models the README promises, each pinned to a full commit or to main', async () => {
    const catalogue = await loadCatalogue(root);
    const ids = catalogue.models.map((m) => m.id);
    for (const id of ['bert-base-uncased', 'bert-base-uncased-fp32', 'bert-base-cased', 'distilbert-base-uncased', 'roberta-base']) assert.ok(ids.includes(id), id);
    const readme = fs.readFileSync(path.join(root, 'models', 'README.md'), 'utf8');
    for (const model of catalogue.models) {
      assert.match(model.revision, /^([0-9a-f]{40}|main)$/, `${model.id} revision`);
      if (model.revision === 'main') assert.match(readme, new RegExp(`\`${model.id}\`[^\\n]*\\*\\*\`main\`\\*\\*`), `${model.id}: README explains the unpinned revision`);
      else assert.ok(readme.includes(model.revision.slice(0, 8)), `${model.id}: README gives the source of ${model.revision}`);
      assert.equal(model.files.find((f) => f.name === 'model.onnx')?.path.endsWith('.onnx'), true);
    }
    const defaultModel = catalogue.models.find((m) => m.id === 'bert-base-uncased');
    assert.equal(defaultModel?.repo, 'Xenova/bert-base-uncased');
    assert.equal(defaultModel?.files[0].path, 'onnx/model_quantized.onnx');
    assert.equal(catalogue.models.find((m) => m.id === 'roberta-base')?.maskToken, '<mask>');
  });

  it('documents every field it uses in models/README.md', async () => {
    const readme = fs.readFileSync(path.join(root, 'models', 'README.md'), 'utf8');
    const raw = JSON.parse(fs.readFileSync(path.join(root, 'models', 'catalogue.json'), 'utf8')) as {
      models: Array<Record<string, unknown> & { files: Array<Record<string, unknown>> }>;
    } & Record<string, unknown>;
    const keys = new Set<string>(Object.keys(raw));
    for (const model of raw.models) {
      for (const key of Object.keys(model)) keys.add(key);
      for (const file of model.files) for (const key of Object.keys(file)) keys.add(key);
    }
    for (const key of keys) assert.ok(readme.includes(`| \`${key}\` |`), `README documents \`${key}\``);
  });
});

describe('validateCatalogue', () => {
  const valid = {
    version: 1,
    default: 'm',
    models: [
      {
        id: 'm',
        displayName: 'M',
        repo: 'o/n',
        revision: 'main',
        files: [
          { path: 'onnx/model.onnx', name: 'model.onnx' },
          { path: 'tokenizer.json', name: 'tokenizer.json' },
        ],
        licence: 'MIT',
        maskToken: '[MASK]',
        precision: 'int8',
        description: 'd',
      },
    ],
  };
  const withModel = (patch: Record<string, unknown>): unknown => ({ ...valid, models: [{ ...valid.models[0], ...patch }] });

  it('accepts a minimal catalogue', () => {
    assert.equal(validateCatalogue(valid).models[0].id, 'm');
  });

  it('names the offending field and value', () => {
    const rejects = (data: unknown, pattern: RegExp): void => {
      assert.throws(() => validateCatalogue(data, 'c.json'), (e: unknown) => e instanceof ModelError && e.code === 'invalid-config' && pattern.test(e.message));
    };
    rejects({ ...valid, version: 2 }, /`version` 1, got `2`/);
    rejects({ ...valid, default: 'x' }, /`default` names `x`/);
    rejects(withModel({ repo: 'no-slash' }), /models\[0\]\.repo.*`no-slash`/);
    rejects(withModel({ precision: 'fp16' }), /precision.*"fp16"/);
    rejects(withModel({ id: 'Bad Id' }), /models\[0\]\.id/);
    rejects(withModel({ files: [{ path: 'a', name: 'weights.bin' }] }), /files\[0\]\.name.*weights\.bin/);
    rejects(withModel({ files: [{ path: 'tokenizer.json', name: 'tokenizer.json' }] }), /no file named model\.onnx/);
    rejects(withModel({ files: [{ path: 'm.onnx', name: 'model.onnx', sha256: 'ABC' }, { path: 't', name: 'vocab.txt' }] }), /sha256.*"ABC"/);
    rejects(withModel({ files: [{ path: 'm.onnx', name: 'model.onnx', size: -1 }, { path: 't', name: 'vocab.txt' }] }), /size.*-1/);
    rejects({ ...valid, models: [valid.models[0], valid.models[0]] }, /duplicate id `m`/);
  });
});
