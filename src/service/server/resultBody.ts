/**
 * A fetched result as the bytes of its answer (wire/values.ts), without first copying a big tensor into
 * one array: when a tensor's chunks lie one after another in row-major order (it is split along its
 * first axis only, as `arange`, `rand` and most row-wise results are), its bytes are its chunks' own
 * bytes in order, sent as they are; anything else is fetched (assembled) and encoded.
 */
import { isArrayData } from '../../base/ndarray.js';
import { typedArrayCtor, type DType } from '../../base/dtypes.js';
import { UnexecutedError } from '../../base/errors.js';
import type { TileableNode } from '../../dag/nodes.js';
import { assemble } from '../../ops/assemble.js';
import type { Session } from '../../session/index.js';
import { DTYPE_HEADER, encodeValue, SHAPE_HEADER, TENSOR_TYPE, type ValueBody } from '../wire/values.js';

export interface ResultBody extends ValueBody {
  readonly byteLength: number;
}

export async function resultBody(engine: Session, node: TileableNode): Promise<ResultBody> {
  const body = await encoded(engine, node);
  return { ...body, byteLength: body.chunks.reduce((n, c) => n + c.byteLength, 0) };
}

async function encoded(engine: Session, node: TileableNode): Promise<ValueBody> {
  let read: Awaited<ReturnType<Session['fetchChunks']>>;
  try {
    read = await engine.fetchChunks(node);
  } catch (e) {
    // A slice of an executed result is no result of its own: fetch computes it.
    if (e instanceof UnexecutedError) return encodeValue(await engine.fetch(node));
    throw e;
  }
  // The chunks read are assembled when they cannot be sent as they are: they are not read again.
  return (node.meta.type === 'tensor' ? tensorParts(node, read) : undefined) ?? encodeValue(assemble(node, read.tiled, read.chunks));
}

/** A tensor result's chunk bytes in order when they are contiguous, else undefined. */
function tensorParts(node: TileableNode, { tiled, chunks }: Awaited<ReturnType<Session['fetchChunks']>>): ValueBody | undefined {
  if (tiled.nsplits.slice(1).some((splits) => splits.length !== 1)) return undefined;
  const { dtype } = node.meta as unknown as { dtype: DType };
  // From the tiling, not the meta: a length unknown when built (NaN, a filtered column) is measured there.
  const shape = tiled.nsplits.map((s) => s.reduce((a, b) => a + b, 0));
  const Ctor = typedArrayCtor(dtype);
  const bytes: Uint8Array[] = [];
  for (const c of chunks) {
    if (!isArrayData(c) || c.dtype !== dtype || !(c.data instanceof Ctor)) return undefined;
    bytes.push(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength));
  }
  return { contentType: TENSOR_TYPE, headers: { [DTYPE_HEADER]: dtype, [SHAPE_HEADER]: shape.join(',') }, chunks: bytes };
}
