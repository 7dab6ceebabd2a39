/**
 * The counter-based random tensors (kernels/tensor/counterRandom.ts): Philox4x32-10 gives Random123's
 * known-answer vectors; a run of elements equals the same elements cut out of a longer run (any start,
 * odd or even); chunks of a 2-D tensor equal the whole; uniforms pass a Kolmogorov–Smirnov test and
 * normals (ziggurat) a KS test against Φ, their moments, and tail frequencies past the ziggurat's base
 * edge R (where the tail method runs). Seeds are fixed, so these figures are fixed: a failure means the
 * transform is wrong, never bad luck.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ArrayData } from '../../../src/base/ndarray.js';
import { getKernel } from '../../../src/kernels/index.js';
import { normalRun, uniformRun, ZIGGURAT_X } from '../../../src/kernels/tensor/counterRandom.js';
import { philox } from '../../../src/kernels/tensor/wasmPhilox.js';
import { COUNTERS_PER_TRIP, philoxSimd } from '../../../src/kernels/tensor/wasmPhiloxSimd.js';

const hex = (a: ArrayLike<number>): string[] => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, '0'));

function words(c: readonly number[], k: readonly number[]): string[] {
  const g = philox();
  g.words(0, 1, c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!);
  return hex(new Uint32Array(g.memory.buffer, 0, 4));
}

/** Φ(x) through erfc's continued fraction / series: |error| < 1e-12, ample for a KS test. */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let erfc: number;
  if (z < 2) {
    // erf series: 2/√π Σ (-1)^n z^(2n+1) / (n! (2n+1))
    let term = z;
    let sum = z;
    for (let n = 1; n < 60; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Lentz continued fraction for erfc.
    let f = z;
    let c = z;
    let d = 0;
    for (let n = 1; n < 200; n++) {
      const a = n / 2;
      d = z + a * d;
      d = 1 / d;
      c = z + a / c;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    erfc = Math.exp(-z * z) / (f * Math.sqrt(Math.PI));
  }
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function ksStatistic(sample: Float64Array, cdf: (x: number) => number): number {
  const s = Float64Array.from(sample).sort();
  let d = 0;
  for (let i = 0; i < s.length; i++) {
    const F = cdf(s[i]!);
    d = Math.max(d, F - i / s.length, (i + 1) / s.length - F);
  }
  return d;
}

describe('Philox4x32-10', () => {
  it("gives Random123's known-answer vectors", () => {
    expect(words([0, 0, 0, 0], [0, 0])).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    expect(words([-1, -1, -1, -1], [-1, -1])).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(words([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });
});

describe('Philox uniforms in SIMD lanes', () => {
  /** Two scalar-round doubles per counter from `counter` (the reference the SIMD path must equal bit for bit). */
  function scalarUniforms(counter: number, n: number, seed: number): Float64Array {
    const g = philox();
    const out = new Float64Array(2 * n);
    for (let c = 0; c < n; c++) {
      const at = counter + c;
      g.uniform(0, 1, at % 2 ** 32, Math.floor(at / 2 ** 32), 0, 0, seed, 0x54657373);
      out.set(new Float64Array(g.memory.buffer, 0, 2), 2 * c);
    }
    return out;
  }

  it('the SIMD module gives the scalar rounds\' doubles and words for every lane and trip', () => {
    const g = philox();
    const simd = philoxSimd(g.memory);
    expect(simd).not.toBeNull();
    const trips = 37;
    const n = trips * COUNTERS_PER_TRIP;
    for (const [counter, seed] of [[0, 1], [12345, 0xdeadbeef | 0], [2 ** 33 + 77, 5]] as const) {
      simd!.uniform(0, trips, counter % 2 ** 32, Math.floor(counter / 2 ** 32), 0, 0, seed, 0x54657373);
      expect(Array.from(new Float64Array(g.memory.buffer, 0, 2 * n))).toEqual(Array.from(scalarUniforms(counter, n, seed)));
      simd!.words(0, trips, counter % 2 ** 32, Math.floor(counter / 2 ** 32), 7, 1, seed, 0x54657373);
      const got = Array.from(new Uint32Array(g.memory.buffer, 0, 4 * n));
      g.words(0, n, counter % 2 ** 32, Math.floor(counter / 2 ** 32), 7, 1, seed, 0x54657373);
      expect(got).toEqual(Array.from(new Uint32Array(g.memory.buffer, 0, 4 * n)));
    }
  });

  it('a uniform run across the counters\' 2^32 boundary equals the scalar rounds (the SIMD lanes stop short of it)', () => {
    const first = 2 * (2 ** 32 - 100) + 1;
    const run = new Float64Array(2000);
    uniformRun(run, first, 9);
    const reference = scalarUniforms((first - 1) / 2, 1001, 9).subarray(1, 2001);
    expect(Array.from(run)).toEqual(Array.from(reference));
  });
});

describe('counter-based runs', () => {
  it.each([[0, 1000], [1, 999], [17, 20000], [2 ** 33 + 1, 5]])('a run from element %i equals its slice of a longer run (uniform and normal)', (first, n) => {
    for (const fill of [uniformRun, normalRun]) {
      const long = new Float64Array(n + 9);
      fill(long, first - 4 < 0 ? first : first - 4, 5);
      const lead = first - 4 < 0 ? 0 : 4;
      const run = new Float64Array(n);
      fill(run, first, 5);
      expect(Array.from(run)).toEqual(Array.from(long.subarray(lead, lead + n)));
    }
  });

  it('a chunk of a 2-D tensor holds the elements of the whole at its offset', () => {
    const kernel = (shape: number[], start: number[], dist: string): number[] =>
      Array.from((getKernel('tensor.random')([], { shape, start, fullShape: [7, 9], seed: 3, dist, dtype: 'float64' } as never) as ArrayData).data);
    for (const dist of ['uniform', 'normal', 'integers']) {
      const whole = kernel([7, 9], [0, 0], dist);
      const part = kernel([3, 4], [2, 5], dist);
      const expected = [2, 3, 4].flatMap((r) => whole.slice(r * 9 + 5, r * 9 + 9));
      expect(part).toEqual(expected);
    }
  });

  it('seeds give different draws', () => {
    const a = new Float64Array(8);
    const b = new Float64Array(8);
    uniformRun(a, 0, 1);
    uniformRun(b, 0, 2);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

describe('distributions', () => {
  const N = 200_000;
  const KS_CRITICAL_1PCT = 1.628 / Math.sqrt(N);

  it("never grows (and so detaches) the generator's memory, from its first use on", async () => {
    vi.resetModules();
    const fresh = await import('../../../src/kernels/tensor/counterRandom.js');
    const { philox: freshPhilox } = await import('../../../src/kernels/tensor/wasmPhilox.js');
    const buffer = freshPhilox().memory.buffer;
    const bytes = buffer.byteLength;
    fresh.uniformRun(new Float64Array(100_000), 3, 7);
    fresh.normalRun(new Float64Array(100_000), 3, 7);
    expect(freshPhilox().memory.buffer).toBe(buffer);
    // A grown memory would have detached it (byteLength 0).
    expect(buffer.byteLength).toBe(bytes);
  });

  it('uniform: in [0, 1), KS against the identity, mean and variance', () => {
    const u = new Float64Array(N);
    uniformRun(u, 12345, 99);
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(ksStatistic(u, (x) => x)).toBeLessThan(KS_CRITICAL_1PCT);
    const mean = u.reduce((s, x) => s + x, 0) / N;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
  });

  it('the ziggurat table closes: the top layer has the common area and the last edge is 0', () => {
    const f = (x: number): number => Math.exp(-0.5 * x * x);
    const xs = ZIGGURAT_X;
    expect(xs[256]).toBe(0);
    const top = xs[255]! * (1 - f(xs[255]!));
    const base = xs[0]! * f(xs[1]!);
    expect(Math.abs(top - base) / base).toBeLessThan(1e-6);
  });

  it('normal: KS against Φ, moments, and the frequency of draws past 2, 3 and the tail edge R', () => {
    const z = new Float64Array(N);
    normalRun(z, 0, 2024);
    expect(ksStatistic(z, normalCdf)).toBeLessThan(KS_CRITICAL_1PCT);
    const m = (p: number): number => z.reduce((s, x) => s + x ** p, 0) / N;
    expect(Math.abs(m(1))).toBeLessThan(4 / Math.sqrt(N));
    expect(Math.abs(m(2) - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
    expect(Math.abs(m(3))).toBeLessThan(4 * Math.sqrt(15 / N));
    expect(Math.abs(m(4) - 3)).toBeLessThan(4 * Math.sqrt(96 / N));
    const big = new Float64Array(2_000_000);
    normalRun(big, 7, 77);
    for (const edge of [2, 3, ZIGGURAT_X[1]!]) {
      const p = 2 * (1 - normalCdf(edge));
      const count = big.reduce((s, x) => s + (Math.abs(x) > edge ? 1 : 0), 0);
      const sd = Math.sqrt(big.length * p * (1 - p));
      expect(Math.abs(count - big.length * p)).toBeLessThan(5 * sd);
    }
  });
});
