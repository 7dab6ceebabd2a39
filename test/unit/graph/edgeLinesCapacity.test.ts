/**
 * The fast edge-line parser sizes its shared columns from a sampled estimate of the records (not a
 * counting pass): a range whose sampled windows hold longer or shorter lines than the rest must still
 * give every edge, in arrays that grew as needed and were trimmed when the estimate overshot.
 */
import { describe, expect, it } from 'vitest';
import { parseDelimitedEdges } from '../../../src/graph/delimited.js';
import { parseEdgeLines } from '../../../src/graph/edgeLines.js';
import type { IdColumn } from '../../../src/graph/idColumns.js';

/** Lines of `bytes` total, long (an extra 300-byte field) where `long(at)` says for the line's start offset. */
function edgeFile(bytes: number, long: (at: number) => boolean): Uint8Array {
  const lines: string[] = [];
  let at = 0;
  for (let i = 0; at < bytes; i++) {
    const line = `${i % 1000} ${(i * 7) % 1000} 0.${i % 97}${long(at) ? ` ${'x'.repeat(300)}` : ''}\n`;
    lines.push(line);
    at += line.length;
  }
  return new TextEncoder().encode(lines.join(''));
}

/** The 16 windows of 32 KiB the estimate samples over a range of `size` bytes (edgeLines.ts). */
const inWindow = (size: number) => (at: number): boolean => {
  const stride = Math.floor((size - (1 << 15)) / 15);
  return at % stride < 1 << 15;
};

const options = { file: 'f', delimiter: ' ', header: false, idType: 'int' as const, src: 0, dst: 1, weight: 2 };

describe('edge-line columns sized by an estimate', () => {
  for (const [name, long] of [
    ['long lines where the estimate samples (it undercounts: the columns grow)', (size: number) => inWindow(size)],
    ['short lines where the estimate samples (it overcounts: the columns are trimmed)', (size: number) => (at: number) => !inWindow(size)(at)],
    ['lines lengthening along the range', (size: number) => (at: number) => at > size / 2],
  ] as const) {
    it(name, () => {
      const size = 3 << 20;
      const bytes = edgeFile(size, long(size));
      const fast = parseEdgeLines(bytes, options);
      const careful = parseDelimitedEdges(bytes, options);
      const numbers = (c: IdColumn): Int32Array | Float64Array => {
        if (c.kind !== 'number') throw new Error(`expected a number column, got ${c.kind}`);
        return c.values;
      };
      const [src, dst] = [numbers(fast.src), numbers(fast.dst)];
      const n = numbers(careful.src).length;
      expect(src).toBeInstanceOf(Int32Array);
      expect([...src]).toEqual([...numbers(careful.src)]);
      expect([...dst]).toEqual([...numbers(careful.dst)]);
      expect([...fast.weights!]).toEqual([...careful.weights!]);
      for (const column of [src, dst, fast.weights!]) {
        expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(column.buffer.byteLength / column.BYTES_PER_ELEMENT).toBeLessThanOrEqual(n * 1.1 + 1024);
      }
    });
  }
});
