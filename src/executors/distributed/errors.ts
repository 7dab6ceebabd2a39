/**
 * How a distributed run fails when the machinery under it does (rather than a task): each error names
 * what was lost and what to do, and none of these faults leaves a run waiting forever.
 */
import { registerErrorClass, TesseraError } from '../../base/errors.js';

/** The driver's connection to Redis closed during a run (Redis restarted, died or dropped the client). */
export class RedisConnectionLostError extends TesseraError {
  readonly url: string;
  constructor(url: string) {
    super(
      'RedisConnectionLost',
      `Lost the connection to Redis at ${url} during the run. A restarted Redis without persistence has lost the ` +
        `run's jobs and chunks, so the run fails instead of waiting for them; run it again once Redis is back (the ` +
        `session reconnects on its next run, and fails at once with RedisUnreachable while Redis is down).`,
    );
    this.url = url;
  }
}
registerErrorClass(RedisConnectionLostError);

/** The session's lease (its alive key) expired while the driver lived, so workers dropped its tasks and keys. */
export class SessionLeaseLostError extends TesseraError {
  readonly session: string;
  constructor(session: string, ttlSeconds: number) {
    super(
      'SessionLeaseLost',
      `Session ${session}'s lease in Redis expired: the driver did not refresh it for ${ttlSeconds} s (its event loop ` +
        `was blocked, or Redis lost the key), so the workers took it for dead and dropped its tasks and chunks. Run ` +
        `again; if the driver is often this busy, give the session a longer driverTtl.`,
    );
    this.session = session;
  }
}
registerErrorClass(SessionLeaseLostError);

/** Redis trimmed job events before the driver read them: some jobs' ends can never arrive. */
export class JobEventsLostError extends TesseraError {
  constructor(read: number, upTo: number) {
    super(
      'JobEventsLost',
      `Redis trimmed the session's job events before the driver read them (it had read ${read} of the first ${upTo}): the ` +
        `driver fell too far behind, and the ends of some jobs are lost, so the run fails instead of waiting for ` +
        `them. Run again; if it recurs, the driver process is overloaded.`,
    );
  }
}
registerErrorClass(JobEventsLostError);

/** A chunk kept disappearing from the chunk store however often it was recomputed. */
export class ChunkLostError extends TesseraError {
  readonly key: string;
  readonly losses: number;
  constructor(key: string, losses: number, session: string) {
    super(
      'ChunkLost',
      `Chunk ${key} was lost from the distributed chunk store ${losses} times in one run: its Redis key was gone ` +
        `each time it was recomputed. Something removes the session's keys: run Redis with ` +
        `maxmemory-policy noeviction and enough maxmemory, and make sure no other client deletes tessera:${session}:* keys.`,
    );
    this.key = key;
    this.losses = losses;
  }
}
registerErrorClass(ChunkLostError);
