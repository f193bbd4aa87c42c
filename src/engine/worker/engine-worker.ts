/**
 * The engine's worker thread: owns the model and answers the client's
 * messages one at a time, in order.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { FillMask } from './fill-mask';
import { countNativeCalls, MaskedLm } from './masked-lm';
import { type FromWorker, serializeError, type ToWorker } from '../protocol';
import type { Logger } from '../types';

const port = parentPort;
if (!port) throw new Error('engine-worker must run as a worker thread');

const send = (message: FromWorker) => port.postMessage(message);
const logger: Logger = {
  trace: (message) => send({ type: 'log', level: 'trace', message }),
  debug: (message) => send({ type: 'log', level: 'debug', message }),
  info: (message) => send({ type: 'log', level: 'info', message }),
  warn: (message) => send({ type: 'log', level: 'warn', message }),
  error: (message) => send({ type: 'log', level: 'error', message: String(message) }),
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
    case 'embed':
      return answer(message.id, async (model) => ({ type: 'embedding', id: message.id, embedding: await model.embed(message.text) }));
    case 'check':
      return answer(message.id, async (model) => ({ type: 'checked', id: message.id, result: await model.check(message.request) }));
    case 'fill':
      return answer(message.id, async (model) => ({ type: 'result', id: message.id, results: await model.fill(message.request) }));
  }
}

/** Runs one request against the loaded model and sends its answer, or the error it threw, with the time it took. */
async function answer(id: number, run: (model: FillMask) => Promise<DistributiveOmit<Answer, 'workerMs'>>): Promise<void> {
  const started = performance.now();
  try {
    if (!fillMask) throw new Error('No model loaded');
    const reply = await run(await fillMask);
    send({ ...reply, workerMs: performance.now() - started } as Answer);
  } catch (error) {
    send({ type: 'error', id, error: serializeError(error), workerMs: performance.now() - started });
  }
}

type Answer = Extract<FromWorker, { workerMs: number }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
