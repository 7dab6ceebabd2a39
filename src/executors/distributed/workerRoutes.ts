/**
 * The driver's side of locality routing: per worker it routes tasks to, the worker's own queue in the
 * session (`{queue}.on.{worker id}`, which that worker takes jobs from besides the shared queue) and
 * one subscription to that queue's job ends, opened on first use. Job ends of every queue go to the
 * same handler as the shared queue's. The event watchdog (eventsWatchdog.ts) looks at these streams
 * too, and a connection of theirs that closes fails the runs as the shared one's does.
 *
 * Which tasks are routed, to whom, and what happens to a routed job whose worker vanished, is the
 * executor's business (executor.ts): this file only owns the queues and their subscriptions.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CountingQueueEvents, streamPosition, unreadTrimmed } from './eventsWatchdog.js';
import { type JobData, type JobResult, queuePrefix, workerQueue } from './protocol.js';
import type { JobEnd } from './jobPort.js';

/** Sends a queue's job ends (completed with the worker's result, or failed with BullMQ's reason) to `onEnd`. */
export function listenForEnds(events: CountingQueueEvents, onEnd: (jobId: string, end: JobEnd) => void): void {
  events.on('completed', ({ jobId, returnvalue }) => {
    const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobResult;
    onEnd(jobId, { ok: true, result });
  });
  events.on('failed', ({ jobId, failedReason }) => onEnd(jobId, { ok: false, reason: failedReason }));
  events.on('error', () => {});
}

export interface WorkerRoute {
  readonly worker: string;
  readonly queue: Queue<JobData, JobResult>;
  readonly events: CountingQueueEvents;
  readonly eventsConnection: Redis;
  readonly eventsKey: string;
}

export interface WorkerRoutesOptions {
  readonly url: string;
  /** The driver's command connection (shared by the queues, as the shared queue does). */
  readonly redis: Redis;
  readonly session: string;
  readonly queue: string;
  readonly eventsMaxLen: number;
  readonly onEnd: (jobId: string, end: JobEnd) => void;
  /** A subscription's connection closed (Redis died or restarted). */
  readonly onConnectionClosed: () => void;
}

export class WorkerRoutes {
  readonly #routes = new Map<string, Promise<WorkerRoute>>();
  readonly #open: WorkerRoute[] = [];

  constructor(readonly o: WorkerRoutesOptions) {}

  /** Worker `id`'s queue, its subscription reading from now on (before any job of it is added). */
  route(id: string): Promise<WorkerRoute> {
    let r = this.#routes.get(id);
    if (!r) {
      r = this.#connect(id);
      this.#routes.set(id, r);
      r.catch(() => this.#routes.delete(id));
    }
    return r;
  }

  async #connect(worker: string): Promise<WorkerRoute> {
    const { redis, url, session } = this.o;
    const prefix = queuePrefix(session);
    const name = workerQueue(this.o.queue, worker);
    const eventsKey = `${prefix}:${name}:events`;
    const start = await streamPosition(redis, eventsKey);
    const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
    eventsConnection.once('close', () => this.o.onConnectionClosed());
    const events = new CountingQueueEvents(name, { connection: eventsConnection, prefix, lastEventId: start.lastId }, start.added);
    listenForEnds(events, this.o.onEnd);
    const queue = new Queue<JobData, JobResult>(name, { connection: redis, prefix, streams: { events: { maxLen: this.o.eventsMaxLen } } });
    const route = { worker, queue, events, eventsConnection, eventsKey };
    this.#open.push(route);
    await Promise.all([events.waitUntilReady(), queue.waitUntilReady()]);
    return route;
  }

  /** The first subscription whose job ends were trimmed unread ([read, position]), if any. */
  async trimmed(): Promise<[number, number] | undefined> {
    for (const r of this.#open) {
      const behind = await unreadTrimmed(this.o.redis, r.eventsKey, r.events);
      if (behind) return behind;
    }
    return undefined;
  }

  /** Removes a job from worker `id`'s queue if it is still waiting there (a running one cannot be). */
  async remove(id: string, jobId: string): Promise<void> {
    const r = this.#open.find((x) => x.worker === id);
    await r?.queue.remove(jobId).catch(() => 0);
  }

  /** Closes the subscriptions and queues (their keys go with the session's prefix). */
  async close(): Promise<void> {
    const open = this.#open.splice(0);
    this.#routes.clear();
    await Promise.all(open.map((r) => r.events.close().catch(() => {})));
    await Promise.all(open.map((r) => r.queue.close().catch(() => {})));
    for (const r of open) r.eventsConnection.disconnect();
  }
}
