/**
 * The built-in codecs: typed arrays, `ArrayData` tensors, scalars, CSR graph records, other records and
 * JSON values (Arrow tables are in arrowCodec.ts). Match scores rank them from the most to the least
 * specific: a typed array or scalar (100), a tensor (90), a CSR record (80), any record holding typed
 * arrays (50), plain JSON (10).
 */
import { isDType, typedArrayCtor, type TypedArray } from '../base/dtypes.js';
import { NdArray } from '../base/ndarray.js';
import { sizeOf } from '../base/shape.js';
import type { Codec, DecodeInput, Encoded } from './codecs.js';
import { StoreTypeError } from './errors.js';
import { isPlainObject } from './objectMeta.js';
import { containsTypedArray, decodePlain, encodePlain } from './plainData.js';
import { asKind, isTypedArray, viewKind } from './views.js';

function blobOf(input: DecodeInput, member: string): ArrayBufferView {
  const blob = input.blobs.get(member);
  if (!blob) throw new StoreTypeError(`A stored ${input.typename} has no '${member}' blob; its metadata is damaged.`);
  return blob;
}

/** A typed array is its own single blob: `get` returns the very array that was `put`. */
export const typedArrayCodec: Codec = {
  typename: 'tessera::TypedArray',
  match: (value) => (isTypedArray(value) ? 100 : 0),
  encode(value): Encoded {
    const view = value as ArrayBufferView;
    return { fields: { kind: viewKind(view) }, blobs: new Map([['buffer', view]]), value: view };
  },
  decode: (input) => asKind(blobOf(input, 'buffer'), input.fields['kind'] as string),
};

/** Numbers, booleans and bigints live in the metadata (Vineyard's `Scalar`); they hold no bytes. */
export const scalarCodec: Codec = {
  typename: 'tessera::Scalar',
  match: (value) => (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? 100 : 0),
  encode(value): Encoded {
    const v = value as number | boolean | bigint;
    let fields: Record<string, string | number | boolean>;
    if (typeof v === 'bigint') fields = { type: 'bigint', value: v.toString() };
    else if (typeof v === 'number' && Object.is(v, -0)) fields = { type: 'number', value: '-0' };
    else if (typeof v === 'number' && !Number.isFinite(v)) fields = { type: 'number', value: String(v) };
    else fields = { type: typeof v, value: v };
    return { fields, blobs: new Map(), value: v };
  },
  decode(input) {
    const { type, value } = input.fields;
    if (type === 'bigint') return BigInt(value as string);
    if (type === 'number' && typeof value === 'string') return value === '-0' ? -0 : Number(value);
    return value;
  },
};

function looksLikeArrayData(value: unknown): value is { dtype: string; shape: unknown; data: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { dtype?: unknown }).dtype === 'string' &&
    Array.isArray((value as { shape?: unknown }).shape) &&
    isTypedArray((value as { data?: unknown }).data)
  );
}

/** `ArrayData` (and `NdArray`): dtype and shape in the metadata, the data array as the one blob. */
export const tensorCodec: Codec = {
  typename: 'tessera::Tensor',
  match: (value) => (looksLikeArrayData(value) ? 90 : 0),
  encode(value): Encoded {
    const { dtype, shape, data } = value as { dtype: string; shape: number[]; data: ArrayBufferView };
    if (!isDType(dtype)) throw new StoreTypeError(`Cannot store a tensor of unknown dtype ${JSON.stringify(dtype)}.`);
    const Ctor = typedArrayCtor(dtype);
    if (!(data instanceof Ctor)) {
      throw new StoreTypeError(`Cannot store a ${dtype} tensor whose data is a ${data.constructor.name}; it must be a ${Ctor.name}.`);
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || data.length !== sizeOf(shape)) {
      throw new StoreTypeError(`Cannot store a tensor of shape [${shape.join(', ')}] with ${data.length} elements.`);
    }
    const nd = Object.freeze(new NdArray(dtype, shape, data as TypedArray));
    return { fields: { dtype, shape: [...shape] }, blobs: new Map([['data', data]]), value: nd };
  },
  decode(input) {
    const dtype = input.fields['dtype'];
    if (!isDType(dtype)) throw new StoreTypeError(`A stored tensor has an unknown dtype ${JSON.stringify(dtype)}.`);
    const data = asKind(blobOf(input, 'data'), typedArrayCtor(dtype).name) as TypedArray;
    return Object.freeze(new NdArray(dtype, input.fields['shape'] as number[], data));
  },
};

function plainCodec(typename: string, match: (value: unknown) => number): Codec {
  return {
    typename,
    match,
    encode(value): Encoded {
      const { blobs, value: frozen } = encodePlain(value);
      return { fields: {}, blobs, value: frozen };
    },
    decode: (input) => decodePlain(input.blobs),
  };
}

/** `{n, offsets, targets, weights?}`: a CSR graph partition as the graph kernels produce it. */
export const csrCodec = plainCodec('tessera::CSRGraph', (value) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  isPlainObject(value) &&
  isTypedArray((value as { offsets?: unknown }).offsets) &&
  isTypedArray((value as { targets?: unknown }).targets)
    ? 80
    : 0,
);

/** Plain objects and arrays whose leaves include typed arrays (reduction partials, grouped results). */
export const recordCodec = plainCodec('tessera::Record', (value) =>
  typeof value === 'object' && value !== null && (Array.isArray(value) || isPlainObject(value)) && containsTypedArray(value) ? 50 : 0,
);

/** Strings, null, and plain objects and arrays without typed arrays. */
export const jsonCodec = plainCodec('tessera::Json', (value) =>
  typeof value === 'string' || value === null || (typeof value === 'object' && (Array.isArray(value) || isPlainObject(value))) ? 10 : 0,
);
