import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LANGUAGES, readSettings, whereValueLives } from '../../src/editor/settings';

const stub = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

test('reads the defaults from an empty configuration', () => {
  const s = readSettings(stub({}));
  assert.equal(s.enable, true);
  assert.deepEqual(s.languages, DEFAULT_LANGUAGES);
  assert.equal(s.topK, 5);
  assert.equal(s.maxContextTokens, 128);
  assert.equal(s.inline.debounceMs, 150);
  assert.equal(s.model, 'bert-base-uncased');
  assert.equal(s.modelPath, '');
  assert.equal(s.threads, 0);
  assert.equal(s.maxFileSize, 2_000_000);
});

test('clamps numbers to their bounds and rounds integers', () => {
  const s = readSettings(stub({ topK: 500, minScore: -1, maxContextTokens: 3, 'inline.debounceMs': 12.6, threads: 1000, maxFileSize: -5 }));
  assert.equal(s.topK, 50);
  assert.equal(s.minScore, 0);
  assert.equal(s.maxContextTokens, 16);
  assert.equal(s.inline.debounceMs, 13);
  assert.equal(s.threads, 64);
  assert.equal(s.maxFileSize, 0);
  assert.equal(readSettings(stub({ maxFileSize: 1e12 })).maxFileSize, 1_000_000_000);
});

test('falls back to the default for values of the wrong type', () => {
  const s = readSettings(stub({ enable: 'yes', topK: 'ten', languages: 'markdown', minScore: Number.NaN, model: '' }));
  assert.equal(s.enable, true);
  assert.equal(s.topK, 5);
  assert.deepEqual(s.languages, DEFAULT_LANGUAGES);
  assert.equal(s.minScore, 0);
  assert.equal(s.model, 'bert-base-uncased');
});

test('drops non-string language ids and trims the model path', () => {
  const s = readSettings(stub({ languages: ['markdown', 3, null, 'latex'], modelPath: '  /models/bert \n' }));
  assert.deepEqual(s.languages, ['markdown', 'latex']);
  assert.equal(s.modelPath, '/models/bert');
});

test('reads whole words and the hints, off by default, with bounded thresholds', () => {
  const defaults = readSettings(stub({}));
  assert.equal(defaults.wholeWords, 'words');
  // Thresholds not set: the model's own or the defaults, decided by hintThresholds.
  assert.deepEqual(defaults.hints, { enabled: false, minRatio: undefined, minScore: undefined, similarOnly: true, cpuBudget: 25, ignore: [] });
  assert.deepEqual(readSettings(stub({ 'hints.minRatio': null, 'hints.minScore': null })).hints, defaults.hints);
  const s = readSettings(stub({ wholeWords: 'sometimes', 'hints.enabled': true, 'hints.minRatio': 0, 'hints.minScore': 2, 'hints.cpuBudget': 0.2, 'hints.similarOnly': 'no', 'hints.ignore': [' Then ', 3, ''] }));
  assert.equal(s.wholeWords, 'words');
  assert.deepEqual(s.hints, { enabled: true, minRatio: 1, minScore: 1, similarOnly: true, cpuBudget: 1, ignore: ['then'] });
  assert.equal(readSettings(stub({ wholeWords: 'always' })).wholeWords, 'always');
});

test('cloze.hover: masks and hints by default, and the old cloze.hover.enabled read as off or the default', () => {
  assert.equal(readSettings(stub({})).hover, 'masks and hints');
  assert.equal(readSettings(stub({ hover: 'every word' })).hover, 'every word');
  assert.equal(readSettings(stub({ hover: 'sometimes' })).hover, 'masks and hints');
  assert.equal(readSettings(stub({ 'hover.enabled': false })).hover, 'off');
  assert.equal(readSettings(stub({ 'hover.enabled': true })).hover, 'masks and hints');
  // VS Code nests dotted keys: the old key can come back as an object.
  assert.equal(readSettings(stub({ hover: { enabled: false } })).hover, 'off');
});

test('a toggle writes where the effective value lives', () => {
  assert.deepEqual(whereValueLives(undefined), { target: 'global', overrideInLanguage: false });
  assert.deepEqual(whereValueLives({ globalValue: true }), { target: 'global', overrideInLanguage: false });
  assert.deepEqual(whereValueLives({ globalValue: true, workspaceValue: false }), { target: 'workspace', overrideInLanguage: false });
  assert.deepEqual(whereValueLives({ workspaceValue: false, workspaceFolderValue: true }), { target: 'workspaceFolder', overrideInLanguage: false });
  // A [markdown] value in the user's settings outranks a plain workspace value.
  assert.deepEqual(whereValueLives({ workspaceValue: true, globalLanguageValue: false }), { target: 'global', overrideInLanguage: true });
  assert.deepEqual(whereValueLives({ globalLanguageValue: false, workspaceLanguageValue: true }), { target: 'workspace', overrideInLanguage: true });
  assert.deepEqual(whereValueLives({ workspaceLanguageValue: true, workspaceFolderLanguageValue: false }), { target: 'workspaceFolder', overrideInLanguage: true });
});
