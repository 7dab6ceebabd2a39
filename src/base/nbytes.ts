/**
 * Byte accounting for chunk values of any shape: the sum of the distinct buffers reachable from the
 * value (typed arrays, ArrayBuffers, SharedArrayBuffers, Arrow-style nested objects), each buffer
 * counted once even when several views share it.
 */
import { frameNbytes, isFrameChunk } from './frame.js';

export function nbytesOf(value: unknown): number {
  // A frame chunk's dictionaries are strings, which the buffer walk below cannot see.
  if (isFrameChunk(value)) return frameNbytes(value);
  const buffers = new Set<ArrayBufferLike>();
  let total = 0;
  const seen = new Set<object>();
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || depth > 8) return;
    if (ArrayBuffer.isView(v)) {
      // Count the viewed bytes, not the whole buffer: a chunk may be a window on a bigger shared buffer.
      if (!buffers.has(v.buffer) || v.byteLength !== v.buffer.byteLength) total += v.byteLength;
      buffers.add(v.buffer);
      return;
    }
    if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
      if (!buffers.has(v)) total += v.byteLength;
      buffers.add(v);
      return;
    }
    if (seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    if (v instanceof Map) {
      for (const x of v.values()) visit(x, depth + 1);
      return;
    }
    for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], depth + 1);
  };
  visit(value, 0);
  return total;
}
