import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledError, ModelError, WorkerError } from '../../src/engine/errors';
import { deserializeError, isAnswerTo, serializeError, type AnswerMessage } from '../../src/engine/protocol';

/** An error as the client sees it after a trip through the worker boundary (structured clone included). */
const crossed = (error: unknown) => deserializeError(structuredClone(serializeError(error)));

describe('errors crossing the worker boundary', () => {
  test('a CancelledError keeps its reason', () => {
    for (const reason of ['aborted', 'superseded', 'disposed'] as const) {
      const error = crossed(new CancelledError(reason, `Request ${reason}`));
      assert.ok(error instanceof CancelledError);
      assert.equal(error.reason, reason);
      assert.equal(error.message, `Request ${reason}`);
    }
  });

  test('a ModelError keeps its class, code, path and cause', () => {
    const cause = new RangeError('offset 12 is out of bounds');
    const error = crossed(new ModelError('invalid-model', 'model.onnx is not an ONNX model', '/m/model.onnx', { cause }));
    assert.ok(error instanceof ModelError);
    assert.equal(error.code, 'invalid-model');
    assert.equal(error.path, '/m/model.onnx');
    assert.ok(error.cause instanceof RangeError);
    assert.equal((error.cause as Error).message, 'offset 12 is out of bounds');
  });

  test('TypeError and RangeError keep their class; other errors become a WorkerError with the message and cause', () => {
    assert.ok(crossed(new TypeError('bad')) instanceof TypeError);
    assert.ok(crossed(new RangeError('far')) instanceof RangeError);
    const other = crossed(new Error('boom', { cause: new TypeError('deep') }));
    assert.ok(other instanceof WorkerError);
    assert.equal(other.message, 'boom');
    assert.ok(other.cause instanceof TypeError);
  });

  test('a cycle of causes is cut, not followed for ever', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let e: unknown = crossed(a); e instanceof Error; e = e.cause) depth++;
    assert.ok(depth <= 5, `depth ${depth}`);
  });
});

describe('isAnswerTo', () => {
  test('tells an answer of the kind asked for from one of another kind', () => {
    const answer: AnswerMessage = { type: 'answer', kind: 'embed', id: 1, result: { vector: [1], tokens: 3, truncated: false }, workerMs: 1 };
    assert.equal(isAnswerTo('embed', answer), true);
    assert.equal(isAnswerTo('fill', answer), false);
  });
});
