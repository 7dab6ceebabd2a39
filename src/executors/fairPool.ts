/**
 * Fair sharing of one worker pool between the sessions of a process (DESIGN §8). Piscina serves its
 * queue first come, first served: a session with a long run would keep its tasks ahead of everyone
 * else's. So each session gets a lane with a queue of its own, and the dispatcher keeps at most
 * `limit` entries (the pool's thread count) in the pool — Piscina's own queue stays empty, so the order
 * chosen here is the order tasks run in — and gives each free place to the lane with the fewest
 * entries in the pool, in turn among equals (max-min fairness in threads). An entry is whatever an
 * executor sends as one message (a batch of light tasks, one heavy task, a gang member), so shares are
 * counted in messages, not estimated cost: the threads executor already sizes its messages to be worth
 * one round trip each. Tasks are not preempted, so a small run still waits for a thread to finish what
 * it is doing — at most one task of the long run per step of the small one, not the long run's backlog.
 *
 * A place freed by a finished entry is filled only after that entry's owner has heard of it (a
 * microtask later), so a run whose next step depends on the result competes for the place it just
 * left instead of finding it taken by a lane that had entries waiting.
 *
 * A lane's `cap` is its session's concurrency: at most `cap` of its entries are in the pool at once,
 * so a session asking for one worker never holds two threads, whatever else is idle.
 *
 * A queued entry whose abort signal fires leaves its lane at once (rejected with CancelledError); an
 * entry already in the pool is aborted by Piscina, which ends the thread running it — that thread ran
 * this lane's task, so no other session's work is lost. Closing a lane rejects what it still has queued.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import type { Piscina } from 'piscina';
import { CancelledError } from '../base/errors.js';

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
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  onAbort?: () => void;
}

/** What a 'dispatch' event says: whose entry went to the pool, and how many of its entries are there now. */
export interface DispatchEvent {
  readonly owner: string;
  readonly handed: number;
}

export interface LaneStats {
  readonly owner: string;
  readonly cap: number;
  /** Entries in the pool (running, or about to). */
  readonly handed: number;
  /** Entries waiting for their turn. */
  readonly queued: number;
}

/** One session's way into a shared pool: a `TaskRunner` whose entries take turns with other lanes'. */
export class Lane implements TaskRunner {
  readonly queue = new Fifo<Entry>();
  handed = 0;
  /** Whether the lane waits for a turn, in which of the dispatcher's turn queues, and with which ticket. */
  waiting = false;
  place = 0;
  ticket = 0;
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
    return { owner: this.owner, cap: this.cap, handed: this.handed, queued: this.queue.length };
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
}

export class FairDispatcher extends EventEmitter {
  readonly limit: number;
  readonly #runner: TaskRunner;
  readonly #onBusy: ((busy: boolean) => void) | undefined;
  /** Lanes waiting for a turn, by their entries in the pool when they took their place. */
  readonly #turns: Fifo<{ readonly lane: Lane; readonly ticket: number }>[] = [];
  #waitingLanes = 0;
  #handed = 0;

  constructor(runner: TaskRunner, options: DispatcherOptions) {
    super();
    this.#runner = runner;
    this.limit = options.limit;
    this.#onBusy = options.onBusy;
  }

  /** Entries in the pool, over every lane. */
  get handed(): number {
    return this.#handed;
  }

  lane(cap: number, owner: string): Lane {
    return new Lane(this, cap, owner);
  }

  submit(lane: Lane, task: unknown, options: TaskOptions): Promise<unknown> {
    if (lane.closed) return Promise.reject(new CancelledError('The executor is closed.'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new CancelledError('The task was aborted before it reached a worker.'));
    return new Promise((resolve, reject) => {
      const entry: Entry = { task, options, resolve, reject };
      // Nobody waits for a turn and there is room: this entry goes at once.
      if (this.#waitingLanes === 0 && lane.handed < lane.cap && this.#handed < this.limit) {
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
      lane.queue.push(entry);
      this.#offer(lane);
      this.#pump();
    });
  }

  /** Gives `lane` a place in the turns for its current count of entries in the pool, if it may send. */
  #offer(lane: Lane): void {
    if (!lane.eligible) return;
    if (lane.waiting) {
      // A lane whose entry finished while it waited moves up to the place its count now gives it.
      if (lane.place === lane.handed) return;
    } else {
      lane.waiting = true;
      this.#waitingLanes++;
    }
    lane.ticket++;
    lane.place = lane.handed;
    (this.#turns[lane.handed] ??= new Fifo()).push({ lane, ticket: lane.ticket });
  }

  /** The waiting lane with the fewest entries in the pool (the longest waiting among those). */
  #next(): Lane | undefined {
    for (const turns of this.#turns) {
      for (let place = turns?.shift(); place; place = turns!.shift()) {
        const { lane, ticket } = place;
        if (!lane.waiting || lane.ticket !== ticket) continue;
        lane.waiting = false;
        this.#waitingLanes--;
        // An abort or a close may have emptied it since it took its place.
        if (lane.eligible) return lane;
      }
    }
    return undefined;
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
    if (this.listenerCount('dispatch') > 0) this.emit('dispatch', { owner: lane.owner, handed: lane.handed } satisfies DispatchEvent);
    let running: Promise<unknown>;
    try {
      running = this.#runner.run(entry.task, entry.options);
    } catch (e) {
      running = Promise.reject(e);
    }
    running.then(
      (value) => this.#settled(lane, () => entry.resolve(value)),
      (error: unknown) => this.#settled(lane, () => entry.reject(error)),
    );
  }

  /** An entry left the pool: its owner hears first (see the file's comment), then the place is filled. */
  #settled(lane: Lane, tellOwner: () => void): void {
    lane.handed--;
    this.#handed--;
    tellOwner();
    queueMicrotask(() => {
      this.#offer(lane);
      this.#pump();
      if (this.#handed === 0) this.#onBusy?.(false);
    });
  }
}
