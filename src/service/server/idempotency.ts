/**
 * `Idempotency-Key` on `POST /v1/sessions` (reference/vineyard-skaha.md §C.2, §C.3): a client that
 * retries a create it never heard back from sends the same key, and gets the ids the first request
 * made instead of a second set of sessions. Keys are the caller's own (another token's key of the same
 * text is another key), remembered for a day, at most `perOwner` of them per token (the oldest go
 * first). The same key with a different body is a 422: the key names one request, not a slot to reuse.
 * Only a request that created sessions is remembered (a partial one, 207, with its errors): one that
 * created none may be retried under its key.
 */
import { createHash } from 'node:crypto';
import { HttpError } from './httpErrors.js';

interface Remembered<A> {
  readonly body: string;
  readonly answer: A;
  readonly at: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A digest of the JSON body that does not depend on the order of its keys. */
export function bodyDigest(body: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  };
  return createHash('sha256').update(JSON.stringify(canonical(body) ?? null)).digest('hex');
}

/** Remembers answers of type `A` (the route keeps its status and body) by owner and key. */
export class IdempotencyKeys<A = readonly string[]> {
  readonly #byOwner = new Map<string, Map<string, Remembered<A>>>();
  readonly #ttlMs: number;
  readonly #perOwner: number;
  readonly #now: () => number;

  constructor(options: { readonly ttlMs?: number; readonly perOwner?: number; readonly now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? DAY_MS;
    this.#perOwner = options.perOwner ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The answer of a first request under `key`, if there was one; a 422 if it had another body. */
  replay(owner: string, key: string, body: string): A | undefined {
    const keys = this.#byOwner.get(owner);
    const seen = keys?.get(key);
    if (!seen) return undefined;
    if (this.#now() - seen.at > this.#ttlMs) {
      keys!.delete(key);
      return undefined;
    }
    if (seen.body !== body) {
      throw new HttpError(
        422,
        'IdempotencyKeyReused',
        'This Idempotency-Key was used for a request with another body: send a new key for a new request, or the same body to get the first answer again.',
        'Idempotency-Key',
      );
    }
    return seen.answer;
  }

  remember(owner: string, key: string, body: string, answer: A): void {
    let keys = this.#byOwner.get(owner);
    if (!keys) this.#byOwner.set(owner, (keys = new Map()));
    const now = this.#now();
    // Oldest first (insertion order): drop the expired ones, and the oldest beyond the cap.
    for (const [k, r] of keys) {
      if (now - r.at <= this.#ttlMs && keys.size < this.#perOwner) break;
      keys.delete(k);
    }
    keys.set(key, { body, answer, at: now });
  }
}
