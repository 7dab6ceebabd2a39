/**
 * The one count of who needs a chunk: holders (`retain`/`release`: the session's results, a run's
 * targets) and pins (`pin`/`unpin`: a run reading or writing it right now). Eviction reads it, and every
 * deletion of a chunk by key goes through it, so a chunk's lifetime has one owner.
 *
 * Invariants:
 * - Counts are per key, nest, may come before the chunk exists, never go below zero, and leave no
 *   entry behind at zero (a key nobody counts costs nothing).
 * - A chunk is deleted only when it has no holder and no pin. Asking to delete a pinned chunk marks it
 *   *doomed*: it goes at its last unpin, so a run can never lose a chunk it is reading.
 * - Releasing the last hold deletes the chunk (through the same rule) unless the caller asks to keep it
 *   as cache; releasing a chunk nobody holds changes nothing; a new hold revokes a pending deletion.
 */

export type Disposal = 'deleted' | 'deferred' | 'kept';

export class ChunkLedger {
  readonly #holds = new Map<string, number>();
  readonly #pins = new Map<string, number>();
  readonly #doomed = new Set<string>();
  readonly #drop: (key: string) => void;

  /** `drop` removes a chunk from the store; the ledger calls it once nothing holds or pins the chunk. */
  constructor(drop: (key: string) => void) {
    this.#drop = drop;
  }

  holds(key: string): number {
    return this.#holds.get(key) ?? 0;
  }
  pins(key: string): number {
    return this.#pins.get(key) ?? 0;
  }
  isDoomed(key: string): boolean {
    return this.#doomed.has(key);
  }

  retain(key: string): number {
    const n = this.holds(key) + 1;
    this.#holds.set(key, n);
    this.#doomed.delete(key);
    return n;
  }

  /** One hold fewer; at zero the chunk is disposed of, unless `keepCached` leaves it as evictable cache. */
  release(key: string, keepCached = false): number {
    if (this.holds(key) === 0) return 0;
    const n = decrement(this.#holds, key);
    if (n === 0 && !keepCached) this.dispose(key);
    return n;
  }

  pin(key: string): void {
    this.#pins.set(key, this.pins(key) + 1);
  }

  unpin(key: string): void {
    if (decrement(this.#pins, key) === 0 && this.#doomed.delete(key)) this.#drop(key);
  }

  /** Deletes the chunk now if nothing holds or pins it, at its last unpin if only pins remain. */
  dispose(key: string): Disposal {
    if (this.holds(key) > 0) return 'kept';
    if (this.pins(key) > 0) {
      this.#doomed.add(key);
      return 'deferred';
    }
    this.#drop(key);
    return 'deleted';
  }

  /** Forgets every count (the store is being cleared). */
  reset(): void {
    this.#holds.clear();
    this.#pins.clear();
    this.#doomed.clear();
  }

  /** Keys with at least one hold or pin: what a leak check looks at. */
  get counted(): number {
    return new Set([...this.#holds.keys(), ...this.#pins.keys()]).size;
  }
}

function decrement(counts: Map<string, number>, key: string): number {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
  return Math.max(n, 0);
}
