/**
 * How a closing session gets every worker off its queue before its keys go. A worker still serving a
 * closed session's queue writes BullMQ's keys again (its stalled check, its wait for jobs) until its
 * next discovery notices the session is gone, so a close that deleted the keys and returned left some
 * behind for up to DISCOVERY_MS. Instead the driver, once the session is unlisted and its lease
 * deleted, publishes its id on the pool's `closed` channel; every worker leaves the session at once
 * (its BullMQ workers closed, so nothing more is written) and answers on the `left` channel, and the
 * driver deletes the keys after every answer, or after LEAVE_WAIT_MS if a worker is slow to leave (a
 * kernel that ignores its abort): that worker deletes the keys itself when it is off the queue.
 */
import { Redis } from 'ioredis';
import { aliveKey, closedChannel, leftChannel, sessionsKey } from './protocol.js';

/** How long a closing driver waits for the workers to leave its session. */
export const LEAVE_WAIT_MS = 2_000;

/**
 * Takes a closing session off the pool: unlisted, its lease deleted (so no worker starts serving it
 * again), then every worker off its queues (`announceClosed`). Its keys can go after this.
 */
export async function withdrawSession(redis: Redis, queue: string, session: string): Promise<void> {
  await redis.srem(sessionsKey(queue), session);
  await redis.del(aliveKey(session));
  await announceClosed(redis, queue, session);
}

/**
 * Tells the pool's workers that `session` closed and resolves once each of those listening has left it
 * (or after `waitMs`). Call it after the session is unlisted and its lease deleted, so no worker starts
 * serving it again.
 */
export async function announceClosed(redis: Redis, queue: string, session: string, waitMs = LEAVE_WAIT_MS): Promise<void> {
  const listener = redis.duplicate();
  listener.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = new Set<string>();
    let expected = Infinity;
    let allLeft = (): void => {};
    const done = new Promise<void>((resolve) => {
      allLeft = resolve;
      timer = setTimeout(resolve, waitMs);
    });
    listener.on('message', (_channel: string, message: string) => {
      const [who, worker] = message.split(' ');
      if (who !== session || worker === undefined) return;
      answered.add(worker);
      if (answered.size >= expected) allLeft();
    });
    // Subscribed before the announcement, so no answer is missed; PUBLISH counts the workers listening.
    // The wait is bounded as a whole: a connection that hangs (Redis gone mid-close) only costs waitMs.
    void (async () => {
      await listener.subscribe(leftChannel(queue));
      expected = await redis.publish(closedChannel(queue), session);
      if (answered.size >= expected) allLeft();
    })().catch(() => allLeft());
    await done;
  } finally {
    clearTimeout(timer);
    listener.disconnect();
  }
}

/**
 * The worker's side: calls `leave(session)` for each session announced closed, then answers. Resolves
 * once subscribed; the returned function stops listening.
 */
export async function listenForClosed(redis: Redis, queue: string, worker: string, leave: (session: string) => Promise<void>): Promise<() => void> {
  const listener = redis.duplicate();
  listener.on('error', () => {});
  listener.on('message', (_channel: string, session: string) => {
    void leave(session)
      .catch(() => {})
      .then(() => redis.publish(leftChannel(queue), `${session} ${worker}`))
      .catch(() => {});
  });
  await listener.subscribe(closedChannel(queue));
  return () => listener.disconnect();
}
