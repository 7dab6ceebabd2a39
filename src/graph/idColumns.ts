/**
 * Columns of original vertex ids, as parsers produce them and IdMap consumes them. A column has one
 * kind: `number` (safe integers, |id| < 2^53, held exactly in a Float64Array — or an Int32Array when the
 * user gave one, so it is not widened), `bigint` (int64 ids of which
 * some do not fit a double exactly, held in a BigInt64Array so no digit is lost) or `string` (UTF-8
 * byte spans, usually into the very bytes that were parsed, so no JS string is made per token).
 */
import { InvalidArgumentError } from '../base/errors.js';

export interface StringSpans {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

export type IdColumn =
  | { readonly kind: 'number'; readonly values: Float64Array | Int32Array }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array }
  | { readonly kind: 'string'; readonly values: StringSpans };

export type VertexId = number | bigint | string;

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Strings as UTF-8 spans in shared memory (so a worker reads them without a copy). */
export function sharedStringSpans(values: readonly string[]): StringSpans {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => encoder.encode(v));
  const bytes = new Uint8Array(new SharedArrayBuffer(encoded.reduce((sum, e) => sum + e.length, 0)));
  const starts = new Int32Array(new SharedArrayBuffer(4 * values.length));
  const ends = new Int32Array(new SharedArrayBuffer(4 * values.length));
  let at = 0;
  encoded.forEach((e, i) => {
    bytes.set(e, at);
    starts[i] = at;
    at += e.length;
    ends[i] = at;
  });
  return { bytes, starts, ends };
}

/** Text i of a span column. */
export function spanText(spans: StringSpans, i: number, decoder = new TextDecoder()): string {
  return decoder.decode(spans.bytes.subarray(spans.starts[i]!, spans.ends[i]!));
}

/** A column from JS values: all strings, or all integers (numbers and bigints may be mixed). */
export function idColumn(ids: readonly VertexId[]): IdColumn {
  if (ids.length > 0 && typeof ids[0] === 'string') {
    const bad = ids.findIndex((id) => typeof id !== 'string');
    if (bad >= 0) throw new InvalidArgumentError(`vertex ids mix strings and numbers: ${String(ids[bad])}`);
    return { kind: 'string', values: sharedStringSpans(ids as readonly string[]) };
  }
  const needsBigInt = ids.some((id) => typeof id === 'bigint' && (id > SAFE || id < -SAFE));
  if (needsBigInt) {
    const values = new BigInt64Array(ids.length);
    ids.forEach((id, i) => (values[i] = checkedBigInt(id)));
    return { kind: 'bigint', values };
  }
  const values = new Float64Array(ids.length);
  ids.forEach((id, i) => (values[i] = Number(checkedBigInt(id)) + 0));
  return { kind: 'number', values };
}

function checkedBigInt(id: VertexId): bigint {
  if (typeof id === 'string') throw new InvalidArgumentError(`vertex ids mix numbers and strings: '${id}'`);
  if (typeof id === 'number' && !Number.isSafeInteger(id)) {
    throw new InvalidArgumentError(`vertex id ${id} is not a safe integer (|id| < 2^53); pass it as a bigint`);
  }
  const big = BigInt(id);
  if (big < INT64_MIN || big > INT64_MAX) throw new InvalidArgumentError(`vertex id ${big} is outside the int64 range`);
  return big;
}

/** The same ids as a bigint column (used when two columns of one graph have different kinds). */
export function asBigIntColumn(column: IdColumn): IdColumn {
  if (column.kind !== 'number') return column;
  const values = new BigInt64Array(column.values.length);
  for (let i = 0; i < values.length; i++) values[i] = BigInt(column.values[i]!);
  return { kind: 'bigint', values };
}

/** The number of ids in a column. */
export function idColumnLength(column: IdColumn): number {
  return column.kind === 'string' ? column.values.starts.length : column.values.length;
}

/** Text of id i of a column, for error messages. */
export function idText(column: IdColumn, i: number): string {
  if (column.kind === 'string') {
    const { bytes, starts, ends } = column.values;
    return new TextDecoder().decode(bytes.subarray(starts[i]!, ends[i]!));
  }
  return String(column.values[i]!);
}
