/**
 * How `toSource` (ops/graph/sources.ts) takes a user's columns: typed arrays in shared memory are
 * adopted as they are (the workers read them without a copy), typed arrays in ordinary memory are
 * copied into shared memory (so a later write by the user cannot change the graph), and Float64 ids
 * that are all int32 are narrowed — a fresh Int32Array, whether or not the doubles were shared.
 */
import { describe, expect, it } from 'vitest';
import type { InlineColumn } from '../../../src/kernels/graph/load.js';
import { toSource } from '../../../src/ops/graph/sources.js';
import { tokenize } from '../../../src/base/tokenize.js';

function shared<T extends Int32Array | Float64Array | BigInt64Array>(ctor: new (b: SharedArrayBuffer) => T, values: readonly number[]): T {
  const out = new ctor(new SharedArrayBuffer(values.length * (ctor === (Int32Array as unknown) ? 4 : 8)));
  values.forEach((v, i) => (out[i] = (out instanceof BigInt64Array ? BigInt(v) : v) as never));
  return out;
}

function columnsOf(data: Record<string, unknown>, ids: readonly string[]): Record<string, InlineColumn> {
  const source = toSource(data as never, {}, 'test', ids);
  if (source.kind !== 'columns') throw new Error('expected columns');
  return source.columns as Record<string, InlineColumn>;
}

describe('toSource', () => {
  it('adopts shared Int32Array, Float64Array and BigInt64Array columns without a copy', () => {
    const src = shared(Int32Array, [0, 1, 2]);
    const weight = shared(Float64Array, [0.5, 1.5, 2.5]);
    const dst = shared(BigInt64Array, [1, 2, 0]);
    const c = columnsOf({ src, dst, weight }, ['src', 'dst']);
    expect(c.src!.values).toBe(src);
    expect(c.dst!.values).toBe(dst);
    expect(c.weight!.values).toBe(weight);
  });

  it('copies ordinary typed arrays into shared memory, so writing them later changes nothing', () => {
    const src = Int32Array.of(0, 1, 2);
    const weight = Float64Array.of(0.5, 1.5, 2.5);
    const c = columnsOf({ src, dst: Int32Array.of(1, 2, 0), weight }, ['src', 'dst']);
    const values = c.src!.values as Int32Array;
    expect(values).not.toBe(src);
    expect(values.buffer).toBeInstanceOf(SharedArrayBuffer);
    src[0] = 7;
    weight[0] = 9;
    expect(Array.from(values)).toEqual([0, 1, 2]);
    expect(Array.from(c.weight!.values as Float64Array)).toEqual([0.5, 1.5, 2.5]);
  });

  it('narrows shared Float64 ids that are all int32 (a new array), and adopts those that are not', () => {
    const ints = shared(Float64Array, [0, 1, 2]);
    const wide = shared(Float64Array, [0, 2 ** 40, 2]);
    const c = columnsOf({ src: ints, dst: wide }, ['src', 'dst']);
    expect(c.src!.values).toBeInstanceOf(Int32Array);
    expect(Array.from(c.src!.values as Int32Array)).toEqual([0, 1, 2]);
    expect(c.dst!.values).toBe(wide);
  });

  it('packs and copies big columns whole (their pages faulted in by the first-touch helper meanwhile)', () => {
    const n = 1_200_000;
    // Short ASCII ids sampled for the size estimate, then long and non-ASCII ones: the buffer must grow.
    const names = Array.from({ length: n }, (_, i) => (i < n / 2 ? `v${i}` : `vértice-número-${i}-${'ü'.repeat(i % 7)}`));
    const numbers = Array.from({ length: n }, (_, i) => i * 0.25);
    const doubles = Float64Array.from({ length: n }, (_, i) => i + 0.5);
    const ints = Float64Array.from({ length: n }, (_, i) => n - i);
    for (let round = 0; round < 3; round++) {
      const c = columnsOf({ id: names, x: numbers, d: doubles, k: ints }, ['id', 'k']);
      const spans = c.id!.values as { bytes: Uint8Array; starts: Int32Array; ends: Int32Array };
      const decoder = new TextDecoder();
      for (let i = 0; i < n; i += 997) expect(decoder.decode(spans.bytes.subarray(spans.starts[i]!, spans.ends[i]!))).toBe(names[i]);
      expect(spans.ends[n - 1]).toBe(spans.bytes.length);
      // Every byte: the spans are back to back, so the whole buffer is the column joined.
      expect(decoder.decode(spans.bytes) === names.join('')).toBe(true);
      expect(decoder.decode(spans.bytes.subarray(spans.starts[n - 1]!, spans.ends[n - 1]!))).toBe(names[n - 1]);
      const x = c.x!.values as Float64Array;
      const d = c.d!.values as Float64Array;
      const k = c.k!.values as Int32Array;
      expect(k).toBeInstanceOf(Int32Array);
      for (let i = 0; i < n; i++) {
        if (x[i] !== i * 0.25 || d[i] !== i + 0.5 || k[i] !== n - i) throw new Error(`row ${i}: ${x[i]} ${d[i]} ${k[i]}`);
      }
    }
  });

  it('packs every kind of string as its UTF-8 bytes: empty, ASCII, accented, astral, lone surrogates, in any order', () => {
    // A seeded mix, long enough to cross the claimed byte steps and the row blocks, starting with a wide string.
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['', 'v', 'x12345', 'é', 'ü', 'α', '😀', '\ud800', '\udfff', 'longer-ascii-id-', '\u0000', '\u007f', '\u0080'];
    const strings = Array.from({ length: 150_000 }, (_, i) => (i === 0 ? 'ÿ' : Array.from({ length: Math.floor(next() * 4) }, () => pieces[Math.floor(next() * pieces.length)]!).join('')));
    const spans = columnsOf({ id: strings }, ['id']).id!.values as { bytes: Uint8Array; starts: Int32Array; ends: Int32Array };
    const encoder = new TextEncoder();
    let at = 0;
    for (let i = 0; i < strings.length; i++) {
      const want = encoder.encode(strings[i]);
      if (spans.starts[i] !== at || spans.ends[i] !== at + want.length) throw new Error(`row ${i}: span ${spans.starts[i]}..${spans.ends[i]}, expected ${at}..${at + want.length}`);
      for (let k = 0; k < want.length; k++) if (spans.bytes[at + k] !== want[k]) throw new Error(`row ${i}: byte ${k} is ${spans.bytes[at + k]}, expected ${want[k]}`);
      at += want.length;
    }
    expect(spans.bytes.length).toBe(at);
  });

  it('names the row of a value that is not a string in a string column', () => {
    const strings: unknown[] = Array.from({ length: 100_000 }, (_, i) => `v${i}`);
    strings[70_001] = 3;
    expect(() => columnsOf({ id: strings }, ['id'])).toThrow(/column id mixes strings with other values \(row 70001\)/);
    strings[70_001] = null;
    expect(() => columnsOf({ id: strings }, ['id'])).toThrow(/row 70001/);
  });

  it('keys a string column by its content: its bytes and where each string ends, whatever memory holds them', () => {
    const keyOf = (strings: readonly string[]): string => tokenize(columnsOf({ id: strings }, ['id']).id);
    const many = (prefix: string): string[] => Array.from({ length: 100_000 }, (_, i) => `${prefix}${i}`);
    // Big columns (packed in recycled memory) and small ones: equal content, equal keys.
    expect(keyOf(many('v'))).toBe(keyOf(many('v')));
    expect(keyOf(['a', 'b'])).toBe(keyOf(['a', 'b']));
    // The same bytes split differently, and one byte changed, are other columns.
    expect(keyOf(['ab', 'c'])).not.toBe(keyOf(['a', 'bc']));
    const changed = many('v');
    changed[50_000] = 'w50000';
    expect(keyOf(changed)).not.toBe(keyOf(many('v')));
    const spans = columnsOf({ id: many('v') }, ['id']).id!.values as { starts: Int32Array };
    // The first start is written, not left to fresh memory's zero (recycled memory holds old values).
    expect(spans.starts[0]).toBe(0);
  });
});

