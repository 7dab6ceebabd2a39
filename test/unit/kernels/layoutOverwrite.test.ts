/**
 * The layout kernels that write every element of their output (a slice, a transpose, a reshape's
 * gather, a rechunk's assembly of pieces covering its chunk) take reused memory without zeroing it
 * first (`allocateOverwritten`): run on a buffer left full of 42s, each gives exactly what it gives on
 * fresh memory — so none leaves an element unwritten — and an assembly whose pieces leave elements out
 * still zeroes them. A slice's forward rows, copied as blocks, equal the element-by-element reference.
 */
import { describe, expect, it } from 'vitest';
import { allocate, type ArrayData } from '../../../src/base/ndarray.js';
import { recycle, trackAllocations } from '../../../src/base/scratchPool.js';
import { getKernel } from '../../../src/kernels/index.js';

const ROWS = 48;
const COLS = 64;
const input: ArrayData = { dtype: 'float64', shape: [ROWS, COLS], data: Float64Array.from({ length: ROWS * COLS }, (_, i) => i * 0.5 - 7) };
const at = (r: number, c: number): number => input.data[r * COLS + c] as number;

/** The kernel's output on fresh memory, then on a reused buffer of the same size full of 42s. */
function freshAndDirty(kernel: string, params: object): { fresh: ArrayData; dirty: ArrayData; reused: boolean } {
  const fresh = getKernel(kernel)([input], params as never) as ArrayData;
  const left = trackAllocations(() => allocate('float64', fresh.data.length).fill(42));
  recycle(left.buffers, new Set());
  const dirty = trackAllocations(() => getKernel(kernel)([input], params as never) as ArrayData).value;
  return { fresh, dirty, reused: dirty.data.buffer === left.buffers[0] };
}

/** What a slice with these starts/steps/counts per axis reads, element by element in C order. */
function reference(starts: readonly number[], steps: readonly number[], counts: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < counts[0]!; i++) for (let j = 0; j < counts[1]!; j++) out.push(at(starts[0]! + i * steps[0]!, starts[1]! + j * steps[1]!));
  return out;
}

describe('layout kernels on reused memory', () => {
  const slices: [string, number[], number[], number[]][] = [
    ['rows 3:40, columns 5:60 (forward rows: block copies)', [3, 5], [1, 1], [37, 55]],
    ['every other row, columns 1:63', [0, 1], [2, 1], [24, 62]],
    ['rows reversed, every third column reversed', [47, 63], [-1, -3], [48, 22]],
    ['rows 10:19, whole (contiguous)', [10, 0], [1, 1], [9, COLS]],
  ];
  for (const [name, starts, steps, sliced] of slices) {
    it(`tensor.slice ${name}`, () => {
      const { fresh, dirty, reused } = freshAndDirty('tensor.slice', { starts, steps, sliced, shape: sliced, dtype: 'float64' });
      expect(reused).toBe(true);
      expect([...fresh.data]).toEqual(reference(starts, steps, sliced));
      expect([...dirty.data]).toEqual([...fresh.data]);
    });
  }

  it('tensor.transpose', () => {
    const { fresh, dirty, reused } = freshAndDirty('tensor.transpose', { axes: [1, 0], shape: [COLS, ROWS], dtype: 'float64' });
    expect(reused).toBe(true);
    expect(fresh.data[5 * ROWS + 7]).toBe(at(7, 5));
    expect([...dirty.data]).toEqual([...fresh.data]);
  });

  it('tensor.assemble of pieces that cover its output (a rechunk)', () => {
    const pieces = [
      { input: 0, srcStart: [0, 0], dstStart: [0, 0], extent: [30, COLS] },
      { input: 0, srcStart: [30, 0], dstStart: [30, 0], extent: [18, 40] },
      { input: 0, srcStart: [30, 40], dstStart: [30, 40], extent: [18, 24] },
    ];
    const { fresh, dirty, reused } = freshAndDirty('tensor.assemble', { shape: [ROWS, COLS], dtype: 'float64', pieces });
    expect(reused).toBe(true);
    expect([...fresh.data]).toEqual([...input.data]);
    expect([...dirty.data]).toEqual([...fresh.data]);
  });

  it('tensor.assemble of pieces that leave elements out zeroes them on reused memory too', () => {
    const pieces = [{ input: 0, srcStart: [0, 0], dstStart: [0, 0], extent: [30, COLS] }];
    const { fresh, dirty, reused } = freshAndDirty('tensor.assemble', { shape: [ROWS, COLS], dtype: 'float64', pieces });
    expect(reused).toBe(true);
    expect(fresh.data[ROWS * COLS - 1]).toBe(0);
    expect([...dirty.data]).toEqual([...fresh.data]);
  });

  it('tensor.reshape_gather', () => {
    const params = { shape: [COLS, ROWS], dtype: 'float64', inShape: [ROWS, COLS], outShape: [COLS, ROWS], outStart: [0, 0], inBounds: [[0, ROWS], [0, COLS]], slots: [0] };
    const { fresh, dirty, reused } = freshAndDirty('tensor.reshape_gather', params);
    expect(reused).toBe(true);
    expect([...fresh.data]).toEqual([...input.data]);
    expect([...dirty.data]).toEqual([...fresh.data]);
  });
});
