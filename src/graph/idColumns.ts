/**
 * Columns of original vertex ids, as parsers produce them and IdMap consumes them. A column has one
 * kind: `number` (safe integers, |id| < 2^53, held exactly in a Float64Array — or an Int32Array when the
 * user gave one, so it is not widened), `bigint` (int64 ids of which
 * some do not fit a double exactly, held in a BigInt64Array so no digit is lost), `string` (UTF-8
 * byte spans, usually into the very bytes that were parsed, so no JS string is made per token) or
 * `coded` (strings as a sorted dictionary and one code per row: see stringDict.ts).
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { DictTable } from './dictKeys.js';

export interface StringSpans {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

export type IdColumn =
  | { readonly kind: 'number'; readonly values: Float64Array | Int32Array }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array }
  | { readonly kind: 'string'; readonly values: StringSpans }
  | { readonly kind: 'coded'; readonly values: { readonly dict: StringSpans; readonly codes: Int32Array; readonly table?: DictTable } };

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

/**
 * Whether two span lists hold the same strings at the same places, compared as memory (memcmp): a
 * column coded against its vertices' dictionary arrives with its own copy of that dictionary's views
 * (another message's clone), and this says it is the map's own list without a merge of the two.
 */
export function sameSpans(a: StringSpans, b: StringSpans): boolean {
  if (a === b) return true;
  const bytesOf = (v: ArrayBufferView): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return a.starts.length === b.starts.length && a.bytes.length === b.bytes.length &&
    bytesOf(a.starts).equals(bytesOf(b.starts)) && bytesOf(a.ends).equals(bytesOf(b.ends)) && bytesOf(a.bytes).equals(bytesOf(b.bytes));
}

/** Text i of a span column. */
export function spanText(spans: StringSpans, i: number, decoder = new TextDecoder()): string {
  return decoder.decode(spans.bytes.subarray(spans.starts[i]!, spans.ends[i]!));
}

/** Below this many texts, spans are decoded one by one; from it, ASCII bytes are decoded once and sliced. */
const BULK_TEXTS = 4096;

/**
 * Texts of spans `picks[i]` (or of spans lo..hi when no picks), decoded once per distinct span: a result
 * labelling vertices by a few ids (WCC components) decodes those few. When the bytes are all ASCII and
 * many texts are wanted, the bytes become one string that each text is sliced from.
 */
export function spanTexts(spans: StringSpans, picks: ArrayLike<number> | undefined, lo: number, hi: number): string[] {
  const { bytes, starts, ends } = spans;
  const count = hi - lo;
  let ascii: string | undefined;
  if (count >= BULK_TEXTS) {
    let high = 0;
    for (let k = 0; k < bytes.length; k++) high |= bytes[k]!;
    if (high < 128) ascii = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  }
  const decoder = new TextDecoder();
  const cache: (string | undefined)[] = picks ? new Array<string | undefined>(starts.length) : [];
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const k = picks ? picks[lo + i]! : lo + i;
    let text = picks ? cache[k] : undefined;
    if (text === undefined) {
      text = ascii !== undefined ? ascii.slice(starts[k]!, ends[k]!) : decoder.decode(bytes.subarray(starts[k]!, ends[k]!));
      if (picks) cache[k] = text;
    }
    out[i] = text;
  }
  return out;
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
  if (column.kind === 'coded') return column.values.codes.length;
  return column.kind === 'string' ? column.values.starts.length : column.values.length;
}

/** Text of id i of a column, for error messages. */
export function idText(column: IdColumn, i: number): string {
  if (column.kind === 'coded') return spanText(column.values.dict, column.values.codes[i]!);
  if (column.kind === 'string') {
    const { bytes, starts, ends } = column.values;
    return new TextDecoder().decode(bytes.subarray(starts[i]!, ends[i]!));
  }
  return String(column.values[i]!);
}

/** A column's ids as JS values, row by row (strings decoded). */
export function idValues(column: IdColumn): (number | bigint | string)[] {
  if (column.kind === 'number' || column.kind === 'bigint') return Array.from(column.values as ArrayLike<number | bigint>);
  const decoder = new TextDecoder();
  if (column.kind === 'string') return Array.from(column.values.starts, (_, i) => spanText(column.values, i, decoder));
  const { dict, codes } = column.values;
  const texts = Array.from(dict.starts, (_, k) => spanText(dict, k, decoder));
  return Array.from(codes, (k) => texts[k]!);
}
