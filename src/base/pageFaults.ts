/**
 * What the first write to a fresh page of memory costs on this thread, measured once: the figure the
 * rules that trade page faults against other work go by (base/droppedCopies.ts, base/warmSpares.ts).
 * It varies more than tenfold across the machines this engine is measured on: 0.7-1 µs on one VM,
 * 2.6 µs on another, 11-14 µs on a third; ~0.2 µs on bare metal.
 */
const PAGE_BYTES = 4096;
const WASM_PAGE_BYTES = 64 << 10;
/** Pages touched to measure a fault's cost (~0.8 ms once where a fault costs 12 µs), timed in groups. */
const PROBE_PAGES = 64;
const GROUP_PAGES = 8;

let pageMs: number | undefined;
let assumed: number | undefined;

/**
 * The cost in ms of faulting in one fresh page on this thread (measured on the first call): the median
 * of its groups of pages. A mean let one hiccup decide: on a VM whose faults cost 0.8-1.2 µs, a group
 * now and then took 8-14 µs a page (another thread faulting at the same moment, or the VM itself), and
 * the engine's first measurement read 3.9 µs in one process of three (`/tmp` probe) — enough to send a
 * warm loop's spares to the helper thread where that costs more than it saves (base/warmSpares.ts).
 */
export function freshPageMs(): number {
  if (assumed !== undefined) return assumed;
  if (pageMs === undefined) {
    // A WebAssembly memory is mapped by V8 itself, never carved from memory the allocator got back.
    const pages = new Uint8Array(new WebAssembly.Memory({ initial: (PROBE_PAGES * PAGE_BYTES) / WASM_PAGE_BYTES }).buffer);
    const groups: number[] = [];
    let started = performance.now();
    for (let group = 0; group < PROBE_PAGES / GROUP_PAGES; group++) {
      const end = (group + 1) * GROUP_PAGES * PAGE_BYTES;
      for (let at = group * GROUP_PAGES * PAGE_BYTES; at < end; at += PAGE_BYTES) pages[at] = 1;
      const now = performance.now();
      groups.push((now - started) / GROUP_PAGES);
      started = now;
    }
    groups.sort((x, y) => x - y);
    const middle = groups.length >> 1;
    pageMs = (groups[middle - 1]! + groups[middle]!) / 2;
  }
  return pageMs;
}

/** Tests: take a fresh page to cost `ms` on this thread, for every rule that asks (undefined: the measured cost). */
export function assumePageCost(ms: number | undefined): void {
  assumed = ms;
}
