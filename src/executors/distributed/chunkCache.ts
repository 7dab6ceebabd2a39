/**
 * A distributed worker's memory of chunk values it produced or fetched (issue 12 §1, locality): a later
 * task on the same worker that reads one of them skips the Redis GET and the decode, and its input
 * reaches the kernel threads without a copy (chunk data lives in SharedArrayBuffers).
 *
 * Bounded by bytes, least recently used first out. An entry is keyed by session and chunk-store key,
 * and carries the generation the driver gave that key when it was written: the driver bumps a chunk's
 * generation each time it produces the chunk again after a loss (lineage.ts), so a value cached before
 * the key was deleted and recomputed can never answer for the recomputed one, even if a task were not
 * deterministic. Store keys also hold the run's random id, so two runs never share a key, and the
 * session's id, so two sessions never do. Reading still asks Redis whether the key exists (worker.ts),
 * so a chunk deleted from the store is never served from here: Redis stays the truth, only the bytes
 * are saved.
 */

export interface ChunkCacheStats {
  /** Values held, and their bytes (encoded sizes). */
  readonly entries: number;
  readonly bytes: number;
  /** The byte limit (0: the cache is off). */
  readonly limit: number;
  /** Inputs served from memory, and inputs fetched from the chunk store, since the worker started. */
  readonly hits: number;
  readonly misses: number;
}

interface Entry {
  readonly value: unknown;
  readonly generation: number;
  readonly nbytes: number;
}

/**
 * The default limit: an eighth of the machine's memory, at most 256 MiB. What locality needs is the
 * chunks made or read lately, whose readers are about to run; more only holds dead chunks longer (the
 * driver cannot tell a producer that a reader elsewhere was the last), memory new chunks cannot reuse.
 */
export function defaultCacheBytes(totalMemory: number): number {
  return Math.min(256 * 2 ** 20, Math.floor(totalMemory / 8));
}

export class ChunkCache {
  /** Map order is recency: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(readonly limit: number) {}

  static #id(session: string, key: string): string {
    return `${session}\u0000${key}`;
  }

  /** The value of `key` at `generation` (now the most recently used), or undefined. */
  get(session: string, key: string, generation: number): unknown {
    const id = ChunkCache.#id(session, key);
    const e = this.#entries.get(id);
    if (!e || e.generation !== generation) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, e);
    return e.value;
  }

  /** Counts inputs served from memory (`hits`) and fetched from the chunk store (`misses`). */
  countReads(hits: number, misses: number): void {
    this.#hits += hits;
    this.#misses += misses;
  }

  /** Keeps a value; one larger than the whole limit is not kept (it would only push everything out). */
  set(session: string, key: string, generation: number, value: unknown, nbytes: number): void {
    this.delete(session, key);
    if (nbytes > this.limit) return;
    this.#entries.set(ChunkCache.#id(session, key), { value, generation, nbytes });
    this.#bytes += nbytes;
    for (const [id, e] of this.#entries) {
      if (this.#bytes <= this.limit) break;
      this.#entries.delete(id);
      this.#bytes -= e.nbytes;
    }
  }

  delete(session: string, key: string): void {
    const id = ChunkCache.#id(session, key);
    const e = this.#entries.get(id);
    if (!e) return;
    this.#entries.delete(id);
    this.#bytes -= e.nbytes;
  }

  /** Forgets every value of a session (it closed, or its driver died). */
  dropSession(session: string): void {
    const prefix = `${session}\u0000`;
    for (const [id, e] of this.#entries) {
      if (!id.startsWith(prefix)) continue;
      this.#entries.delete(id);
      this.#bytes -= e.nbytes;
    }
  }

  get stats(): ChunkCacheStats {
    return { entries: this.#entries.size, bytes: this.#bytes, limit: this.limit, hits: this.#hits, misses: this.#misses };
  }
}
