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
import { type EndedRun, RunTally } from './runTally.js';

export interface ProgressSink {
  record(update: { readonly dag: DagProgress; readonly memoryInUse: number; readonly storeObjects: number }): void;
  log(line: string): void;
}

export class ProgressFeed {
  readonly #session: Session;
  readonly #sink: ProgressSink;
  readonly #intervalMs: number;
  readonly #tally = new RunTally();
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
    this.#logEnded(this.#tally.closeCurrent());
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
    if (this.#tally.current !== e.run) {
      this.#logEnded(this.#tally.begin(e.total, e.run));
      // A run with nothing to run announces no end of its own.
      if (e.total === 0) this.#tally.end(true);
      else this.#sink.log(`run ${e.run}: ${e.total} chunk${e.total === 1 ? '' : 's'} to run`);
    }
    this.#tally.progress(e.done, e.total);
    this.#schedule();
  }

  #finished(stats: RunStats): void {
    if (this.#tally.current === stats.run) this.#tally.end(true);
    this.#sink.log(`run ${stats.run} done: ${stats.executed} chunks run, ${stats.reused} reused, in ${Math.round(stats.durationMs)} ms`);
    this.#schedule();
  }

  #logEnded(run: EndedRun | undefined): void {
    if (run?.unfinished) this.#sink.log(`run ${run.run} failed or was cancelled after ${run.done} of ${run.total} chunks`);
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
    const dag = this.#tally.snapshot();
    const closed = this.#session.closed;
    const status = closed ? undefined : this.#session.store.status();
    this.#sink.record({
      dag,
      memoryInUse: status?.memoryUsage ?? 0,
      storeObjects: status === undefined ? 0 : status.objects - status.persisted,
    });
  }
}
