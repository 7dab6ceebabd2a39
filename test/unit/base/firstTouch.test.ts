/**
 * Big shared arrays filled on the main thread while a helper thread faults their pages in from the
 * other end (base/firstTouch.ts): every element comes out as the fill wrote it whoever touched its
 * page first, giving up and throwing leave nothing behind, and the helper never keeps a process alive.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FIRST_TOUCH_MIN_BYTES, firstTouchHelperBlocks, sharedCopy, sharedFilled } from '../../../src/base/firstTouch.js';
import { toShared } from '../../../src/base/ndarray.js';

/** Non-zero everywhere, so a page the helper zeroed after the fill wrote it would show. */
const value = (i: number): number => 1 + (i % 1_000_003) * 0.5;

function firstWrong(a: ArrayLike<number>, expected: (i: number) => number): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== expected(i)) return i;
  return -1;
}

/** Waits (busy, this thread) up to `ms` or until `until` holds: gives the helper time to take blocks. */
function spin(ms: number, until: () => boolean): void {
  const end = performance.now() + ms;
  while (performance.now() < end && !until()) {
    /* waiting for the helper thread */
  }
}

describe('sharedFilled', () => {
  it('fills every element once, in order, into fresh shared memory, below and above the helper threshold', () => {
    for (const length of [0, 1, 1000, FIRST_TOUCH_MIN_BYTES / 8 - 1, FIRST_TOUCH_MIN_BYTES / 8 + 12_345, 3_000_017]) {
      const seen: [number, number][] = [];
      const out = sharedFilled(Float64Array, length, (o, from, to) => {
        seen.push([from, to]);
        for (let i = from; i < to; i++) o[i] = value(i);
      })!;
      expect(out.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(out.length).toBe(length);
      expect(firstWrong(out, value)).toBe(-1);
      // Consecutive ranges from 0 to length, none empty unless the array is.
      let at = 0;
      for (const [from, to] of seen) {
        expect(from).toBe(at);
        if (length > 0) expect(to).toBeGreaterThan(from);
        at = to;
      }
      expect(at).toBe(length);
    }
  });

  it('leaves the pages the helper faulted in to the fill, when the helper takes most of the array', () => {
    const length = 6_000_000; // 48 MB: 183 blocks
    let helped = 0;
    // The helper starts with the first big fill; a round before it is up is filled by this thread alone.
    for (let round = 0; round < 8 && helped < 3; round++) {
      const before = firstTouchHelperBlocks();
      let first = true;
      const out = sharedFilled(Float64Array, length, (o, from, to) => {
        // A slow first block: the helper works through the array from the back meanwhile.
        if (first) spin(2_000, () => firstTouchHelperBlocks() - before > 20);
        first = false;
        for (let i = from; i < to; i++) o[i] = value(i);
      })!;
      if (firstTouchHelperBlocks() - before > 20) helped++;
      expect(firstWrong(out, value)).toBe(-1);
    }
    expect(helped).toBe(3);
  });

  it('gives up when the fill says so, and a throwing fill throws; later fills are whole', () => {
    const length = 4_000_000;
    expect(sharedFilled(Int32Array, length, (o, from, to) => (from < 1_000_000 ? (o.fill(7, from, to), true) : false))).toBeUndefined();
    expect(() =>
      sharedFilled(Int32Array, length, (_o, from) => {
        if (from > 2_000_000) throw new RangeError('bad value');
      }),
    ).toThrow('bad value');
    const out = sharedFilled(Int32Array, length, (o, from, to) => {
      for (let i = from; i < to; i++) o[i] = i + 1;
    })!;
    expect(firstWrong(out, (i) => i + 1)).toBe(-1);
  });

  it('copies typed arrays of every width, and toShared casts big arrays as before', () => {
    const n = 3_000_000;
    const f32 = Float32Array.from({ length: n }, (_, i) => i / 4);
    const i16 = Int16Array.from({ length: n }, (_, i) => (i % 60_000) - 30_000);
    const big = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3n);
    for (const src of [f32, i16]) {
      const copy = sharedCopy(src);
      expect(copy.constructor).toBe(src.constructor);
      expect(firstWrong(copy, (i) => src[i]!)).toBe(-1);
    }
    const bigCopy = sharedCopy(big);
    expect(bigCopy[n - 1]).toBe(BigInt(n - 1) * 3n);
    expect(bigCopy.buffer).toBeInstanceOf(SharedArrayBuffer);
    const doubles = Float64Array.from({ length: n }, (_, i) => i - 0.5);
    const asInt = toShared('int64', doubles);
    expect(firstWrong(asInt, (i) => Math.trunc(i - 0.5))).toBe(-1);
    const asBool = toShared('bool', Array.from({ length: n }, (_, i) => i % 3));
    expect(firstWrong(asBool, (i) => (i % 3 !== 0 ? 1 : 0))).toBe(-1);
    const asF64 = toShared('float64', Array.from({ length: n }, (_, i) => i * 2));
    expect(firstWrong(asF64, (i) => i * 2)).toBe(-1);
  });

  it('does not keep a process alive', () => {
    const url = JSON.stringify(new URL('../../../src/base/firstTouch.ts', import.meta.url).href);
    const script = `const { sharedCopy } = await import(${url});
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += sharedCopy(new Float64Array(4_000_000).fill(k))[3_999_999];
      console.log(sum);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/FATAL|Check failed/);
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim() }).toEqual({ status: 0, signal: null, out: '3' });
  });

  it('lets go of the buffers it touched: their memory is freed once the caller drops them', () => {
    const url = JSON.stringify(new URL('../../../src/base/firstTouch.ts', import.meta.url).href);
    // 40 fills of 32 MB, each dropped at once: 1.3 GB if the helper kept its handles.
    const script = `const { sharedFilled, firstTouchHelperBlocks } = await import(${url});
      const settle = () => new Promise((r) => setTimeout(r, 100));
      for (let k = 0; k < 40; k++) {
        sharedFilled(Float64Array, 4_000_000, (o, from, to) => { for (let i = from; i < to; i++) o[i] = i; if (from === 0) { const t = performance.now(); while (performance.now() - t < 5); } });
        if (k % 8 === 7) { globalThis.gc(); await settle(); }
      }
      for (let k = 0; k < 3; k++) { globalThis.gc(); await settle(); }
      console.log(JSON.stringify({ helped: firstTouchHelperBlocks() > 0, mb: Math.round(process.memoryUsage().arrayBuffers / 2 ** 20) }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const { helped, mb } = JSON.parse(r.stdout.trim()) as { helped: boolean; mb: number };
    expect(helped).toBe(true);
    expect(mb).toBeLessThan(200);
  });
});
