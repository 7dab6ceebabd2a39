/**
 * The main thread's one helper thread, which takes first touches of fresh memory off the main thread:
 * the pages of a big shared array being filled (base/firstTouch.ts), and of whole zeroed buffers it
 * makes for the sizes a loop asks for again (base/warmSpares.ts).
 *
 * Why a thread: on the machines this engine is measured on, the first write to a page of fresh memory
 * costs 10-14 µs. A warm BFS loop on a 65,536-vertex graph fetches a 512 KB copy a run — 128 faults,
 * 1.7-1.9 ms on the main thread where the run itself takes 2.5 — and once a small search runs on the
 * main thread too (kernels/graph/apps.ts `appInPlace`), the main thread has no idle time left to fault
 * a spare in ahead. The helper makes such a buffer, faults it in and moves it here (a transfer, not a
 * copy): it comes with its pages in place.
 *
 * The helper makes the buffer, not this thread, for two reasons. Making one here cost 0.4-0.6 ms a
 * 512 KB buffer on a VM where a fault costs 11 µs (the allocator clears memory it reuses, and so
 * faults it in here), most of what the helper was to save: a warm R-MAT s16 BFS loop's fetch took
 * 0.80-1.04 ms a run that way, 0.32-0.41 with the buffer made there (three alternations). And sending a
 * buffer detaches it on this thread: V8 keeps, per thread, a flag saying that no ArrayBuffer was ever
 * detached there, its optimized code reads typed arrays without checking for a detached buffer while
 * the flag holds, and the first detach throws away every optimized function that reads one and adds
 * the check to every later one (`node --trace-protector-invalidation`: "ArrayBufferDetaching"; ~8% of
 * a warm BFS's search). Receiving a transferred buffer detaches nothing here, so this thread never
 * loses the flag to the helper. (Made on the helper, a user's copy is freed into the helper's part of
 * the allocator; a loop of fetches faster than spares come, which then makes copies here, read the same
 * either way: R-MAT s16 PageRank `toArray('r')` 60 times, medians 1.85-2.13 ms against 1.85-2.15, six
 * alternations.)
 *
 * The helper starts on first use and is unreferenced, as is the port its buffers come back on, so it
 * never keeps the process alive. Only the main thread has one: a worker runs next to the other
 * workers, and must not start threads of its own.
 */
import { isMainThread, MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** Bytes a helper job touches per turn: jobs take turns, so a fill waits at most this for its share. */
export const HELPER_BLOCK_BYTES = 256 << 10;
const PAGE_BYTES = 4096;

/** Slots of a fill job's control block (base/firstTouch.ts says who writes what). */
export const FRONT = 0;
export const BACK = 1;
export const DONE = 2;

/**
 * Jobs are taken in turns, one block each, so a buffer made while the helper works on another (a string
 * column's bytes next to its offsets) gets its share at once instead of after the first is done. A fill
 * job's blocks go from the back (the main thread fills from the front); a buffer it is asked to make is
 * touched from the front, and once done it is posted, transferred, on the reply port.
 * A shared buffer's memory is freed only once every thread that held it has collected its handle, and
 * this thread allocates too little to ever collect on its own: without the minor collection after each
 * batch of jobs, every buffer it touched stayed mapped (a leak, and no reuse of warm pages by the next
 * build). The collector is had as base/gcNudge.ts has it.
 */
const HELPER_SOURCE = `
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const replies = workerData.replies;
let collect = null;
try {
  require('node:v8').setFlagsFromString('--expose-gc');
  collect = require('node:vm').runInNewContext('gc');
} catch {}
const jobs = [];
const add = (job) => {
  if (job.make !== undefined) job.buffer = new ArrayBuffer(job.make);
  job.bytes = new Uint8Array(job.buffer);
  job.next = job.make !== undefined ? 0 : job.blocks - 1;
  jobs.push(job);
};
const done = (job) => {
  if (job.make !== undefined) return;
  Atomics.store(job.control, ${DONE}, 1);
  Atomics.notify(job.control, ${DONE});
};
/** One block of a buffer being made; true once it is whole and sent. */
const makeTurn = (job) => {
  const from = job.next * ${HELPER_BLOCK_BYTES};
  const end = Math.min(job.bytes.length, from + ${HELPER_BLOCK_BYTES});
  for (let at = from; at < end; at += ${PAGE_BYTES}) job.bytes[at] = 0;
  job.next++;
  if (end < job.bytes.length) return false;
  replies.postMessage({ id: job.id, buffer: job.buffer }, [job.buffer]);
  return true;
};
/** One block of a fill, from the back; true once the fill is the main thread's alone. */
const fillTurn = (job) => {
  const j = job.next;
  if (j >= 0) Atomics.store(job.control, ${BACK}, j);
  if (j < 0 || Atomics.load(job.control, ${FRONT}) > j) return true;
  const end = Math.min(job.bytes.length, (j + 1) * ${HELPER_BLOCK_BYTES});
  for (let at = j * ${HELPER_BLOCK_BYTES}; at < end; at += ${PAGE_BYTES}) job.bytes[at] = 0;
  Atomics.add(job.touched, 0, 1);
  job.next = j - 1;
  return false;
};
parentPort.on('message', (first) => {
  add(first);
  try {
    while (jobs.length > 0) {
      for (let m = receiveMessageOnPort(parentPort); m; m = receiveMessageOnPort(parentPort)) add(m.message);
      for (let k = jobs.length - 1; k >= 0; k--) {
        const job = jobs[k];
        if (job.make !== undefined ? makeTurn(job) : fillTurn(job)) {
          done(job);
          jobs.splice(k, 1);
        }
      }
    }
  } finally {
    for (const job of jobs.splice(0)) done(job);
    if (typeof collect === 'function') collect({ type: 'minor', execution: 'async' });
  }
});`;

let helper: Worker | undefined;
let replies: MessagePort | undefined;
let helperFailed = false;

/** The helper thread, started on first use; undefined off the main thread or where it cannot run. */
export function helperThread(): Worker | undefined {
  if (helper || helperFailed || !isMainThread) return helper;
  try {
    const channel = new MessageChannel();
    // None of the process's flags: `--input-type=module` would make this CommonJS source fail to load.
    const worker = new Worker(HELPER_SOURCE, { eval: true, execArgv: [], workerData: { replies: channel.port2 }, transferList: [channel.port2] });
    worker.unref();
    channel.port1.unref();
    // A helper that dies is not replaced: fills go on without it, as when it was not up yet, and
    // buffers asked of it are made fresh where they are needed.
    worker.on('error', () => {
      helperFailed = true;
      helper = undefined;
    });
    helper = worker;
    replies = channel.port1;
  } catch {
    helperFailed = true;
  }
  return helper;
}

/**
 * Has the helper make a zeroed buffer of `bytes`, fault in every page and send it here, to be collected
 * by `arrivedBuffers` under `id`. False when there is no helper (off the main thread, or it failed).
 */
export function makeOnHelper(id: number, bytes: number): boolean {
  const worker = helperThread();
  if (!worker) return false;
  worker.postMessage({ make: bytes, id });
  return true;
}

/** Whether this thread has a helper thread (the main thread, unless it failed). */
export function hasHelperThread(): boolean {
  return helperThread() !== undefined;
}

/** The buffers the helper has finished since the last call, without waiting for any. */
export function arrivedBuffers(): { readonly id: number; readonly buffer: ArrayBuffer }[] {
  const out: { id: number; buffer: ArrayBuffer }[] = [];
  if (!replies) return out;
  for (let m = receiveMessageOnPort(replies); m; m = receiveMessageOnPort(replies)) out.push(m.message as { id: number; buffer: ArrayBuffer });
  return out;
}
