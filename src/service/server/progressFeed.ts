/**
 * Feeds an engine session's progress into its registry record and journal. The session emits a
 * 'progress' event per finished chunk, which is far too often for immer patches that every dashboard
 * and event stream receives, so the record is refreshed at most once per interval (the last state always
 * lands). Only counters enter the registry; the log gets one line when a run starts and one when it ends.
 *
 * A run that fails or is cancelled emits no 'run' event: it is counted as failed when the next run
 * starts, or when the feed stops.
 */
import type { ProgressEvent, RunStats, Session } from '../../session/index.js';
import type { DagProgress } from './registry.js';

export interface ProgressSink {
  record(update: { readonly dag: DagProgress; readonly memoryInUse: number; readonly storeObjects: number }): void;
  log(line: string): void;
}

export class ProgressFeed {
  readonly #session: Session;
  readonly #sink: ProgressSink;
  readonly #intervalMs: number;
  #runs = 0;
  #failedRuns = 0;
  /** Chunks of the runs before the current one. */
  #closedTotal = 0;
  #closedDone = 0;
  #current: { run: number; done: number; total: number; finished: boolean } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastFlush = 0;
  readonly #onProgress = (e: ProgressEvent): void => this.#guard(() => this.#progress(e));
  readonly #onRun = (stats: RunStats): void => this.#guard(() => this.#finished(stats));

  constructor(session: Session, sink: ProgressSink, intervalMs = 100) {
    this.#session = session;
    this.#sink = sink;
    this.#intervalMs = intervalMs;
    session.on('progress', this.#onProgress);
    session.on('run', this.#onRun);
  }

  /** Detaches from the session; the record gets its last state. */
  stop(): void {
    this.#session.off('progress', this.#onProgress);
    this.#session.off('run', this.#onRun);
    this.#endCurrent();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
  }

  /** A listener that throws would stop the user's run (ListenerError): bookkeeping must never do that. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch {
      // The record misses one update; the next event or the final flush brings it up to date.
    }
  }

  #progress(e: ProgressEvent): void {
    if (this.#current?.run !== e.run) {
      this.#endCurrent();
      this.#runs = Math.max(this.#runs, e.run);
      this.#current = { run: e.run, done: e.done, total: e.total, finished: e.total === 0 };
      if (e.total > 0) this.#sink.log(`run ${e.run}: ${e.total} chunk${e.total === 1 ? '' : 's'} to run`);
    } else {
      this.#current.done = e.done;
      this.#current.total = e.total;
    }
    this.#schedule();
  }

  #finished(stats: RunStats): void {
    if (this.#current?.run === stats.run) this.#current.finished = true;
    this.#sink.log(`run ${stats.run} done: ${stats.executed} chunks run, ${stats.reused} reused, in ${Math.round(stats.durationMs)} ms`);
    this.#schedule();
  }

  #endCurrent(): void {
    const c = this.#current;
    if (!c) return;
    if (!c.finished) {
      this.#failedRuns++;
      this.#sink.log(`run ${c.run} failed or was cancelled after ${c.done} of ${c.total} chunks`);
    }
    this.#closedTotal += c.total;
    this.#closedDone += c.done;
    this.#current = undefined;
  }

  #schedule(): void {
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastFlush + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#guard(() => this.#flush());
    }, wait);
    this.#timer.unref();
  }

  #flush(): void {
    this.#lastFlush = Date.now();
    const c = this.#current;
    const dag: DagProgress = {
      runs: this.#runs,
      chunksTotal: this.#closedTotal + (c?.total ?? 0),
      chunksDone: this.#closedDone + (c?.done ?? 0),
      running: c !== undefined && !c.finished,
      failedRuns: this.#failedRuns,
    };
    const closed = this.#session.closed;
    const status = closed ? undefined : this.#session.store.status();
    this.#sink.record({
      dag,
      memoryInUse: status?.memoryUsage ?? 0,
      storeObjects: status === undefined ? 0 : status.objects - status.persisted,
    });
  }
}
