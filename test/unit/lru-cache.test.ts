import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from '../../src/engine/lru-cache';

test('evicts the least recently used entry', () => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.get('a'), 1);
  cache.set('c', 3);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  assert.equal(cache.size, 2);
});

test('capacity 0 caches nothing', () => {
  const cache = new LruCache<string, number>(0);
  cache.set('a', 1);
  assert.equal(cache.get('a'), undefined);
});

test('rejects a negative or fractional capacity', () => {
  assert.throws(() => new LruCache(-1), RangeError);
  assert.throws(() => new LruCache(1.5), /non-negative integer, got `1.5`/);
});
