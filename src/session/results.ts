/**
 * The session's record of executed results: tileable key → its tiled form (chunk grid and keys), each
 * also a global object in the store whose members are its chunks. A result holds each of its chunks
 * once in the store's chunk ledger (the one count of who needs a chunk: results, runs' targets, runs'
 * pins); releasing a result releases those holds, and a chunk nothing else holds is deleted — at once,
 * or at the last unpin of a run still reading it.
 *
 * A result counts as executed only while every one of its chunks is in the store, so a chunk evicted
 * under the memory limit turns its result back into "recompute from the DAG". The registry keeps no
 * reference to the nodes it records, so it never keeps a user's DAG alive.
 */
import type { TileableNode } from '../dag/nodes.js';
import type { Tiled } from '../ops/op.js';
import type { ObjectStore } from '../store/objectStore.js';
import { measureChunk } from './preRuns.js';

/** The typename and fields a result's global object gets, so it can be read back without its DAG. */
export function resultDescription(node: TileableNode, tiled: Tiled): { typename: string; fields: Record<string, unknown> } {
  const meta = node.meta as { type: string; shape?: readonly number[]; dtype?: string };
  const kind = meta.type.charAt(0).toUpperCase() + meta.type.slice(1);
  // An extent still unknown (NaN) is recorded as null: metadata numbers must be finite.
  const fields: Record<string, unknown> = { type: meta.type, nsplits: tiled.nsplits.map((s) => s.map((x) => (Number.isFinite(x) ? x : null))) };
  // A length unknown when built (NaN: a filtered column as a tensor) is the measured one by now.
  if (meta.shape) fields.shape = meta.shape.map((x, a) => (Number.isNaN(x) ? (tiled.nsplits[a] ?? []).reduce((s, n) => s + n, 0) : x));
  if (meta.dtype) fields.dtype = meta.dtype;
  return { typename: `tessera::Global${kind}`, fields };
}

/** `tiled` with each unknown (NaN) extent of a one-axis tiling replaced by its chunk's measured rows. */
function measuredSplits(tiled: Tiled, rowsOf: (key: string) => number | undefined): Tiled {
  const axis = tiled.nsplits[0];
  if (tiled.nsplits.length !== 1 || !axis!.some((x) => Number.isNaN(x))) return tiled;
  return { nsplits: [axis!.map((x, i) => (Number.isNaN(x) ? (rowsOf(tiled.chunks[i]!) ?? x) : x))], chunks: tiled.chunks };
}

export class ResultRegistry {
  readonly #objects: ObjectStore;
  readonly #entries = new Map<string, Tiled>();

  constructor(objects: ObjectStore) {
    this.#objects = objects;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether a result was registered (its chunks may since have been evicted). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The tiled result, or undefined when it was never executed or lost a chunk to eviction. */
  lookup(key: string): Tiled | undefined {
    const tiled = this.#entries.get(key);
    if (!tiled) return undefined;
    const chunks = this.#objects.chunks;
    for (const c of tiled.chunks) if (!chunks.has(c)) return undefined;
    return tiled;
  }

  /**
   * Records a result whose chunks are in the store; throws (changing nothing) when one is missing.
   * Extents the plan did not know (NaN rows of a filter's chunks, say) are measured from the stored
   * chunks, so later plans that read this result know them, as Mars updates nsplits after a run.
   */
  register(node: TileableNode, planned: Tiled): void {
    const chunks = this.#objects.chunks;
    const tiled = measuredSplits(planned, (k) => measureChunk(chunks.get(k)).rows);
    const { typename, fields } = resultDescription(node, tiled);
    chunks.registerResult(node.key, tiled.chunks, { typename, fields: fields as never });
    // Hold the new chunks before letting go of an older record of the same result: they may be the same.
    for (const c of tiled.chunks) chunks.retain(c);
    const old = this.#entries.get(node.key);
    this.#entries.set(node.key, tiled);
    if (old) for (const c of old.chunks) chunks.release(c);
  }

  /** The printed id of a result's global object. */
  objectId(key: string): string | undefined {
    return this.#objects.chunks.resultId(key)?.toString();
  }

  /**
   * Forgets a result and releases its chunks; `keepCached` leaves chunks nothing else holds in the store
   * as evictable cache instead of deleting them. False when there was no such result.
   */
  release(key: string, keepCached = false): boolean {
    const tiled = this.#entries.get(key);
    if (!tiled) return false;
    this.#entries.delete(key);
    const id = this.#objects.chunks.resultId(key);
    // Shallow: the global record goes, its chunk members stay for the releases below.
    if (id && !this.#objects.getMeta(id).isPersist) this.#objects.delete(id, { deep: false });
    for (const c of tiled.chunks) this.#objects.chunks.release(c, { keepCached });
    return true;
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }
}
