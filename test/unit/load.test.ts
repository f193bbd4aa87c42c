// Typing as load: hundreds of requests from one caller, each superseding the
// one before. The worker should run a handful, memory should stay flat, and no
// promise may be left rejected without a handler.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engine/engine';
import { tinyEngine } from '../helpers/tiny-model';
import { CancelledError } from '../../src/engine/errors';
import type { MaskResult } from '../../src/engine/types';

const REQUESTS = 500;
const MB = 1024 * 1024;

/** The text after `i` keystrokes: a growing sentence that ends in a mask. */
function typed(i: number): string {
  const words = 'the cat drinks milk and the dog chases the ball while the sky is blue'.split(' ');
  return `${Array.from({ length: 1 + (i % 40) }, (_, k) => words[(i + k) % words.length]).join(' ')} [MASK] .`;
}

/**
 * Asks for the mask after keystroke `i`, handling the outcome at once as an
 * editor provider does (a rejection with no handler yet would be "unhandled").
 */
function fillTyped(engine: Engine, i: number): Promise<PromiseSettledResult<MaskResult[]>> {
  const text = typed(i);
  const start = text.indexOf('[MASK]');
  return engine.fill({ text, masks: [{ start, end: start + 6 }] }, { caller: 'inline' }).then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/** Waits for all, and checks each is either an answer or superseded. */
async function settle(requests: Promise<PromiseSettledResult<MaskResult[]>>[]): Promise<{ answered: number; superseded: number }> {
  let answered = 0;
  let superseded = 0;
  for (const outcome of await Promise.all(requests)) {
    if (outcome.status === 'fulfilled') {
      answered++;
    } else {
      assert.ok(outcome.reason instanceof CancelledError && outcome.reason.reason === 'superseded', String(outcome.reason));
      superseded++;
    }
  }
  return { answered, superseded };
}

describe(`load: ${REQUESTS} requests as typing`, () => {
  let engine: Engine;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    engine = tinyEngine();
    await engine.load();
  });
  after(async () => {
    await engine.dispose();
    process.off('unhandledRejection', onUnhandled);
  });

  test('a burst (no pause between keystrokes): the worker runs two, the last one answers', async () => {
    const before = engine.stats;
    const requests = Array.from({ length: REQUESTS }, (_, i) => fillTyped(engine, i));
    const last = requests[requests.length - 1];
    const { answered, superseded } = await settle(requests);
    const stats = engine.stats;
    const posted = stats.posted - before.posted;
    console.log(`burst of ${REQUESTS}: posted ${posted}, answered ${answered}, superseded ${superseded}`);
    // The first goes straight to the idle worker; every later one replaces the queued one.
    assert.equal(posted, 2);
    assert.equal(answered, 2);
    assert.equal(superseded, REQUESTS - 2);
    assert.equal(stats.superseded - before.superseded, REQUESTS - 2);
    assert.equal(stats.completed - before.completed, posted);
    // Time is counted for the answered requests only: the worker's own, and from posting to the answer around it.
    const workerMs = stats.workerMs - before.workerMs;
    const roundTripMs = stats.roundTripMs - before.roundTripMs;
    assert.ok(workerMs > 0 && roundTripMs >= workerMs, `worker ${workerMs} ms, round trips ${roundTripMs} ms`);
    const lastOutcome = await last;
    assert.ok(lastOutcome.status === 'fulfilled' && lastOutcome.value[0].suggestions.length > 0);
  });

  test('paced typing (one keystroke per turn of the event loop), repeated: bounded work, flat memory, no unhandled rejection', async () => {
    // Warm up: the first rounds allocate the result cache and the worker's buffers.
    for (let round = 0; round < 2; round++) {
      const warm: Promise<PromiseSettledResult<MaskResult[]>>[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        warm.push(fillTyped(engine, i));
        await nextTurn();
      }
      await settle(warm);
    }
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const before = engine.stats;
    let answered = 0;
    let superseded = 0;
    const rounds = 10;
    const started = Date.now();
    for (let round = 0; round < rounds; round++) {
      const requests: Promise<PromiseSettledResult<MaskResult[]>>[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        requests.push(fillTyped(engine, round * REQUESTS + i));
        await nextTurn();
      }
      const outcome = await settle(requests);
      answered += outcome.answered;
      superseded += outcome.superseded;
    }
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const stats = engine.stats;
    const posted = stats.posted - before.posted;
    const total = rounds * REQUESTS;
    console.log(
      `paced, ${total} requests in ${Date.now() - started} ms: posted ${posted}, answered ${answered}, superseded ${superseded}; ` +
        `RSS ${(rssBefore / MB).toFixed(1)} MB before, ${(rssAfter / MB).toFixed(1)} MB after (${((rssAfter - rssBefore) / MB).toFixed(1)} MB)`,
    );
    // Every request either reached the worker or was replaced while queued; nothing is lost or run twice.
    assert.equal(answered + superseded, total);
    assert.equal(posted, answered);
    assert.equal(stats.completed - before.completed, posted);
    // A queued request is replaced by the next keystroke, so the worker never falls behind.
    assert.ok(posted < total / 4, `the worker ran ${posted} of ${total}`);
    // Generous: the worker, its cache (64 windows) and V8's heap settle well within this.
    assert.ok(rssAfter - rssBefore < 100 * MB, `RSS grew by ${((rssAfter - rssBefore) / MB).toFixed(1)} MB`);
    assert.deepEqual(unhandled, []);
  });
});
