/**
 * The CSV parser's growable column buffers, kept after a parse (its columns are copied out at their
 * exact length) for the next parse on this thread — a worker parses chunk after chunk of one layout —
 * so a chunk's worth of columns is not allocated and zeroed every time, which also spares the GC.
 * Not zeroed on reuse: csvParse.ts writes every row of every column (a null writes 0). Bounded, so a
 * thread keeps at most SPARE_LIMIT bytes between parses.
 */
const spare: ArrayBuffer[] = [];
let spareBytes = 0;
const SPARE_LIMIT = 32 * 2 ** 20;
const SPARE_STEP = 1 << 16;

/** A buffer of at least `bytes` bytes (and not much more), reused or new. */
export function take(bytes: number): ArrayBuffer {
  for (let k = 0; k < spare.length; k++) {
    const buf = spare[k]!;
    if (buf.byteLength >= bytes && buf.byteLength <= 2 * bytes + SPARE_STEP) {
      spare.splice(k, 1);
      spareBytes -= buf.byteLength;
      return buf;
    }
  }
  // Rounded up, so chunks of about the same size reuse each other's buffers.
  return new ArrayBuffer(Math.ceil(bytes / SPARE_STEP) * SPARE_STEP);
}

/** Keeps a finished parse's buffer for the next, within the limit. */
export function give(buf: ArrayBuffer): void {
  if (buf.byteLength < SPARE_STEP || spareBytes + buf.byteLength > SPARE_LIMIT) return;
  spare.push(buf);
  spareBytes += buf.byteLength;
}
