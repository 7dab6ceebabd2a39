/**
 * Wire frames: every kind of plain data a remote session sends comes back equal (typed arrays as
 * binary parts, read as aligned views; NdArrays, Arrow tables, object ids, metas, maps; the values JSON
 * cannot say), streamed frames are reassembled from arbitrary chunk boundaries, and bytes that are not
 * a frame are refused with MalformedWire.
 */
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { NdArray } from '../../../src/base/ndarray.js';
import { ObjectStore } from '../../../src/store/objectStore.js';
import { ObjectID } from '../../../src/store/objectId.js';
import { decodeFrame, encodeFrame, FrameReader, frameBytes, streamChunks } from '../../../src/service/wire/frame.js';
import { WireError } from '../../../src/service/wire/errors.js';

const roundTrip = (v: unknown): unknown => decodeFrame(frameBytes(encodeFrame(v)));

describe('wire frames', () => {
  it('round-trips plain data, including what JSON cannot say', () => {
    const value = {
      n: 1.5, s: 'x', b: true, nil: null, nested: [1, [2, { deep: 'y' }]], nan: NaN, inf: -Infinity, negZero: -0, big: -(2n ** 70n), undef: undefined, tagged: { $t: 'mine' },
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(Object.hasOwn(back, 'undef')).toBe(true);
  });

  it('sends typed arrays as binary parts and reads them back as aligned views of the frame', () => {
    const parts = {
      f64: Float64Array.from([1.5, -2, NaN]), i8: Int8Array.from([-1, 2, 3]), u16: Uint16Array.from([65535]), big: BigInt64Array.from([-(2n ** 60n)]),
      shared: new Float32Array(new SharedArrayBuffer(12)).fill(0.25), offset: new Int32Array(Int32Array.from([9, 8, 7, 6]).buffer, 4, 2), empty: new Float64Array(0),
    };
    const frame = frameBytes(encodeFrame(parts));
    const back = decodeFrame(frame) as typeof parts;
    for (const [name, original] of Object.entries(parts)) {
      const got = back[name as keyof typeof parts];
      expect(got.constructor, name).toBe(original.constructor);
      expect([...(got as Int8Array)], name).toEqual([...(original as Int8Array)]);
      expect(got.buffer, name).toBe(frame.buffer);
    }
    // The JSON holds no element of any array.
    expect(frame.toString('latin1')).not.toContain('1.5');
  });

  it('copies a part whose offset in the received bytes is not aligned', () => {
    const bytes = frameBytes(encodeFrame({ a: Float64Array.from([3, 4]) }));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect([...(decodeFrame(shifted) as { a: Float64Array }).a]).toEqual([3, 4]);
  });

  it('round-trips NdArrays, Arrow tables, object ids, metas and maps', () => {
    const nd = new NdArray('int32', [2, 2], Int32Array.from([1, 2, 3, 4]));
    const table = tableFromArrays({ x: Float64Array.from([1, 2]), s: ['a', 'b'] });
    const store = new ObjectStore({ memoryLimit: 2 ** 20 });
    const id = store.put(Float64Array.from([1, 2, 3]));
    const meta = store.getMeta(id);
    const back = roundTrip({ nd, table, id, meta, names: new Map([['a', id]]) }) as Record<string, unknown>;
    expect(back['nd']).toBeInstanceOf(NdArray);
    expect((back['nd'] as NdArray).toArray()).toEqual([[1, 2], [3, 4]]);
    expect((back['table'] as typeof table).toArray().map((r) => r.toJSON())).toEqual([{ x: 1, s: 'a' }, { x: 2, s: 'b' }]);
    expect((back['id'] as ObjectID).equals(id)).toBe(true);
    expect((back['meta'] as typeof meta).toJSON()).toEqual(meta.toJSON());
    expect([...(back['names'] as Map<string, ObjectID>).keys()]).toEqual(['a']);
    store.close();
  });

  it('refuses functions, class instances and cycles naming where they are', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const [bad, where] of [[{ f: () => 1 }, '.f'], [{ d: new Date(0) }, '.d'], [cyclic, '.self']] as const) {
      const e = (() => {
        try {
          encodeFrame(bad);
        } catch (err) {
          return err as WireError;
        }
        throw new Error('expected a refusal');
      })();
      expect(e).toBeInstanceOf(WireError);
      expect(e.code).toBe('MalformedWire');
      expect(e.message).toContain(where);
    }
  });

  it('refuses bytes that are not a frame, and frames whose parts run past their end', () => {
    const code = (bytes: Uint8Array): string | undefined => {
      try {
        decodeFrame(bytes);
      } catch (e) {
        return (e as WireError).code;
      }
      return undefined;
    };
    expect(code(Buffer.from('{"nodes": []}'))).toBe('MalformedWire');
    const good = frameBytes(encodeFrame({ a: Float64Array.from([1, 2, 3]) }));
    expect(code(good.subarray(0, good.length - 8))).toBe('MalformedWire');
    const badJson = Buffer.from(good);
    badJson[24] = 0x7b;
    badJson[25] = 0x7b;
    expect(code(badJson)).toBe('MalformedWire');
  });

  it('reassembles streamed frames from any chunking', () => {
    const values = [{ type: 'progress', done: 1 }, { type: 'done', value: Float64Array.from({ length: 1000 }, (_, i) => i) }, { type: 'end' }];
    const bytes = Buffer.concat(values.flatMap((v) => streamChunks(encodeFrame(v))));
    for (const size of [1, 7, 64, 4096, bytes.length]) {
      const reader = new FrameReader();
      const out: unknown[] = [];
      for (let at = 0; at < bytes.length; at += size) out.push(...reader.push(bytes.subarray(at, at + size)));
      expect(reader.idle).toBe(true);
      expect(out).toEqual(values);
    }
  });
});
