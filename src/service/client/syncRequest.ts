/**
 * One HTTP request answered synchronously, for the few things a handle must know when it is built and
 * only the server can say (an LDBC folder's description: a graph's direction and edge properties are
 * in its meta). Builders are synchronous, so the request runs on a short-lived worker thread while this
 * thread waits on a shared flag (Atomics.wait); the worker is ended as soon as it has answered. Costs a
 * thread start (tens of ms) per call, which is why only dataset descriptions use it.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ServerUnreachableError } from './errors.js';

const WORKER = `
const { workerData } = require('node:worker_threads');
const { url, init, flag, port } = workerData;
const done = (message) => {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};
fetch(url, init)
  .then(async (r) => done({ status: r.status, body: new Uint8Array(await r.arrayBuffer()) }))
  .catch((e) => done({ failure: String((e && e.cause && (e.cause.code || e.cause.message)) || (e && e.message) || e) }));
`;

export interface SyncAnswer {
  readonly status: number;
  readonly body: Uint8Array;
}

/** POSTs `json` to `address + path` with the bearer token and waits for the whole answer (at most `timeoutMs`). */
export function postJsonSync(address: string, path: string, token: string, json: unknown, timeoutMs: number): SyncAnswer {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const init = { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(json) };
  const worker = new Worker(WORKER, { eval: true, workerData: { url: address + path, init, flag, port: port2 }, transferList: [port2] });
  worker.unref();
  try {
    if (Atomics.wait(flag, 0, 0, timeoutMs) === 'timed-out') throw new ServerUnreachableError(address, `no answer within ${timeoutMs} ms`);
    const message = receiveMessageOnPort(port1)?.message as (SyncAnswer & { failure?: string }) | undefined;
    if (!message) throw new ServerUnreachableError(address, 'the request ended without an answer');
    if (message.failure !== undefined) throw new ServerUnreachableError(address, message.failure);
    return message;
  } finally {
    port1.close();
    void worker.terminate();
  }
}
