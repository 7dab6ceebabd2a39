/**
 * Freeing the copies a user has dropped before making a big new one, where fresh pages are dear.
 *
 * Why: a fetched result is the user's own copy (a 1M-vertex `toArray('r')` is 8 MB). A loop that fetches
 * one copy after another and drops each leaves the old ones to V8, which frees their memory only when
 * it collects — rarely, since a copy weighs nothing on the JS heap — so until then every copy is made in
 * fresh memory and faults its pages in: on this project's VMs 2,050 faults and 23-54 ms a fetch, where
 * a fetch into memory the allocator hands back warm takes 1.5-2 ms (R-MAT s20, `ready.ts --sections
 * toarray`: the first four fetches of a session; spares faulted in ahead (warmSpares.ts) cannot keep up
 * with a loop that never waits). A minor collection frees dropped copies — their wrappers are young — in
 * 0.5-1 ms here (3.8 the most seen, 2.7 with 33M string ids on the heap).
 *
 * So before a copy of at least MIN_BYTES, if copies of at least as many bytes were handed out since the
 * last such collection (some may be garbage by now) and faulting in that many fresh pages would cost
 * more than collections have lately taken, this thread collects first. A fresh page's cost is measured
 * once per thread (base/pageFaults.ts): 11-14 µs on the VM this was written on, where a copy's faults
 * cost ~12 µs a page. Where a fault costs ~0.2 µs, as on bare metal, an 8 MB copy's faults cost 0.4 ms
 * and the rule never fires.
 */
import { collectMinorNow } from './gcNudge.js';
import { freshPageMs } from './pageFaults.js';

/** Below this a copy's faults cost about what a collection does, even on the dearest machines. */
export const MIN_BYTES = 1 << 20;
const PAGE_BYTES = 4096;
/** What a minor collection is taken to cost until one has been timed. */
const FIRST_GUESS_MS = 1;

let collectionMs = FIRST_GUESS_MS;
let handedSince = 0;
let collections = 0;

/**
 * The rule: a copy of `bytes` is worth a collection first when it is big, at least as many bytes of
 * copies were handed out since the last one, and its pages' faults would cost more than a collection.
 * `pageMs` is asked for last: it is measured only once a copy passes the first two tests.
 */
export function collectionPays(bytes: number, handedSince: number, pageMs: () => number, collectionMs: number): boolean {
  return bytes >= MIN_BYTES && handedSince >= bytes && (bytes / PAGE_BYTES) * pageMs() > collectionMs;
}

/**
 * Call before making a copy of `bytes` for the user; collects first when that pays (see the file's
 * comment). Whether it collected.
 */
export function beforeUserCopy(bytes: number): boolean {
  let collected = false;
  if (collectionPays(bytes, handedSince, freshPageMs, collectionMs)) {
    const took = collectMinorNow();
    if (took !== undefined) {
      // Smoothed: one slow collection (a bigger young generation than usual) does not turn the rule off.
      collectionMs = (collectionMs + took) / 2;
      handedSince = 0;
      collections++;
      collected = true;
    }
  }
  handedSince += bytes;
  return collected;
}

/** Collections this thread ran before copies (for tests and probes). */
export function droppedCopyCollections(): number {
  return collections;
}
