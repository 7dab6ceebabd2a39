/**
 * The watchdog of a session's job-event reader. Every job's end reaches the driver through one Redis
 * stream that BullMQ trims to a maximum length; a driver that falls further behind than that (its
 * event loop starved, a huge burst of events) would never see the trimmed ends and wait for them
 * forever. The reader counts the entries it has read and remembers the last id; the reader never
 * skips an entry it can see, so an entry was trimmed unread exactly when the position of the last id
 * in the stream's history is past the count. The watchdog works that position out from XINFO STREAM
 * (`entries-added`, `length`, the first entry kept; Redis ≥ 7.0) and the entries after the last id, in
 * one transaction, and the runs in flight then fail with JobEventsLostError instead of hanging. A
 * reader so far behind that the entries after its last id are being trimmed as it reads counts as lost.
 * On a Redis without those XINFO fields (< 7.0) the watchdog has nothing to compare and stays quiet.
 */
import { QueueEvents, type QueueEventsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

const STREAM_ID = /^\d+-\d+$/;

/** How often the watchdog looks at the stream. */
export const WATCHDOG_MS = 2_000;

/** A QueueEvents that counts the stream entries it has read (every one is emitted once with its id last). */
export class CountingQueueEvents extends QueueEvents {
  #read: number;
  #lastId: string;

  /** Reads after `options.lastEventId`, whose position in the stream's history is `position`. */
  constructor(name: string, options: QueueEventsOptions & { readonly lastEventId: string }, position: number) {
    super(name, options);
    this.#read = position;
    this.#lastId = options.lastEventId;
  }

  /** Stream entries read so far, counting those up to `lastEventId`. */
  get entriesRead(): number {
    return this.#read;
  }

  get lastReadId(): string {
    return this.#lastId;
  }

  // An entry is emitted as its event name and again as `name:jobId`; only the first form is counted.
  override emit(event: string, ...args: unknown[]): boolean {
    const id = args[args.length - 1];
    if (!event.includes(':') && typeof id === 'string' && STREAM_ID.test(id)) {
      this.#read++;
      this.#lastId = id;
    }
    return (super.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }
}

export interface StreamPosition {
  /** The id to start reading after ('0-0' for a stream that does not exist yet). */
  readonly lastId: string;
  /** Entries ever added: the position of `lastId` in the stream's history. */
  readonly added: number;
}

/** Field `name` of an XINFO STREAM reply (a flat name, value, ... list). */
function infoField(reply: readonly unknown[], name: string): unknown {
  const at = reply.indexOf(name);
  return at >= 0 ? reply[at + 1] : undefined;
}

const noSuchKey = (e: unknown): boolean => /no such key/i.test((e as Error)?.message ?? '');

export async function streamPosition(redis: Redis, key: string): Promise<StreamPosition> {
  let reply: unknown[];
  try {
    reply = (await redis.xinfo('STREAM', key)) as unknown[];
  } catch (e) {
    if (noSuchKey(e)) return { lastId: '0-0', added: 0 };
    throw e;
  }
  const added = Number(infoField(reply, 'entries-added'));
  return { lastId: String(infoField(reply, 'last-generated-id') ?? '0-0'), added: Number.isFinite(added) ? added : 0 };
}

/** Unread entries after which the watchdog stops counting (the reader is behind, but nothing is lost yet). */
const BACKLOG_LIMIT = 10_000;

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/**
 * Whether entries were trimmed before `events` read them (so some job's end is lost): then
 * [entries read, position of the last one read or entries trimmed], else undefined.
 */
export async function unreadTrimmed(
  redis: Redis,
  key: string,
  events: Pick<CountingQueueEvents, 'entriesRead' | 'lastReadId'>,
): Promise<[number, number] | undefined> {
  const read = events.entriesRead;
  const last = events.lastReadId;
  const replies = await redis.multi().xinfo('STREAM', key).xrange(key, `(${last}`, '+', 'COUNT', BACKLOG_LIMIT + 1).exec();
  const [infoError, info] = replies?.[0] ?? [null, undefined];
  if (infoError) {
    if (noSuchKey(infoError)) return undefined;
    throw infoError;
  }
  const reply = info as unknown[];
  const added = Number(infoField(reply, 'entries-added'));
  const length = Number(infoField(reply, 'length'));
  const first = infoField(reply, 'recorded-first-entry-id');
  if (!Number.isFinite(added) || !Number.isFinite(length)) return undefined;
  const trimmed = added - length;
  if (length === 0 || typeof first !== 'string' || compareIds(last, first) < 0) {
    // Every entry kept is after the last one read: those trimmed were read only if no more were trimmed than read.
    return trimmed > read ? [read, trimmed] : undefined;
  }
  const unread = (replies?.[1]?.[1] as unknown[] | undefined)?.length ?? 0;
  if (unread > BACKLOG_LIMIT) return undefined;
  const position = added - unread;
  return position > read ? [read, position] : undefined;
}
