/**
 * Scratch buffers the CSV parser reuses from chunk to chunk on a thread: a dictionary's hash tables,
 * entry table, byte pool and offsets (csvDict.ts) live only while a chunk is parsed — its output is an
 * exact-size copy (base/utf8Dict.ts makeUtf8Dict) — so they go back here when the chunk is done and the
 * next chunk's dictionaries take them again. On this machine the first touch of fresh memory costs
 * ~3-10 ms/MB and page faults do not overlap across threads; a high-cardinality column (h2o's id3,
 * 1e5 strings a chunk) otherwise faulted ~8 MiB of fresh tables and pools in every chunk.
 *
 * A thread keeps at most MAX_KEPT buffers (the smallest give way first), so what it holds is bounded by
 * the largest chunk's dictionaries.
 */

const MAX_KEPT = 24;
/** Buffers larger than this are not kept (a rare huge dictionary should not pin its memory). */
const MAX_KEPT_BYTES = 64 << 20;

const kept: ArrayBuffer[] = [];

/** An ArrayBuffer of at least `bytes` (a power of two when fresh); its contents are whatever it last held. */
function take(bytes: number): ArrayBuffer {
  let best = -1;
  for (let k = 0; k < kept.length; k++) {
    const b = kept[k]!;
    if (b.byteLength >= bytes && (best < 0 || b.byteLength < kept[best]!.byteLength)) best = k;
  }
  if (best < 0) return new ArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(64, bytes))));
  const b = kept[best]!;
  kept[best] = kept[kept.length - 1]!;
  kept.pop();
  return b;
}

/** Hands a buffer back for later `take`s; the caller must not use its views afterwards. */
export function giveBack(view: ArrayBufferView): void {
  const b = view.buffer;
  if (!(b instanceof ArrayBuffer) || b.byteLength > MAX_KEPT_BYTES || kept.includes(b)) return;
  if (kept.length >= MAX_KEPT) {
    let smallest = 0;
    for (let k = 1; k < kept.length; k++) if (kept[k]!.byteLength < kept[smallest]!.byteLength) smallest = k;
    if (kept[smallest]!.byteLength >= b.byteLength) return;
    kept[smallest] = b;
    return;
  }
  kept.push(b);
}

/** `n` int32s of undefined contents. */
export function scratchInt32(n: number): Int32Array {
  return new Int32Array(take(4 * n), 0, n);
}

/** `n` int32s, all 0 (a hash table: 0 is an empty slot). */
export function zeroedInt32(n: number): Int32Array {
  return scratchInt32(n).fill(0);
}

/** `n` bytes of undefined contents. */
export function scratchBytes(n: number): Uint8Array {
  return new Uint8Array(take(n), 0, n);
}
