/**
 * Creation kernels called directly — fills, ranges (by global offset, so chunks agree with the whole),
 * identity blocks, windows of user data — the sequential RandomStream the data makers use (deterministic
 * per (seed, stream); different streams or seeds differ) and the random tensor kernel's value ranges.
 */
import { describe, expect, it } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { getKernel } from '../../../src/kernels/index.js';
import { RandomStream } from '../../../src/kernels/tensor/random.js';

const run = (kernel: string, params: Record<string, unknown>): ArrayData => getKernel(kernel)([], params as never) as ArrayData;
const values = (a: ArrayData): number[] => Array.from(a.data);

describe('fills and ranges', () => {
  it('full, in the requested dtype', () => {
    const out = run('tensor.full', { shape: [2, 2], dtype: 'int8', value: 300 });
    expect(out.data).toBeInstanceOf(Int8Array);
    expect(values(out)).toEqual([44, 44, 44, 44]);
  });

  it('arange by global offset: chunks concatenate to the whole range', () => {
    const whole = values(run('tensor.arange', { shape: [7], dtype: 'float64', start: 1, step: 0.5, offset: 0 }));
    const parts = [0, 3, 6].map((offset, i) => values(run('tensor.arange', { shape: [[3, 3, 1][i]!], dtype: 'float64', start: 1, step: 0.5, offset })));
    expect(parts.flat()).toEqual(whole);
    expect(whole).toEqual([1, 1.5, 2, 2.5, 3, 3.5, 4]);
  });

  it('linspace hits stop exactly at the last element', () => {
    const p = { dtype: 'float64', start: 0, stop: 1, step: 0.1, last: 10 };
    const out = [...values(run('tensor.linspace', { ...p, shape: [6], offset: 0 })), ...values(run('tensor.linspace', { ...p, shape: [5], offset: 6 }))];
    expect(out[10]).toBe(1);
    expect(out[3]).toBe(0.30000000000000004);
  });

  it('eye blocks place the (offset) diagonal', () => {
    expect(values(run('tensor.eye', { shape: [2, 3], dtype: 'float64', rowOffset: 2, colOffset: 3, k: 1 }))).toEqual([1, 0, 0, 0, 1, 0]);
    expect(values(run('tensor.eye', { shape: [2, 3], dtype: 'float64', rowOffset: 2, colOffset: 0, k: 0 }))).toEqual([0, 0, 1, 0, 0, 0]);
    expect(values(run('tensor.eye', { shape: [2, 2], dtype: 'float64', rowOffset: 0, colOffset: 0, k: -1 }))).toEqual([0, 0, 1, 0]);
  });

  it('from_data: the whole array without a copy, or a window of it', () => {
    const data = Float64Array.from([0, 1, 2, 3, 4, 5]);
    const whole = run('tensor.from_data', { shape: [2, 3], dtype: 'float64', data, fullShape: [2, 3], start: [0, 0] });
    expect(whole.data).toBe(data);
    const window = run('tensor.from_data', { shape: [2, 2], dtype: 'float64', data, fullShape: [2, 3], start: [0, 1] });
    expect(values(window)).toEqual([1, 2, 4, 5]);
  });
});

describe('random', () => {
  const draw = (seed: number, stream: number, n = 8): number[] => {
    const r = new RandomStream(seed, stream);
    return Array.from({ length: n }, () => r.nextDouble());
  };

  it('is deterministic per (seed, stream)', () => {
    expect(draw(42, 3)).toEqual(draw(42, 3));
    expect(draw(42, 3)).not.toEqual(draw(42, 4));
    expect(draw(42, 3)).not.toEqual(draw(43, 3));
    expect(draw(0, 0)).not.toEqual(draw(0, 1));
  });

  it('streams of one seed do not collide for the first thousand chunks', () => {
    const firsts = new Set(Array.from({ length: 1000 }, (_, s) => new RandomStream(7, s).nextUint32()));
    expect(firsts.size).toBeGreaterThan(995);
  });

  it('the random kernel: uniform in [0, 1), integers in [low, high), normals centred', () => {
    const base = { shape: [4000], seed: 11, start: [0], fullShape: [4000] };
    const u = run('tensor.random', { ...base, dtype: 'float64', dist: 'uniform' });
    expect(values(u).every((x) => x >= 0 && x < 1)).toBe(true);
    expect(values(u)).toEqual(values(run('tensor.random', { ...base, dtype: 'float64', dist: 'uniform' })));
    const ints = values(run('tensor.random', { ...base, dtype: 'int64', dist: 'integers', low: -3, high: 4 }));
    expect(new Set(ints)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
    const n = values(run('tensor.random', { ...base, dtype: 'float64', dist: 'normal' }));
    const mean = n.reduce((s, x) => s + x, 0) / n.length;
    const variance = n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length;
    // A fixed seed makes these figures fixed: they check the transform, not luck.
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.06);
  });
});
