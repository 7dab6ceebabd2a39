/**
 * Big chunks live in WebAssembly memories and max/min read them in place (base/wasmMemory.ts,
 * kernels/tensor/wasmExtreme.ts): through a lazy session on both executors — on threads the chunks are
 * made in the workers, their memories travel to this thread with them and back out with the next run's
 * tasks — full and strided reductions equal the reference fold of the fetched values, NumPy's rules for
 * NaN (it wins) and signed zeros (the first one wins) included. Row sums and means read in place too
 * (kernels/tensor/wasmSum.ts): they have the very bits of the same tensor in small chunks (plain
 * buffers, summed by the JavaScript loop).
 */
import { describe, expect, it } from 'vitest';
import { type NdArray, type Session, tensor as tt, type Tensor } from '../../src/index.js';
import { sessionsForFile } from '../support/lifecycle.js';

const ROWS = 1500;
const COLS = 2000;
/** 600 x 2000 doubles: 9.6 MB chunks, big enough for a memory of their own. */
const CHUNK = [600, COLS];

const sessions = sessionsForFile();

/** The elements of rows [r0, r1) by rStep and columns [c0, c1) by cStep of a ROWS x COLS array, in order. */
function picked(v: Float64Array, [r0, r1, rStep]: readonly number[], [c0, c1, cStep]: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = r0!; rStep! > 0 ? r < r1! : r > r1!; r += rStep!) for (let c = c0!; cStep! > 0 ? c < c1! : c > c1!; c += cStep!) out.push(v[r * COLS + c]!);
  return out;
}

const firstWins = (op: 'min' | 'max', v: readonly number[]): number =>
  v.reduce((m, x) => (m !== m ? m : x !== x || (op === 'max' ? x > m : x < m) ? x : m), op === 'max' ? -Infinity : Infinity);

const scalar = async (sess: Session, t: Tensor): Promise<number> => ((await sess.run(t)) as NdArray).item() as number;

const SLICES: readonly [string, readonly number[], readonly number[]][] = [
  ['::2, 100:1900', [0, ROWS, 2], [100, 1900, 1]],
  ['1::3', [1, ROWS, 3], [0, COLS, 1]],
  ['7:8, 3:1999', [7, 8, 1], [3, 1999, 1]],
  ['::-1, 5:50', [ROWS - 1, -1, -1], [5, 50, 1]],
  [':, 7', [0, ROWS, 1], [7, 8, 1]],
];

describe.each(['local', 'threads'] as const)('reductions of big chunks on %s', (kind) => {
  it('over the whole tensor and over slices equal the fold of the fetched values', async () => {
    const sess = sessions[kind];
    const x = tt.random.rand([ROWS, COLS], { seed: 5, chunkSize: CHUNK }).mul(4).sub(2);
    const values = ((await sess.run(x)) as NdArray).data as Float64Array;
    for (const op of ['max', 'min'] as const) {
      expect(await scalar(sess, op === 'max' ? x.max() : x.min())).toBe(firstWins(op, Array.from(values)));
      for (const [index, rows, cols] of SLICES) {
        const s = x.slice(index);
        expect(await scalar(sess, op === 'max' ? s.max() : s.min())).toBe(firstWins(op, picked(values, rows, cols)));
      }
    }
  });

  it('a NaN wins; of zeros the first in order wins, -0 or 0', async () => {
    const sess = sessions[kind];
    const v = new Float64Array(ROWS * COLS).fill(-5);
    v[900 * COLS + 1000] = NaN;
    // Made by a kernel (`mul(1)`, which keeps -0), so the chunks are the engine's own, not the user's array.
    const withNaN = tt.array(v, { shape: [ROWS, COLS], chunkSize: CHUNK }).mul(1);
    await sess.run(withNaN);
    expect(await scalar(sess, withNaN.slice('::2, 100:1900').max())).toBeNaN();
    expect(await scalar(sess, withNaN.slice('1::2').max())).toBe(-5);

    v[900 * COLS + 1000] = -5;
    v[300 * COLS + 40] = -0;
    v[1200 * COLS + 50] = 0;
    const zeros = tt.array(v, { shape: [ROWS, COLS], chunkSize: CHUNK }).mul(1);
    await sess.run(zeros);
    expect(Object.is(await scalar(sess, zeros.max()), -0)).toBe(true);
    expect(Object.is(await scalar(sess, zeros.slice('::-1').max()), 0)).toBe(true);
    expect(Object.is(await scalar(sess, zeros.slice('::2, 40:60').max()), -0)).toBe(true);
  });

  it('row sums and means of big chunks have the bits of the same rows in small chunks', async () => {
    const sess = sessions[kind];
    // The same values (a counter-based generator: chunking does not change them), in 9.6 MB chunks and in 0.8 MB ones.
    const big = tt.random.rand([ROWS, COLS], { seed: 9, chunkSize: CHUNK }).mul(1e6).sub(5e5);
    const small = tt.random.rand([ROWS, COLS], { seed: 9, chunkSize: [50, COLS] }).mul(1e6).sub(5e5);
    await sess.run([big, small]);
    const bits = async (t: Tensor): Promise<Float64Array> => ((await sess.run(t)) as NdArray).data as Float64Array;
    for (const reduce of [(t: Tensor) => t.sum({ axis: 1 }), (t: Tensor) => t.mean({ axis: 1 }), (t: Tensor) => t.transpose().sum({ axis: 0 }), (t: Tensor) => t.slice('::-2, 3:').sum({ axis: 1 })]) {
      const [got, want] = [await bits(reduce(big)), await bits(reduce(small))];
      expect(got.length).toBe(want.length);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    const values = await bits(big);
    let first = 0;
    for (let c = 0; c < COLS; c++) first += values[c]!;
    expect((await bits(big.sum({ axis: 1 })))[0]).toBeCloseTo(first, 3);
  });
});
