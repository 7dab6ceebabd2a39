/**
 * Sending a claimed batch (kernels/claimed.ts): one list of tasks as `entries` pool entries that share a
 * counter, so each worker takes the next task as soon as it finishes one, with no round trip through
 * this thread between them. The caller hears outcomes as workers send them (at least every FLUSH_MS,
 * and at each entry's end), then, once every entry has ended, which tasks no worker claimed (they go
 * back to the ready set: a STOP, or a worker that came late) and which were claimed by a worker that
 * died or was aborted before it sent their outcomes (lost).
 *
 * On a shared pool, a claimed batch gives its places up to other sessions as a gang's helpers do
 * (executors/gang.ts): once another lane's entry waits for a place, STOP is raised and every worker
 * returns after the task it is running.
 *
 * The sending thread may take tasks from the same counter too (`claimHere`), running them itself while
 * the workers run theirs (executors/threads.ts says when and why).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { claim, CLAIMED_CONTROL_SLOTS, type ClaimedBatch, type ClaimedFlush, type ClaimedReply, type ClaimedResult, NEXT, STOP } from '../kernels/claimed.js';
import type { TaskMessage, TaskOutcome } from '../kernels/task.js';
import { Lane, type TaskRunner } from './fairPool.js';

export interface ClaimedEnd {
  /** Indices (into the batch) of the tasks no worker took. */
  readonly unclaimed: number[];
  /** Indices of the tasks a worker took whose entry failed (a worker died, or the run was aborted). */
  readonly lost: number[];
}

export interface ClaimedBatchRun {
  /** Resolves once every entry has ended (after the last `onEntryEnd`); never rejects, provided the callbacks do not throw. */
  readonly ended: Promise<ClaimedEnd>;
  /**
   * The next task for the sending thread to run itself, or -1 when none is left, STOP is raised or
   * the batch has ended. The caller runs and settles it; it is never reported as unclaimed or lost.
   */
  claimHere(): number;
}

/** Raises `stop` once another lane's entry waits for a place in the pool; returns the function that stops watching. */
function yieldToOthers(runner: TaskRunner, stop: () => void): () => void {
  if (!(runner instanceof Lane)) return () => {};
  const dispatcher = runner.dispatcher;
  const check = (): void => {
    if (dispatcher.placeWanted(runner)) stop();
  };
  const onQueued = (lane: Lane): void => {
    if (lane !== runner) queueMicrotask(check);
  };
  dispatcher.setMaxListeners(0);
  dispatcher.on('queued', onQueued);
  return () => dispatcher.off('queued', onQueued);
}

/** Hands a group of outcomes on (each group arrives once: flushed, drained at its entry's end, or as the reply). */
type Deliver = (group: ClaimedResult) => void;

/**
 * The flush ports of this thread's pools' workers (kernels/claimed.ts): this thread's ends, the entries
 * in flight by id, and whether to offer a port with the next entry — from the start, and again whenever
 * a worker answered that it ran without one (a new thread), an entry failed (its thread may have died)
 * or a port closed; no longer once a worker answered that it held one already. Until every worker holds
 * one, an entry may go to a worker without a port: its outcomes then all come at its end, later but the
 * same. One set for all pools, since a worker's port serves whichever pool's entries it runs (entry ids
 * are this thread's). A thread that ends at its pool's idle timeout closes its end (checked: a pool of
 * two, idle for 800 ms, left none), but the end of one that dies in a task was not always told (seen in
 * tests under load): it then stays in `ends`, drained for nothing — one per such crash.
 */
interface FlushPorts {
  readonly ends: Set<MessagePort>;
  readonly entries: Map<number, Deliver>;
  offer: boolean;
  lastEntry: number;
  /** Ports offered so far. */
  offered: number;
}

const ports: FlushPorts = { ends: new Set(), entries: new Map(), offer: true, lastEntry: 0, offered: 0 };

/** How many flush ports this thread holds ends of, whether the next entry is offered one, and how many were (tests, probes). */
export function flushPortState(): { readonly ends: number; readonly offer: boolean; readonly offered: number } {
  return { ends: ports.ends.size, offer: ports.offer, offered: ports.offered };
}

/** A new channel for the next entry's worker; this thread's end hands its flushes to their entries. */
function offerPort(): MessageChannel {
  const channel = new MessageChannel();
  ports.offered++;
  const end = channel.port1;
  ports.ends.add(end);
  end.on('message', (m: ClaimedFlush) => ports.entries.get(m.entry)?.(m));
  // Closed from the other side: the worker holding it ended (or it never reached one).
  end.on('close', () => {
    if (ports.ends.delete(end)) ports.offer = true;
  });
  // Kept for the pool's life, not a run's: it must not keep the process alive.
  end.unref();
  return channel;
}

/** Closes this thread's end of a port its worker did not keep (it holds one already). */
function closeOffered(channel: MessageChannel): void {
  ports.ends.delete(channel.port1);
  channel.port1.close();
}

/** Hands on every flush already sent on any of the pool's ports (a reply may come before its entry's flushes). */
function drain(): void {
  for (const end of ports.ends) {
    for (let m = receiveMessageOnPort(end); m !== undefined; m = receiveMessageOnPort(end)) {
      const flush = m.message as ClaimedFlush;
      ports.entries.get(flush.entry)?.(flush);
    }
  }
}

/**
 * One entry, with a flush port offered to its worker while `ports` says so. When the entry ends — its
 * last outcomes, or a rejection — the flushes its worker sent before are read at once (the pool's
 * reply and a port's messages travel on different channels, so the reply may come first).
 */
function runEntry(pool: TaskRunner, control: Int32Array, tasks: readonly TaskMessage[], signal: AbortSignal, deliver: Deliver): Promise<void> {
  const entry = ++ports.lastEntry;
  ports.entries.set(entry, deliver);
  const channel = ports.offer ? offerPort() : undefined;
  const batch: ClaimedBatch = { control, tasks, entry, ...(channel ? { port: channel.port2 } : {}) };
  const end = (): void => {
    drain();
    ports.entries.delete(entry);
  };
  return pool.run(batch, { name: 'runClaimed', signal, ...(channel ? { transferList: [channel.port2] } : {}) }).then(
    (last) => {
      end();
      const reply = last as ClaimedReply;
      if (reply.portHeld) {
        ports.offer = false;
        if (channel) closeOffered(channel);
      } else if (!channel) ports.offer = true;
      deliver(reply);
    },
    // Its tasks without an outcome show up as lost; the caller retries them. An offered port that
    // never left this thread is closed (once sent, closing it here is a no-op: its thread keeps it or is gone).
    () => {
      end();
      channel?.port2.close();
      ports.offer = true;
    },
  );
}

/**
 * Runs `tasks` on `entries` workers of `pool` claiming them one at a time (and on this thread, as far
 * as the caller takes tasks with `claimHere`). `onOutcomes` gets outcomes (with their tasks' indices)
 * as workers send them, `onEntryEnd` each entry's end after its last outcomes (ThreadRun's callbacks
 * are guarded).
 */
export function runClaimedBatch(
  pool: TaskRunner,
  tasks: readonly TaskMessage[],
  entries: number,
  signal: AbortSignal,
  onOutcomes: (ran: readonly number[], outcomes: readonly TaskOutcome[]) => void,
  onEntryEnd: () => void,
): ClaimedBatchRun {
  const control = new Int32Array(new SharedArrayBuffer(CLAIMED_CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const reported = new Uint8Array(tasks.length);
  const stopWatching = yieldToOthers(pool, () => Atomics.store(control, STOP, 1));
  const deliver: Deliver = ({ ran, outcomes }) => {
    for (const k of ran) reported[k] = 1;
    if (ran.length > 0) onOutcomes(ran, outcomes);
  };
  const one = (): Promise<void> => runEntry(pool, control, tasks, signal, deliver).then(onEntryEnd);
  const ended = Promise.all(Array.from({ length: entries }, one)).then(() => {
    stopWatching();
    // This thread takes nothing more either: what is unclaimed now goes back to the caller.
    Atomics.store(control, STOP, 1);
    const claimed = Math.min(Atomics.load(control, NEXT), tasks.length);
    const unclaimed: number[] = [];
    const lost: number[] = [];
    for (let k = 0; k < tasks.length; k++) {
      if (k >= claimed) unclaimed.push(k);
      else if (reported[k] === 0) lost.push(k);
    }
    return { unclaimed, lost };
  });
  const claimHere = (): number => {
    const k = claim(control, tasks.length);
    if (k >= 0) reported[k] = 1;
    return k;
  };
  return { ended, claimHere };
}
