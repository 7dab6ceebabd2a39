/**
 * The chunk codec round-trips every kind of chunk value unchanged — tensor chunks, frame-shaped
 * records with strings and typed arrays, graph records, numbers JSON cannot say — into aligned fresh
 * memory (shared when the original was), and refuses what it cannot carry with a typed error.
 */
import { describe, expect, it } from 'vitest';
import { ChunkCodecError, decodeChunk, encodeChunk, fromJsonSafe, toJsonSafe } from '../../../src/store/chunkCodec.js';

function shared(n: number): Float64Array {
  const a = new Float64Array(new SharedArrayBuffer(n * 8));
  for (let i = 0; i < n; i++) a[i] = i * 1.5 - 3;
  return a;
}

describe('chunk codec', () => {
  it('round-trips a tensor chunk into shared, aligned memory', () => {
    const chunk = { dtype: 'float64', shape: [3, 4], data: shared(12) };
    const back = decodeChunk(encodeChunk(chunk)) as typeof chunk;
    expect(back.shape).toEqual([3, 4]);
    expect(back.data).toBeInstanceOf(Float64Array);
    expect(back.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...back.data]).toEqual([...chunk.data]);
  });

  it('with viewAtLeast, gives big aligned parts as views over the bytes and copies the rest', () => {
    const big = shared(1000);
    const chunk = { big, small: Int16Array.from([1, 2, 3]), odd: new Uint8Array(4001).fill(9) };
    const bytes = encodeChunk(chunk);
    const back = decodeChunk(bytes, { viewAtLeast: 4000 }) as typeof chunk;
    expect(back.big.buffer).toBe(bytes.buffer);
    expect([...back.big]).toEqual([...big]);
    expect(back.odd.buffer).toBe(bytes.buffer);
    expect(back.odd.every((v) => v === 9)).toBe(true);
    expect(back.small.buffer).not.toBe(bytes.buffer);
    expect([...back.small]).toEqual([1, 2, 3]);
    // A part that is not aligned for its kind where it lies is copied instead.
    const shifted = new Uint8Array(bytes.byteLength + 4);
    shifted.set(bytes, 4);
    const moved = decodeChunk(shifted.subarray(4), { viewAtLeast: 4000 }) as typeof chunk;
    expect(moved.big.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...moved.big]).toEqual([...big]);
  });

  it('round-trips frame-like and graph-like records: strings, typed arrays of every kind, bigints, odd numbers, Maps', () => {
    const value = {
      kind: 'frame',
      rows: 3,
      names: ['id', 'name'],
      columns: [
        { dtype: 'int32', data: Int32Array.from([1, -2, 3]), valid: Uint8Array.from([1, 0, 1]) },
        { dtype: 'string', dict: ['a', 'é', ''], codes: Uint16Array.from([0, 1, 2]) },
      ],
      csr: { indptr: BigInt64Array.from([0n, 2n, 3n]), indices: Uint32Array.from([1, 2, 0]), weights: Float32Array.from([0.5, 1, 2]) },
      odd: [NaN, -0, Infinity, -Infinity, 2n ** 70n, undefined, null, true],
      props: new Map<string, unknown>([['x', new Set([1, 2])]]),
      at: new Date(86_400_000),
      $t: 'a user key that looks like a tag',
    };
    const back = decodeChunk(encodeChunk(value));
    expect(back).toEqual(value);
    const odd = (back as typeof value).odd;
    expect(Object.is(odd[1], -0)).toBe(true);
    expect(Number.isNaN(odd[0])).toBe(true);
  });

  it('keeps one array referenced twice as one array', () => {
    const data = Float64Array.from([1, 2]);
    const back = decodeChunk(encodeChunk({ a: data, b: data })) as { a: Float64Array; b: Float64Array };
    expect(back.a).toBe(back.b);
  });

  it('copies views at unaligned offsets into aligned arrays', () => {
    const bytes = encodeChunk({ data: Float64Array.from([1.25, -7]) });
    const unaligned = new Uint8Array(bytes.byteLength + 3).subarray(3);
    unaligned.set(bytes);
    const back = decodeChunk(unaligned) as { data: Float64Array };
    expect(back.data.byteOffset % 8).toBe(0);
    expect([...back.data]).toEqual([1.25, -7]);
  });

  it('encodes a view of part of a buffer as just that part', () => {
    const whole = Float64Array.from([0, 1, 2, 3, 4, 5]);
    const back = decodeChunk(encodeChunk(whole.subarray(2, 4))) as Float64Array;
    expect([...back]).toEqual([2, 3]);
    expect(back.buffer.byteLength).toBe(16);
  });

  it('refuses class instances and functions, naming the path', () => {
    class Opaque {}
    expect(() => encodeChunk({ a: [1, new Opaque()] })).toThrow(ChunkCodecError);
    expect(() => encodeChunk({ a: [1, new Opaque()] })).toThrow(/Opaque instance at \.a\[1\]/);
    expect(() => encodeChunk({ f: () => 1 })).toThrow(/function at \.f/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeChunk(cyclic)).toThrow(/cyclic/);
  });

  it('refuses bytes it did not write', () => {
    expect(() => decodeChunk(Buffer.from('hello world'))).toThrow(ChunkCodecError);
    const bytes = encodeChunk({ data: Float64Array.from([1, 2, 3]) });
    expect(() => decodeChunk(bytes.subarray(0, bytes.byteLength - 8))).toThrow(/truncated/);
  });

  it('JSON-safe form keeps typed arrays typed through JSON text', () => {
    const params = { index: Int32Array.from([4, 5]), n: -0, label: 'x' };
    const back = fromJsonSafe(JSON.parse(JSON.stringify(toJsonSafe(params)))) as typeof params;
    expect(back.index).toBeInstanceOf(Int32Array);
    expect([...back.index]).toEqual([4, 5]);
    expect(Object.is(back.n, -0)).toBe(true);
  });
});
