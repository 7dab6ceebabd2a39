/**
 * Fair sharing of one worker pool between the sessions of a process (DESIGN §8). Piscina serves its
 * queue first come, first served: a session with a long run would keep its tasks ahead of everyone
 * else's. So each session gets a lane with a queue of its own, and the dispatcher keeps at most
 * `limit` entries (the pool's thread count) in the pool — Piscina's own queue stays empty, so the order
 * chosen here is the order tasks run in — and gives each free place to the waiting lane that has had
 * the least pool time (thread-milliseconds of its entries), the longest waiting among equals: the
 * virtual-time rule of Linux's CFS. A long run's lane piles up pool time, so another session's small
 * run wins every place it asks for while the long run keeps whatever is left. A lane that comes back
 * from idle starts at most IDLE_CREDIT_MS below the pool's clock, so it cannot cash in a long idle spell
 * by shutting others out. Tasks are not preempted: a small run still waits for a thread to finish the
 * task it is running, once per step at most, never for a backlog.
 *
 * A place freed by a finished entry whose lane has nothing else queued, while other lanes wait, is
 * filled only after that entry's owner has heard of it (a microtask later), so a run whose next step
 * depends on the result competes for the place it just left instead of finding it taken by a lane that
 * had entries waiting. Otherwise the place is filled at once, before the owner spends its time on the
 * result, so a busy session's threads never wait on its main thread.
 *
 * An entry is whatever an executor sends as one message (a batch of light tasks, one heavy task, a gang
 * member). A 'queued' event (lane, task) says an entry was left waiting; with `placeWanted` a gang
 * (executors/gang.ts) learns when its parked helpers should give their places up. A lane's `cap` is
 * its session's concurrency: at most `cap` of its entries are in the pool at once, so a session asking
 * for one worker never holds two threads, whatever else is idle.
 *
 * A queued entry whose abort signal fires leaves its lane at once (rejected with CancelledError); an
 * entry already in the pool is aborted by Piscina, which ends the thread running it — that thread ran
 * this lane's task, so no other session's work is lost. Closing a lane rejects what it still has queued.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import type { Piscina } from 'piscina';
import { CancelledError } from '../base/errors.js';

/** How far below the pool's clock a lane back from idle may start (thread-milliseconds). */
const IDLE_CREDIT_MS = 20;

export interface TaskOptions {
  /** The worker module's export to call (default: its default export). */
  readonly name?: string;
  readonly transferList?: NonNullable<Parameters<Piscina['run']>[1]>['transferList'];
  readonly signal?: AbortSignal;
}

/** What runs tasks: a Piscina pool, or one session's lane of a shared pool. */
export interface TaskRunner {
  run(task: unknown, options?: TaskOptions): Promise<unknown>;
}

/** A first-in, first-out queue with O(1) removal from the front. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  /** Removes `item` wherever it is (aborts are rare, so a scan is fine). */
  remove(item: T): boolean {
    const at = this.#items.indexOf(item, this.#head);
    if (at < 0) return false;
    this.#items.splice(at, 1);
    return true;
  }
  drain(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

interface Entry {
  readonly task: unknown;
  readonly options: TaskOptions;
  /** When it was queued (the dispatcher's clock), if it had to wait for a turn. */
  queuedAt?: number;
  /** When it went to the pool. */
  handedAt?: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  onAbort?: () => void;
}

/** What a 'dispatch' event says: whose entry went to the pool, how many of its entries are there now, how long it waited for its turn. */
export interface DispatchEvent {
  readonly owner: string;
  readonly handed: number;
  readonly waitedMs: number;
}

export interface LaneStats {
  readonly owner: string;
  readonly cap: number;
  /** Thread-milliseconds its entries have had, counted from the pool's clock when it came back from idle. */
  readonly poolTimeMs: number;
  /** Entries in the pool (running, or about to). */
  readonly handed: number;
  /** Entries waiting for their turn. */
  readonly queued: number;
}

/** One session's way into a shared pool: a `TaskRunner` whose entries take turns with other lanes'. */
export class Lane implements TaskRunner {
  readonly queue = new Fifo<Entry>();
  handed = 0;
  /** Its virtual time: pool time had, in thread-milliseconds (see the file's comment). */
  poolTime = 0;
  /** Whether it is in the dispatcher's list of lanes waiting for a turn. */
  waiting = false;
  closed = false;

  constructor(
    readonly dispatcher: FairDispatcher,
    readonly cap: number,
    readonly owner: string,
  ) {}

  /** Whether the lane may send an entry now (it has one, and is under its cap). */
  get eligible(): boolean {
    return !this.closed && this.queue.length > 0 && this.handed < this.cap;
  }

  run(task: unknown, options: TaskOptions = {}): Promise<unknown> {
    return this.dispatcher.submit(this, task, options);
  }

  get stats(): LaneStats {
    return { owner: this.owner, cap: this.cap, poolTimeMs: this.poolTime, handed: this.handed, queued: this.queue.length };
  }

  /** Rejects every queued entry; entries in the pool finish (or are aborted by their runs). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.queue.drain()) {
      if (entry.onAbort) entry.options.signal!.removeEventListener('abort', entry.onAbort);
      entry.reject(new CancelledError('The executor was closed before this task reached a worker.'));
    }
  }
}

export interface DispatcherOptions {
  /** Entries kept in the pool at once (its thread count). */
  readonly limit: number;
  /** Told when the pool goes from no entry to some (true) and back (false). */
  readonly onBusy?: (busy: boolean) => void;
  /** The clock pool time is measured with, in milliseconds (default: performance.now). */
  readonly now?: () => number;
}

export class FairDispatcher extends EventEmitter {
  readonly limit: number;
  readonly #runner: TaskRunner;
  readonly #onBusy: ((busy: boolean) => void) | undefined;
  readonly #now: () => number;
  /** Lanes waiting for a turn, in the order they began to wait. */
  #waiting: Lane[] = [];
  /** The pool time of the last lane given a turn: where a lane back from idle starts (less its credit). */
  #clock = 0;
  #handed = 0;

  constructor(runner: TaskRunner, options: DispatcherOptions) {
    super();
    this.#runner = runner;
    this.limit = options.limit;
    this.#onBusy = options.onBusy;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Entries in the pool, over every lane. */
  get handed(): number {
    return this.#handed;
  }

  /**
   * Whether a lane other than `except` waits for a place in the full pool: one that an entry leaving
   * the pool would go to (a lane at its cap waits for its own entries instead).
   */
  /** Whether `lane` has the pool to itself: every entry in it is the lane's, and no other lane waits. */
  alone(lane: Lane): boolean {
    return this.#handed === lane.handed && !this.#waiting.some((other) => other !== lane);
  }

  placeWanted(except?: Lane): boolean {
    return this.#handed >= this.limit && this.#waiting.some((lane) => lane !== except && lane.eligible);
  }

  lane(cap: number, owner: string): Lane {
    const lane = new Lane(this, cap, owner);
    lane.poolTime = this.#clock;
    return lane;
  }

  submit(lane: Lane, task: unknown, options: TaskOptions): Promise<unknown> {
    if (lane.closed) return Promise.reject(new CancelledError('The executor is closed.'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new CancelledError('The task was aborted before it reached a worker.'));
    if (lane.handed === 0 && lane.queue.length === 0) lane.poolTime = Math.max(lane.poolTime, this.#clock - IDLE_CREDIT_MS);
    return new Promise((resolve, reject) => {
      const entry: Entry = { task, options, resolve, reject };
      // Nobody waits for a turn and there is room: this entry goes at once.
      if (this.#waiting.length === 0 && lane.handed < lane.cap && this.#handed < this.limit) {
        this.#hand(lane, entry);
        return;
      }
      if (signal) {
        // A run's one signal serves every task it queues: more listeners than Node's default of 10.
        setMaxListeners(0, signal);
        entry.onAbort = () => {
          if (lane.queue.remove(entry)) reject(new CancelledError('The task was aborted before it reached a worker.'));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      entry.queuedAt = this.#now();
      lane.queue.push(entry);
      this.#offer(lane);
      this.#pump();
      // A gang's helpers give up their places when a task waits for one (executors/gang.ts).
      if (lane.queue.length > 0 && this.listenerCount('queued') > 0) this.emit('queued', lane, task);
    });
  }

  #offer(lane: Lane): void {
    if (lane.waiting || !lane.eligible) return;
    lane.waiting = true;
    this.#waiting.push(lane);
  }

  /** The waiting lane with the least pool time, the longest waiting among equals (see the file's comment). */
  #next(): Lane | undefined {
    let best = -1;
    let stale = 0;
    for (let i = 0; i < this.#waiting.length; i++) {
      const lane = this.#waiting[i]!;
      // An abort or a close may have emptied it since it began to wait.
      if (!lane.eligible) {
        stale++;
        continue;
      }
      if (best < 0 || lane.poolTime < this.#waiting[best]!.poolTime) best = i;
    }
    const chosen = best < 0 ? undefined : this.#waiting[best];
    if (stale > 0 || chosen) {
      this.#waiting = this.#waiting.filter((lane) => {
        if (lane !== chosen && lane.eligible) return true;
        lane.waiting = false;
        return false;
      });
    }
    return chosen;
  }

  #pump(): void {
    while (this.#handed < this.limit) {
      const lane = this.#next();
      if (!lane) return;
      const entry = lane.queue.shift()!;
      if (entry.onAbort) entry.options.signal!.removeEventListener('abort', entry.onAbort);
      this.#hand(lane, entry);
      this.#offer(lane);
    }
  }

  #hand(lane: Lane, entry: Entry): void {
    lane.handed++;
    if (this.#handed++ === 0) this.#onBusy?.(true);
    this.#clock = Math.max(this.#clock, lane.poolTime);
    entry.handedAt = this.#now();
    if (this.listenerCount('dispatch') > 0) {
      const waitedMs = entry.queuedAt === undefined ? 0 : entry.handedAt - entry.queuedAt;
      this.emit('dispatch', { owner: lane.owner, handed: lane.handed, waitedMs } satisfies DispatchEvent);
    }
    let running: Promise<unknown>;
    try {
      running = this.#runner.run(entry.task, entry.options);
    } catch (e) {
      running = Promise.reject(e);
    }
    running.then(
      (value) => this.#settled(lane, entry, () => entry.resolve(value)),
      (error: unknown) => this.#settled(lane, entry, () => entry.reject(error)),
    );
  }

  /** An entry left the pool: its lane is charged and the place filled (see the file's comment for when its owner hears first). */
  #settled(lane: Lane, entry: Entry, tellOwner: () => void): void {
    lane.handed--;
    this.#handed--;
    lane.poolTime += this.#now() - entry.handedAt!;
    if (lane.queue.length === 0 && this.#waiting.length > 0) {
      tellOwner();
      queueMicrotask(() => this.#refill(lane));
      return;
    }
    // Its lane has more queued, or nobody else waits: the thread gets its next entry before the owner
    // spends its time on this result.
    this.#offer(lane);
    this.#pump();
    tellOwner();
    queueMicrotask(() => this.#refill(lane));
  }

  #refill(lane: Lane): void {
    this.#offer(lane);
    this.#pump();
    if (this.#handed === 0) this.#onBusy?.(false);
  }
}
