/**
 * The engine's worker thread: owns the model and answers the client's
 * messages one at a time, in order.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { type AnswerMessage, type FromWorker, type RequestKind, type RequestMessage, type RequestOf, type ResultOf, serializeError, type ToWorker } from '../protocol';
import type { Logger } from '../types';
import { FillMask } from './fill-mask';
import { countNativeCalls, MaskedLm } from './masked-lm';

const port = parentPort;
if (!port) throw new Error('engine-worker must run as a worker thread');

// An answer of a generic kind `K` is one of FromWorker's answers; TypeScript cannot widen it by itself.
const send = <K extends RequestKind>(message: FromWorker | AnswerMessage<K>) => port.postMessage(message);
const logger: Logger = {
  trace: (message) => send({ type: 'log', level: 'trace', message }),
  debug: (message) => send({ type: 'log', level: 'debug', message }),
  info: (message) => send({ type: 'log', level: 'info', message }),
  warn: (message) => send({ type: 'log', level: 'warn', message }),
  error: (message) => send({ type: 'log', level: 'error', message: String(message) }),
};

/** How each kind of request of the table in protocol.ts is answered. */
const handlers: { [K in RequestKind]: (model: FillMask, request: RequestOf<K>) => Promise<ResultOf<K>> } = {
  fill: (model, request) => model.fill(request),
  check: (model, request) => model.check(request),
  embed: (model, request) => model.embed(request.text),
};

let fillMask: Promise<FillMask> | undefined;
// Messages are handled strictly in arrival order: each waits for the previous.
let chain: Promise<void> = Promise.resolve();

port.on('message', (message: ToWorker) => {
  chain = chain.then(() => handle(message));
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'load': {
      const { modelDir, threads, cacheSize, headAtMask, graphCacheDir, nativeCalls } = message.options;
      countNativeCalls(new Int32Array(nativeCalls));
      fillMask = MaskedLm.load(modelDir, threads, logger, { headAtMask, graphCacheDir }).then((lm) => new FillMask(lm, cacheSize));
      try {
        send({ type: 'loaded', info: (await fillMask).info });
      } catch (error) {
        send({ type: 'error', id: null, error: serializeError(error) });
      }
      return;
    }
    case 'exit':
      // Nothing runs in onnxruntime now (messages are handled in order), so
      // the thread can end without taking the process down with it.
      return process.exit(0);
    case 'request':
      return answer(message);
  }
}

/** Runs one request against the loaded model and sends its answer, or the error it threw, with the time it took. */
async function answer<K extends RequestKind>(message: RequestMessage<K>): Promise<void> {
  const started = performance.now();
  const { id, kind } = message;
  try {
    if (!fillMask) throw new Error('No model loaded');
    const handler: (model: FillMask, request: RequestOf<K>) => Promise<ResultOf<K>> = handlers[kind];
    const result = await handler(await fillMask, message.request);
    send<K>({ type: 'answer', kind, id, result, workerMs: performance.now() - started });
  } catch (error) {
    send({ type: 'error', id, error: serializeError(error), workerMs: performance.now() - started });
  }
}
