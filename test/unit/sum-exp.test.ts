import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sumExp } from '../../src/engine/decode/sum-exp';

/** The sum as written plainly, the reference. */
const plain = (values: ArrayLike<number>, shift: number): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - shift);
  return sum;
};

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('sumExp', () => {
  it('matches Math.exp term by term within 1e-15, over the whole range a double covers', () => {
    const next = random(1);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = -next() * 745;
      const term = sumExp([x], 0);
      const expected = Math.exp(x);
      // Subnormal results carry fewer bits; their relative error says nothing.
      if (expected > 1e-300) worst = Math.max(worst, relative(term, expected));
    }
    assert.ok(worst < 1e-15, `worst relative error ${worst}`);
  });

  it('sums a vocabulary-wide Float32Array row as the plain loop does', () => {
    const next = random(2);
    for (const spread of [0.1, 5, 40, 200]) {
      const row = Float32Array.from({ length: 30522 }, () => (next() - 0.5) * spread);
      const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
      const sum = sumExp(row, max);
      assert.ok(relative(sum, plain(row, max)) < 1e-14, `spread ${spread}: ${sum} vs ${plain(row, max)}`);
    }
  });

  it('adds nothing for values far below the shift, and 0 for -Infinity', () => {
    assert.equal(sumExp([0, -745.2, -746, -1e6, -Infinity], 0), 1);
    assert.equal(sumExp([-Infinity, -Infinity], 0), 0);
    // Where Math.exp itself is a subnormal of a few bits, the two may differ in the last of them.
    for (const x of [-745.19, -745.14, -745.13, -740, -709]) assert.ok(Math.abs(sumExp([x], 0) - Math.exp(x)) <= 1e-323, `at ${x}`);
  });

  it('gives exactly 1 for a value at the shift', () => {
    assert.equal(sumExp([3.5], 3.5), 1);
    assert.equal(sumExp(Float32Array.of(-2, 7.25, 1), 7.25), Math.exp(-9.25) + 1 + Math.exp(-6.25));
  });

  it('uses Math.exp for values above the shift', () => {
    assert.equal(sumExp([1, 2.5], 0), Math.exp(1) + Math.exp(2.5));
    assert.equal(sumExp([0.001], 0), Math.exp(0.001));
  });

  it('propagates NaN as Math.exp does', () => {
    assert.ok(Number.isNaN(sumExp([0, NaN], 0)));
    assert.ok(Number.isNaN(sumExp([0], NaN)));
  });

  it('returns 0 for an empty row', () => {
    assert.equal(sumExp([], 0), 0);
    assert.equal(sumExp(new Float32Array(0), 0), 0);
  });
});
