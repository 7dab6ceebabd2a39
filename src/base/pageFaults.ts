/**
 * What the first write to a fresh page of memory costs on this thread, measured once: the figure the
 * rules that trade page faults against other work go by (base/droppedCopies.ts, base/warmSpares.ts).
 * It varies more than tenfold across the machines this engine is measured on: 0.7-1 µs on one VM,
 * 2.6 µs on another, 11-14 µs on a third; ~0.2 µs on bare metal.
 */
const PAGE_BYTES = 4096;
const WASM_PAGE_BYTES = 64 << 10;
/** Pages touched to measure a fault's cost: ~0.8 ms once where a fault costs 12 µs. */
const PROBE_PAGES = 64;

let pageMs: number | undefined;

/** The cost in ms of faulting in one fresh page on this thread (measured on the first call). */
export function freshPageMs(): number {
  if (pageMs === undefined) {
    // A WebAssembly memory is mapped by V8 itself, never carved from memory the allocator got back.
    const pages = new Uint8Array(new WebAssembly.Memory({ initial: (PROBE_PAGES * PAGE_BYTES) / WASM_PAGE_BYTES }).buffer);
    const started = performance.now();
    for (let at = 0; at < pages.length; at += PAGE_BYTES) pages[at] = 1;
    pageMs = (performance.now() - started) / PROBE_PAGES;
  }
  return pageMs;
}
