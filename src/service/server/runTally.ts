/**
 * A session's runs as its registry record counts them (`DagProgress`), kept by one class for both
 * sources: an interactive session's progress events (progressFeed.ts) and a headless child's chunk events
 * (headless/chunkChannel.ts). A run that is begun while the one before it never ended counts as failed
 * (a failed or cancelled run announces nothing of its end to the progress feed).
 */
import type { DagProgress } from './registry.js';

export interface EndedRun {
  readonly run: number;
  readonly done: number;
  readonly total: number;
  /** It never ended: counted as failed or cancelled. */
  readonly unfinished: boolean;
}

export class RunTally {
  #runs = 0;
  #failedRuns = 0;
  /** Chunks of the runs before the current one. */
  #closedTotal = 0;
  #closedDone = 0;
  #current: { run: number; total: number; done: number; ended: boolean } | undefined;

  /** The number of the current run, if one is counted. */
  get current(): number | undefined {
    return this.#current?.run;
  }

  /**
   * A new run of `total` chunks: the one before it is closed (and returned, for a log line). `run` is the
   * session's own number for it where the source has one (runs it never reported are counted then too).
   */
  begin(total: number, run?: number): EndedRun | undefined {
    const before = this.closeCurrent();
    this.#runs = Math.max(this.#runs + 1, run ?? 0);
    this.#current = { run: run ?? this.#runs, total, done: 0, ended: false };
    return before;
  }

  progress(done: number, total?: number): void {
    if (!this.#current) return;
    this.#current.done = done;
    if (total !== undefined) this.#current.total = total;
  }

  /** A chunk of the current run finished. */
  finishedOne(): void {
    if (this.#current) this.#current.done++;
  }

  /** The current run ended; a run that ended in failure is counted as failed. */
  end(ok: boolean): void {
    const c = this.#current;
    if (!c || c.ended) return;
    c.ended = true;
    if (!ok) this.#failedRuns++;
  }

  /** Closes the current run (a run that never ended counts as failed); returns it, or undefined if none. */
  closeCurrent(): EndedRun | undefined {
    const c = this.#current;
    if (!c) return undefined;
    if (!c.ended) this.#failedRuns++;
    this.#closedTotal += c.total;
    this.#closedDone += c.done;
    this.#current = undefined;
    return { run: c.run, done: c.done, total: c.total, unfinished: !c.ended };
  }

  /** The counts for the record; `sourceGone`: a current run that never ended will not, so it counts as failed. */
  snapshot(sourceGone = false): DagProgress {
    const c = this.#current;
    const open = c !== undefined && !c.ended;
    return {
      runs: this.#runs,
      chunksTotal: this.#closedTotal + (c?.total ?? 0),
      chunksDone: this.#closedDone + (c?.done ?? 0),
      running: open && !sourceGone,
      failedRuns: this.#failedRuns + (open && sourceGone ? 1 : 0),
    };
  }
}
