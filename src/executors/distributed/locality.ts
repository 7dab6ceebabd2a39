/**
 * What a distributed run knows about where its chunks live beyond Redis: the workers that hold each
 * chunk in memory (the one whose job produced it, and those whose jobs read it — a worker keeps what
 * it fetched, chunkCache.ts), and each chunk's generation (bumped each time the run produces the chunk
 * again after a loss, so no worker's memory of an earlier value is taken for the new one).
 *
 * A task prefers the worker holding most of its input bytes, when that is at least half of them and
 * at least MIN_LOCAL_BYTES: below that, fetching from Redis costs less than waiting for one worker.
 * A worker may have dropped a chunk from memory since (its cache is bounded); the task then fetches
 * it there as it would anywhere, so a stale guess costs nothing but the choice.
 *
 * Workers should not keep what nobody will read: memory held by dead chunks is memory a new chunk
 * cannot reuse, and first touching fresh memory is slow (and does not parallelise) on small VMs. So
 * the task that is the last reader of an input says so (the worker forgets it after the task), and a
 * target nobody else reads is not kept at all (the driver fetches it once).
 */
import type { ChunkGraph } from '../../dag/chunkGraph.js';

/** Input bytes on one worker below which a task goes to whichever worker is free. */
export const MIN_LOCAL_BYTES = 64 * 1024;
/** Workers remembered per chunk (the most recent). */
const HOLDERS_KEPT = 4;

export class Locality {
  readonly #holders = new Map<number, string[]>();
  readonly #generations = new Map<number, number>();
  /** Per chunk, reads (dependency edges) not sent in a task yet. */
  readonly #unsent: Int32Array;

  /** `sizeOf(i)`: chunk `i`'s bytes in the chunk store (0 when unknown); `isTarget(i)`: the run keeps it. */
  constructor(
    readonly graph: ChunkGraph,
    readonly sizeOf: (i: number) => number,
    readonly isTarget: (i: number) => boolean,
  ) {
    this.#unsent = new Int32Array(graph.size);
    for (let i = 0; i < graph.size; i++) this.#unsent[i] = graph.succStart[i + 1]! - graph.succStart[i]!;
  }

  /**
   * Task `i` is being sent: the positions of its inputs it is the last to read (a worker may forget
   * them after it), and whether a worker should keep its output (someone else will read it).
   */
  sending(i: number): { readonly lastReads: number[]; readonly keepOutput: boolean } {
    const lastReads: number[] = [];
    let k = 0;
    for (const d of this.graph.inputsOf(i)) {
      if (--this.#unsent[d]! === 0 && !this.isTarget(d)) lastReads.push(k);
      k++;
    }
    return { lastReads, keepOutput: this.graph.succStart[i + 1]! > this.graph.succStart[i]! };
  }

  generation(i: number): number {
    return this.#generations.get(i) ?? 0;
  }

  /** The worker task `i` should run on, or undefined for any. */
  preferred(i: number): string | undefined {
    const bytes = new Map<string, number>();
    let total = 0;
    for (const d of this.graph.inputsOf(i)) {
      const n = this.sizeOf(d);
      total += n;
      for (const w of this.#holders.get(d) ?? []) bytes.set(w, (bytes.get(w) ?? 0) + n);
    }
    let best: string | undefined;
    let most = 0;
    for (const [w, n] of bytes) {
      if (n > most) [best, most] = [w, n];
    }
    return most >= MIN_LOCAL_BYTES && 2 * most >= total ? best : undefined;
  }

  /** A job of these tasks ran on `worker`: it holds their outputs and the inputs it read. */
  ran(tasks: readonly number[], worker: string): void {
    for (const i of tasks) {
      this.#hold(i, worker);
      for (const d of this.graph.inputsOf(i)) this.#hold(d, worker);
    }
  }

  #hold(i: number, worker: string): void {
    const list = (this.#holders.get(i) ?? []).filter((w) => w !== worker);
    list.push(worker);
    if (list.length > HOLDERS_KEPT) list.shift();
    this.#holders.set(i, list);
  }

  /** Chunk `i` is being produced again (it was lost): a new generation, held nowhere yet. */
  reproduced(i: number): void {
    this.#generations.set(i, this.generation(i) + 1);
    this.#holders.delete(i);
  }

  /** Chunks released from the store: nobody will ask where they are. */
  released(indices: readonly number[]): void {
    for (const i of indices) this.#holders.delete(i);
  }
}
