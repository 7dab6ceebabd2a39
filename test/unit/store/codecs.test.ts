import { tableFromArrays, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { NdArray } from '../../../src/base/ndarray.js';
import { codeOf, f64, newStore } from './helpers.js';

describe('codecs: the blob is the value’s own typed array', () => {
  it('typed arrays of every kind come back as the very same array', () => {
    const store = newStore();
    for (const a of [new Int8Array(3), new Uint8ClampedArray(2), new BigInt64Array(2), new Float32Array(4), Buffer.from('hi')]) {
      const id = store.put(a);
      expect(store.get(id)).toBe(a);
      expect(store.getMeta(id).nbytes).toBe(a.byteLength);
    }
  });

  it('a tensor keeps its data array; the result is a frozen NdArray', () => {
    const store = newStore();
    const data = f64(6);
    const id = store.put({ dtype: 'float64', shape: [2, 3], data });
    const got = store.get(id) as NdArray;
    expect(got).toBeInstanceOf(NdArray);
    expect(got.data).toBe(data);
    expect(got.get(1, 2)).toBe(5);
    expect(Object.isFrozen(got)).toBe(true);
    expect(store.getMeta(id)).toMatchObject({ typename: 'tessera::Tensor', nbytes: 48 });
    expect(store.getMeta(id).fields).toEqual({ dtype: 'float64', shape: [2, 3] });
    const nd = new NdArray('int32', [2], new Int32Array([7, 8]));
    expect((store.get(store.put(nd)) as NdArray).data).toBe(nd.data);
  });

  it('refuses inconsistent tensors instead of storing them as records', () => {
    const store = newStore();
    expect(codeOf(() => store.put({ dtype: 'float64', shape: [3], data: f64(2) }))).toBe('TypeError');
    expect(codeOf(() => store.put({ dtype: 'float32', shape: [2], data: f64(2) }))).toBe('TypeError');
    expect(codeOf(() => store.put({ dtype: 'float128', shape: [2], data: f64(2) }))).toBe('TypeError');
  });

  it('Arrow tables come back as the same table, every column buffer accounted', () => {
    const store = newStore();
    const a = new Float64Array([1, 2, 3]);
    const table: Table = tableFromArrays({ a, b: new Int32Array([4, 5, 6]) });
    const id = store.put(table);
    expect(store.get(id)).toBe(table);
    expect(store.getMeta(id)).toMatchObject({ typename: 'tessera::ArrowTable', nbytes: 24 + 12 });
    expect(store.getMeta(id).get('columns')).toEqual(['a', 'b']);
    expect(table.getChild('a')!.data[0]!.values.buffer).toBe(a.buffer);
  });

  it('records keep their typed arrays; a CSR record is a tessera::CSRGraph', () => {
    const store = newStore();
    const offsets = new Int32Array([0, 1, 1]);
    const targets = new Int32Array([1]);
    const csr = store.put({ n: 2, offsets, targets });
    expect(store.getMeta(csr).typename).toBe('tessera::CSRGraph');
    const got = store.get(csr) as { offsets: Int32Array; n: number };
    expect(got.offsets).toBe(offsets);
    expect(Object.isFrozen(got)).toBe(true);
    const partial = store.put({ sum: new Float64Array([1]), count: 4 });
    expect(store.getMeta(partial).typename).toBe('tessera::Record');
    expect(store.getMeta(store.put([new Float64Array(1), 2])).typename).toBe('tessera::Record');
  });

  it('JSON values are stored as a frozen copy: later changes to the input do not leak in', () => {
    const store = newStore();
    const input = { a: [1, 2], s: 'x' };
    const id = store.put(input);
    input.a.push(3);
    expect(store.get(id)).toEqual({ a: [1, 2], s: 'x' });
    expect(Object.isFrozen(store.get(id))).toBe(true);
    expect(store.getMeta(id).typename).toBe('tessera::Json');
    expect(store.get(store.put('plain string'))).toBe('plain string');
    expect(store.get(store.put(null))).toBeNull();
  });

  it('scalars live in the metadata and keep -0, NaN, infinities and bigints', () => {
    const store = newStore();
    for (const v of [-0, Number.NaN, -Infinity, 2n ** 70n, true, 3.5]) {
      const id = store.put(v);
      expect(Object.is(store.get(store.shallowCopy(id, { copy: true })), v)).toBe(true); // decoded from the fields
      expect(store.getMeta(id).nbytes).toBe(0);
    }
  });
});
