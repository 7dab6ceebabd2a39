/**
 * Argument objects' hidden classes kept alive between runs (base/shapeKeepers.ts): what is kept has the
 * fields of the objects seen, holds none of their arrays' data, and — checked with V8's own test
 * intrinsics in a child process — has the very map that later objects of that shape get, even after
 * the objects it was made from died and a major collection ran.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { keepShape, keptCopy } from '../../../src/base/shapeKeepers.js';

describe('keepShape', () => {
  it('keeps an object with the same fields, numbers as they were and empty arrays of the same classes', () => {
    const args = { offsets: new Float64Array(new SharedArrayBuffer(800)), targets: new Int32Array(50), level: 3, name: 'x', flag: true, none: undefined };
    keepShape('test.copy', args);
    const kept = keptCopy('test.copy', Object.keys(args)) as Record<string, unknown>;
    expect(Object.keys(kept)).toEqual(Object.keys(args));
    expect(kept.offsets).toBeInstanceOf(Float64Array);
    expect(kept.targets).toBeInstanceOf(Int32Array);
    // No data of the arrays seen: a kept object must not hold a graph alive.
    expect((kept.offsets as Float64Array).length).toBe(0);
    expect((kept.targets as Int32Array).length).toBe(0);
    expect(kept.offsets).not.toBe(args.offsets);
    expect([kept.level, kept.name, kept.flag, kept.none]).toEqual([3, 'x', true, undefined]);
    // The objects seen are left as they were.
    expect(args.targets.length).toBe(50);
  });

  it('keeps nothing for objects holding other objects, which could hold data alive', () => {
    const args = { depth: new Int32Array(4), layout: { slots: new Int32Array(4) } };
    keepShape('test.nested', args);
    expect(keptCopy('test.nested', Object.keys(args))).toBeUndefined();
    keepShape('test.array', { parts: [new Int32Array(4)] });
    expect(keptCopy('test.array', ['parts'])).toBeUndefined();
  });

  it('keeps the map later objects of the shape get, across the death of the first ones and a major collection', () => {
    const url = JSON.stringify(new URL('../../../src/base/shapeKeepers.ts', import.meta.url).href);
    // Made by one literal, as a driver makes a step's arguments; a field name of this test's own, so no
    // other object of the process shares the map.
    const script = `const { keepShape, keptCopy } = await import(${url});
      const make = (n) => ({ zzOffsets: new Int32Array(n), zzDepth: new Int32Array(n), zzLevel: n & 7 });
      (() => keepShape('test.gc', make(1000)))();
      for (let i = 0; i < 3; i++) globalThis.gc();
      const later = make(10);
      const kept = keptCopy('test.gc', ['zzOffsets', 'zzDepth', 'zzLevel']);
      console.log(JSON.stringify({ kept: kept !== undefined, sameMap: kept !== undefined && %HaveSameMap(kept, later) }));`;
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ kept: true, sameMap: true });
  });
});
