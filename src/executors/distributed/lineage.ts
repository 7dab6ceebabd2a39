/**
 * Lost chunks are recomputed from the DAG (lineage, as Ray and Dask do): a chunk whose Redis key is
 * gone when a task or the driver reads it — deleted by hand, expired, evicted by a Redis with the
 * wrong maxmemory policy — is produced again by rerunning its task. Tasks are pure and write keyed
 * outputs, so a rerun is always legal and gives the same bytes. An input of that task which the run
 * had already released (its consumers were all done) is restored the same way first, recursively; a
 * fetch chunk is uploaded again from the session's store, where it is pinned for the run.
 *
 * Bounded: a chunk lost more than MAX_LOSSES times in one run fails the run with ChunkLostError —
 * something keeps removing the session's keys, and recomputing again would loop instead of failing.
 * Chunks restored only because a recomputation needed them stay in the chunk store until the run ends.
 */
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import { ChunkLostError } from './errors.js';
import type { JobEnd } from './jobPort.js';

/** How often one chunk may be lost in a run before the run fails instead of recomputing it again. */
export const MAX_LOSSES = 3;

/** What recovery needs from its run. */
export interface LineagePort {
  readonly graph: ChunkGraph;
  readonly session: string;
  /** Whether the run still holds chunk `i` in the chunk store (not released yet). */
  held(i: number): boolean;
  /** Uploads fetch chunk `i` again from the session's store. */
  reupload(i: number): Promise<void>;
  /** Runs task `i` alone in a job of its own. */
  runTask(i: number): Promise<JobEnd>;
  /** Records task `i`'s output as held again (its size from the job's result). */
  restored(i: number, end: Extract<JobEnd, { ok: true }>): void;
  /** The chunk a failed job could not read, or undefined when it failed for another reason. */
  lostInput(end: JobEnd): number | undefined;
  /** The error a failed recomputation of task `i` fails the run with. */
  failure(i: number, end: JobEnd): Error;
}

export class Lineage {
  readonly #losses = new Map<number, number>();
  readonly #restoring = new Map<number, Promise<void>>();

  constructor(readonly port: LineagePort) {}

  /** Puts chunk `i` back in the chunk store after it was found missing there. */
  lost(i: number): Promise<void> {
    const losses = (this.#losses.get(i) ?? 0) + 1;
    this.#losses.set(i, losses);
    if (losses > MAX_LOSSES) return Promise.reject(new ChunkLostError(this.port.graph.keys[i]!, losses, this.port.session));
    return this.#restore(i);
  }

  /** Restores chunk `i` once however many consumers ask for it at the same time. */
  #restore(i: number): Promise<void> {
    let p = this.#restoring.get(i);
    if (!p) {
      p = this.#produce(i).finally(() => this.#restoring.delete(i));
      this.#restoring.set(i, p);
    }
    return p;
  }

  async #produce(i: number): Promise<void> {
    const { graph } = this.port;
    if (graph.kernels[i] === null) return this.port.reupload(i);
    for (;;) {
      const released = Array.from(graph.inputsOf(i)).filter((d) => !this.port.held(d));
      await Promise.all(released.map((d) => this.#restore(d)));
      const end = await this.port.runTask(i);
      if (end.ok) {
        this.port.restored(i, end);
        return;
      }
      const input = this.port.lostInput(end);
      if (input === undefined) throw this.port.failure(i, end);
      await this.lost(input);
    }
  }
}
