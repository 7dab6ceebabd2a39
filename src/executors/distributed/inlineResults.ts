/**
 * Tiny chunks skip the chunk store. A job costs the same whether its task makes 225k elements or one:
 * its queue round trips, and per chunk a SET by the worker, a GET or EXISTS by each reader and an UNLINK
 * by the driver. Reductions make many tiny chunks (a sum over 10 row chunks: 10 partials, then a tree of
 * 10 combines of two partials each), so on a 2-core machine most of a CPU-bound run's Redis and
 * driver work was spent on chunks of a few bytes, taken from the kernels.
 *
 * So an output of at most INLINE_BYTES encoded comes back inside the job's result (which the driver
 * reads anyway) and is never written to the store; the driver holds it. A ready task whose inputs the
 * driver all holds, and which is tiny by the threads executor's rule (executors/taskSize.ts: a tensor
 * kernel without a user function, few elements, not a source), runs right there on the driver, as the threads executor runs such tasks on
 * its own thread: no job at all. A task sent to a worker that reads a driver-held chunk gets it uploaded
 * first (run.ts). Faults: a driver-held chunk lives as long as the run, in the driver; a worker that
 * dies takes none of it along.
 */
import { isDriverTask } from '../../kernels/task.js';
import type { ChunkGraph } from '../../dag/chunkGraph.js';
import { decodeChunk, encodeChunkPieces } from '../../store/chunkCodec.js';
import { madeElements, readElements, safeToRunInPlace, TINY_TASK_ELEMENTS } from '../taskSize.js';

/** Outputs up to this many encoded bytes come back in the job's result. */
export const INLINE_BYTES = 4096;

/** A chunk value's encoding, and its base64 when it is small enough to come back in a job's result. */
export function encodeOutput(value: unknown, inlineUpTo: number | undefined): { readonly encoded: ReturnType<typeof encodeChunkPieces>; readonly inline?: string } {
  const encoded = encodeChunkPieces(value);
  if (inlineUpTo === undefined || encoded.byteLength > inlineUpTo) return { encoded };
  return { encoded, inline: Buffer.concat(encoded.pieces, encoded.byteLength).toString('base64') };
}

export function decodeInline(inline: string): unknown {
  return decodeChunk(Buffer.from(inline, 'base64'));
}

/**
 * Whether task `i`, whose inputs are `inputs` (all held by the driver), is cheap enough to run on the
 * driver: a tensor kernel with no user function (a bad one could take the driver down), reading and
 * making few elements, with at least one input.
 */
export function runsOnDriver(graph: ChunkGraph, i: number, inputs: readonly unknown[]): boolean {
  // Sources run on the workers: the driver only finishes what they sent back.
  if (inputs.length === 0 || isDriverTask(graph.kernels[i]!) || !safeToRunInPlace(graph, i)) return false;
  let elements = madeElements(graph, i);
  inputs.forEach((v, k) => (elements += readElements(graph, i, k, v, TINY_TASK_ELEMENTS)));
  return elements < TINY_TASK_ELEMENTS;
}

/** What the driver's held chunks need from their run. */
export interface HeldPort {
  /** Whether chunk `i` of the run is in the chunk store. */
  stored(i: number): boolean;
  /** Puts chunks in the chunk store (and records them as stored). */
  put(entries: readonly (readonly [index: number, value: unknown])[]): Promise<void>;
}

/** The tiny chunks a run's driver holds instead of the chunk store, by chunk index, until released. */
export class DriverHeld {
  readonly #values = new Map<number, { readonly value: unknown; readonly nbytes: number }>();
  #bytes = 0;
  /** Held chunks being uploaded because a task sent to a worker reads them. */
  readonly #uploading = new Map<number, Promise<void>>();

  constructor(readonly port: HeldPort) {}

  has(i: number): boolean {
    return this.#values.has(i);
  }

  /** Encoded bytes of the chunks held (the run's peak counts them). */
  get bytes(): number {
    return this.#bytes;
  }

  set(i: number, value: unknown, nbytes: number): void {
    this.delete(i);
    this.#values.set(i, { value, nbytes });
    this.#bytes += nbytes;
  }

  delete(i: number): void {
    this.#bytes -= this.#values.get(i)?.nbytes ?? 0;
    this.#values.delete(i);
  }

  clear(): void {
    this.#values.clear();
    this.#bytes = 0;
  }

  /** The values of task `i`'s inputs when the driver holds every one of them, else undefined. */
  inputsOf(graph: ChunkGraph, i: number): unknown[] | undefined {
    const inputs: unknown[] = [];
    for (const d of graph.inputsOf(i)) {
      if (!this.#values.has(d)) return undefined;
      inputs.push(this.#values.get(d)!.value);
    }
    return inputs;
  }

  /**
   * Uploads the held chunks among `indices` that are not in the chunk store yet (once, however many
   * tasks read them); resolves once all of them are there, or is undefined when none needed to be.
   */
  upload(indices: readonly number[]): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    const entries: [number, unknown][] = [];
    for (const d of new Set(indices)) {
      if (!this.#values.has(d) || this.port.stored(d)) continue;
      const pending = this.#uploading.get(d);
      if (pending) waits.push(pending);
      else entries.push([d, this.#values.get(d)!.value]);
    }
    if (entries.length > 0) {
      const put = this.port.put(entries).finally(() => entries.forEach(([d]) => this.#uploading.delete(d)));
      entries.forEach(([d]) => this.#uploading.set(d, put));
      waits.push(put);
    }
    return waits.length > 0 ? Promise.all(waits).then(() => {}) : undefined;
  }
}
