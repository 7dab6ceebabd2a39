/**
 * The CSV record parser: bytes straight into FrameChunk columns, with no string per line or per number.
 * RFC 4180: fields separated by a one-byte delimiter, records by LF or CRLF (a CR elsewhere is data), a
 * field in double quotes may hold the delimiter, newlines and `""` (one quote); a quote anywhere else in
 * a field, or text after a closing quote, is an error (it would also break the quote-parity tiling of
 * csv.ts). Empty lines are skipped. Per column:
 * - int32: digits parsed in one loop; anything else goes to the decimal scanner and is accepted only if
 *   it is an integer in int32 range ("3.0" is 3). Otherwise a typed error: the schema was fixed at build
 *   time from a sample, and int32 -> float64 cannot be promoted chunk by chunk, so the error says to
 *   pass `dtypes: { col: 'float64' }`. A float64 column takes integers as they are (int -> float is the
 *   lossless promotion, so a chunk of only integers in a float column is simply read as float64).
 * - float64: graph/scan.ts's scanDecimal (exact, Eisel-Lemire), plus nan/inf words.
 * - bool: true/false in any case.
 * - string: dictionary-encoded through csvDict.ts (each distinct string decoded once, UTF-8 checked).
 * An empty field is null in every column; the `nullValues` are null too (compared as bytes).
 * Errors are FileFormatErrors naming the file, the physical line (1-based, header included) and column.
 *
 * Two loops: the plain records go through a parser generated for the layout (csvCodegen.ts), which
 * hands every other record, from its first byte, to the general loop here — so the general loop alone
 * decides every value, null and error that is not plain, and the generated one only has to agree with
 * it on plain records (tested against it in csvCodegen.property.test.ts).
 */
import { FileFormatError } from '../../base/errors.js';
import {
  allocBytes, allocFloat64, allocInt32, makeFrame, type FrameChunk, type FrameColumn, type FrameDtype,
} from '../../base/frame.js';
import { excerpt, scanDecimal, scannedEnd } from '../../graph/scan.js';
import { FAST_HELPERS, fastParser, type FastParse, BOOL, FLOAT, INT, LOOKUP_BATCH, SKIP, STRING } from './csvCodegen.js';
import { exact, grow } from './csvColumns.js';
import { ByteDict, HASH_PRIME, HASH_SEED } from './csvDict.js';

export interface CsvLayout {
  /** The file's name for errors. */
  readonly file: string;
  readonly delimiter: string;
  /** Fields in every record of the file. */
  readonly width: number;
  /** The output columns: the file column each is read from, its name and dtype. */
  readonly columns: readonly { readonly index: number; readonly name: string; readonly dtype: FrameDtype }[];
  readonly nullValues: readonly string[];
}

const QUOTE = 34;
const NL = 10;
const CR = 13;
const KIND: Record<FrameDtype, number> = { int32: INT, float64: FLOAT, bool: BOOL, string: STRING };
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const encoder = new TextEncoder();

/** A growable column being filled. */
export interface Builder {
  kind: number;
  values: Int32Array | Float64Array | Uint8Array;
  valid: Uint8Array | null;
  dict: ByteDict | null;
}

/**
 * The columns being filled, shared by the general loop and the generated parser: per output column its
 * builder, and its values again in the array of its element type (the others hold an empty array).
 */
export interface ParseState {
  readonly builders: Builder[];
  readonly ints: Int32Array[];
  readonly floats: Float64Array[];
  readonly bools: Uint8Array[];
  capacity: number;
  rows: number;
}

const EMPTY_I = new Int32Array(0);
const EMPTY_F = new Float64Array(0);
const EMPTY_B = new Uint8Array(0);

/** bytes[s..e) is one of the words, ignoring ASCII case. */
function isWord(bytes: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let k = 0; k < word.length; k++) if ((bytes[s + k]! | 0x20) !== word[k]) return false;
  return true;
}
const TRUE = encoder.encode('true');
const FALSE = encoder.encode('false');
const NAN = encoder.encode('nan');
const INF = encoder.encode('inf');
const INFINITY = encoder.encode('infinity');

/** nan / inf / infinity with an optional sign, as a double, or undefined. */
function specialFloat(bytes: Uint8Array, s: number, e: number): number | undefined {
  let negative = false;
  if (s < e && (bytes[s] === 45 || bytes[s] === 43)) negative = bytes[s++] === 45;
  if (isWord(bytes, s, e, NAN)) return NaN;
  if (isWord(bytes, s, e, INF) || isWord(bytes, s, e, INFINITY)) return negative ? -Infinity : Infinity;
  return undefined;
}

export class CsvParser {
  readonly #layout: CsvLayout;
  readonly #delim: number;
  /** Per file column: output column index, or -1 when not read. */
  readonly #slot: Int32Array;
  readonly #kinds: Int32Array;
  readonly #nulls: Uint8Array[];
  /** Whether a null value could also parse as a number or bool (then nulls are checked first). */
  readonly #valueLikeNulls: boolean;
  #scratch = new Uint8Array(256);
  /** The parser generated for this layout, or null when the layout's null values look like values. */
  readonly #fast: FastParse | null;

  /**
   * `generated` false: the general loop alone (the reference the generated parser is tested against);
   * `lookupBatch`: rows per batch of deferred string lookups in the generated parser (small in tests).
   */
  constructor(layout: CsvLayout, generated = true, lookupBatch = LOOKUP_BATCH) {
    this.#layout = layout;
    this.#delim = layout.delimiter.charCodeAt(0);
    this.#slot = new Int32Array(layout.width).fill(-1);
    this.#kinds = new Int32Array(layout.width);
    layout.columns.forEach((c, j) => {
      this.#slot[c.index] = j;
      this.#kinds[c.index] = KIND[c.dtype];
    });
    this.#nulls = layout.nullValues.map((v) => encoder.encode(v));
    this.#valueLikeNulls = layout.nullValues.some((v) => v !== '' && (/^\s*[-+]?[\d.]/.test(v) || /^(true|false|[-+]?(nan|inf|infinity))$/i.test(v)));
    // Such null values would have to be checked before every number, which the generated code does not.
    this.#fast = this.#valueLikeNulls || !generated ? null : fastParser(this.#delim, Array.from(this.#slot, (j, c) => (j < 0 ? SKIP : this.#kinds[c]!)), Array.from(this.#slot), lookupBatch);
  }

  /**
   * Parses the records that start in [from, until) of `bytes` (the last may run to bytes.length).
   * `lineAt(pos)` gives the 1-based file line of a buffer position, for errors (called only then).
   * The generated parser (csvCodegen.ts) takes the plain records up to the buffer's last newline and
   * hands every other record to the general loop below, one at a time; the general loop also takes
   * whatever follows (a last record without its newline) and every layout the generator declines.
   */
  parse(bytes: Uint8Array, from: number, until: number, rowsHint: number, lineAt: (pos: number) => number): FrameChunk {
    const st = this.begin(rowsHint);
    this.feed(st, bytes, from, until, lineAt);
    return this.end(st);
  }

  /**
   * The incremental form of `parse`, for a range read block by block (kernels/dataframe/csv.ts): `begin`
   * makes the columns, each `feed` appends the records of one block, `end` finishes the chunk. A block
   * must hold whole records (the caller cuts it at a record end), since a record is parsed from one buffer;
   * the parser keeps no reference to a block's bytes after `feed`, so the caller may reuse its buffer.
   */
  begin(rowsHint: number): ParseState {
    return this.#start(rowsHint);
  }

  /** Appends the records that start in [from, until) of `bytes` (the last may run to bytes.length). */
  feed(st: ParseState, bytes: Uint8Array, from: number, until: number, lineAt: (pos: number) => number): void {
    let p = from;
    const fast = this.#fast;
    if (fast !== null && from < until) {
      const last = bytes.lastIndexOf(NL);
      if (last >= from) {
        p = fast(bytes, from, until, last, st, (q) => this.#general(st, bytes, q, until, lineAt, true), () => this.#grow(st), FAST_HELPERS);
      }
    }
    if (p < until) this.#general(st, bytes, p, until, lineAt, false);
  }

  end(st: ParseState): FrameChunk {
    return this.#finish(st.builders, st.rows);
  }

  #start(rowsHint: number): ParseState {
    const layout = this.#layout;
    const capacity = Math.max(16, rowsHint);
    const builders: Builder[] = layout.columns.map((c) => {
      const kind = KIND[c.dtype];
      return {
        kind,
        values: kind === FLOAT ? allocFloat64(capacity) : kind === BOOL ? allocBytes(capacity) : allocInt32(capacity),
        valid: null,
        dict: kind === STRING ? new ByteDict(layout.nullValues) : null,
      };
    });
    // One array per element type, so every load and store below sees a single typed-array map.
    return {
      builders,
      ints: builders.map((b) => (b.values instanceof Int32Array ? b.values : EMPTY_I)),
      floats: builders.map((b) => (b.values instanceof Float64Array ? b.values : EMPTY_F)),
      bools: builders.map((b) => (b.values instanceof Uint8Array ? b.values : EMPTY_B)),
      capacity,
      rows: 0,
    };
  }

  /** Doubles every column's room. */
  #grow(st: ParseState): void {
    const capacity = (st.capacity *= 2);
    for (let j = 0; j < st.builders.length; j++) {
      const b = st.builders[j]!;
      b.values = grow(b.values, capacity);
      if (b.values instanceof Int32Array) st.ints[j] = b.values;
      else if (b.values instanceof Float64Array) st.floats[j] = b.values;
      else st.bools[j] = b.values;
      if (b.valid) {
        const valid = allocBytes(capacity).fill(1);
        valid.set(b.valid);
        b.valid = valid;
      }
    }
  }

  /**
   * The general record loop, from `from` (a record start or an empty line) while records start before
   * `until`; with `once`, it stops after one record. Returns where it stopped.
   */
  #general(st: ParseState, bytes: Uint8Array, from: number, until: number, lineAt: (pos: number) => number, once: boolean): number {
    const layout = this.#layout;
    const width = layout.width;
    const delim = this.#delim;
    const slot = this.#slot;
    const kinds = this.#kinds;
    const len = bytes.length;
    const valueLikeNulls = this.#valueLikeNulls;
    const { builders, ints, floats, bools } = st;
    let capacity = st.capacity;
    let rows = st.rows;
    let p = from;
    while (p < until) {
      const first = bytes[p]!;
      if (first === NL) {
        p++;
        continue;
      }
      if (first === CR && (p + 1 === len || bytes[p + 1] === NL)) {
        p += 2;
        continue;
      }
      if (rows === capacity) {
        this.#grow(st);
        capacity = st.capacity;
      }
      const record = p;
      for (let c = 0; c < width; c++) {
        let src = bytes;
        let s = p;
        let e = p;
        // Set when a fused fast path below already stored the field's value.
        let stored = false;
        const j0 = slot[c]!;
        const k0 = j0 < 0 ? 0 : kinds[c]!;
        if (p < len && bytes[p] === QUOTE) {
          // A quoted field: find the closing quote; `""` pairs are unescaped into the scratch buffer.
          let q = bytes.indexOf(QUOTE, p + 1);
          if (q < 0) throw this.#error(lineAt(p), 'a quoted field is not closed before the end of the file', c);
          s = p + 1;
          e = q;
          if (q + 1 < len && bytes[q + 1] === QUOTE) {
            let n = 0;
            let at = p + 1;
            for (;;) {
              const piece = q - at;
              if (n + piece + 1 > this.#scratch.length) this.#scratch = grow(this.#scratch, 2 * (n + piece + 1));
              this.#scratch.set(bytes.subarray(at, q), n);
              n += piece;
              if (q + 1 < len && bytes[q + 1] === QUOTE) {
                this.#scratch[n++] = QUOTE;
                at = q + 2;
                q = bytes.indexOf(QUOTE, at);
                if (q < 0) throw this.#error(lineAt(p), 'a quoted field is not closed before the end of the file', c);
              } else break;
            }
            src = this.#scratch;
            s = 0;
            e = n;
          }
          p = q + 1;
          if (p < len) {
            const t = bytes[p]!;
            if (t !== delim && t !== NL && !(t === CR && (p + 1 === len || bytes[p + 1] === NL))) {
              throw this.#error(lineAt(record), `text after a closing quote: ${JSON.stringify(excerpt(bytes, q, Math.min(len, q + 12)))}`, c);
            }
          }
        } else {
          // Fused fast paths: parse (or hash) while finding the field's end, one pass over its bytes.
          // Anything unusual leaves `stored` false and goes the general way from the field's start.
          if (k0 === INT && !valueLikeNulls) {
            let i = p;
            let negative = false;
            const b0 = i < len ? bytes[i]! : NL;
            if (b0 === 45 || b0 === 43) {
              negative = b0 === 45;
              i++;
            }
            const d0 = i;
            let x = 0;
            while (i < len) {
              const d = bytes[i]! - 48;
              if (d < 0 || d > 9) break;
              x = x * 10 + d;
              i++;
            }
            const digits = i - d0;
            const t = i < len ? bytes[i]! : NL;
            if (digits > 0 && digits <= 10 && (t === delim || t === NL || (t === CR && (i + 1 === len || bytes[i + 1] === NL)))) {
              if (negative) x = -x;
              if (x >= INT32_MIN && x <= INT32_MAX) {
                ints[j0]![rows] = x;
                stored = true;
                p = e = i;
              }
            }
          } else if (k0 === FLOAT && !valueLikeNulls) {
            const v = scanDecimal(bytes, p, len);
            const i = scannedEnd;
            const t = i < len ? bytes[i]! : NL;
            if (i > p && v === v && (t === delim || t === NL || (t === CR && (i + 1 === len || bytes[i + 1] === NL)))) {
              floats[j0]![rows] = v;
              stored = true;
              p = e = i;
            }
          } else if (k0 === STRING) {
            let h = HASH_SEED;
            let high = 0;
            while (p < len) {
              const t = bytes[p]!;
              if (t === delim || t === NL) break;
              if (t === QUOTE) throw this.#error(lineAt(record), 'a quote inside an unquoted field (quote the whole field and double the quote)', c);
              high |= t;
              h = Math.imul(h ^ t, HASH_PRIME);
              p++;
            }
            e = p;
            const dict = builders[j0]!.dict!;
            let code: number;
            if (e > s && bytes[e - 1] === CR && (p === len || bytes[p] === NL)) code = dict.code(bytes, s, --e);
            else code = dict.codeHashed(bytes, s, e, h, high);
            if (dict.invalid) throw this.#error(lineAt(record), 'the field is not valid UTF-8', c);
            ints[j0]![rows] = code;
            stored = true;
          }
          if (!stored) {
            p = s;
            while (p < len) {
              const t = bytes[p]!;
              if (t === delim || t === NL) break;
              if (t === QUOTE) throw this.#error(lineAt(record), 'a quote inside an unquoted field (quote the whole field and double the quote)', c);
              p++;
            }
            e = p;
            // The CR of a CRLF (or of a final CR) is not data.
            if (e > s && bytes[e - 1] === CR && (p === len || bytes[p] === NL)) e--;
          }
        }
        // p is at the field's terminator: the delimiter, a newline (maybe after a CR), or the end.
        if (p < len && bytes[p] === CR) p++;
        const t = p < len ? bytes[p]! : NL;
        if (c < width - 1) {
          if (t !== delim) throw this.#error(lineAt(record), `the line has ${c + 1} field${c === 0 ? '' : 's'} where the header has ${width}`);
        } else if (t === delim) {
          let extra = 1;
          for (let k = p + 1; k < len && bytes[k] !== NL; k++) if (bytes[k] === delim) extra++;
          throw this.#error(lineAt(record), `the line has at least ${width + extra} fields where the header has ${width}`);
        }
        p++;
        const j = j0;
        if (j < 0 || stored) continue;
        const kind = k0;
        if (kind === STRING) {
          const b = builders[j]!;
          const code = b.dict!.code(src, s, e);
          if (b.dict!.invalid) throw this.#error(lineAt(record), 'the field is not valid UTF-8', c);
          ints[j]![rows] = code;
          continue;
        }
        if (e === s || (this.#valueLikeNulls && this.#isNull(src, s, e))) {
          this.#setNull(builders[j]!, rows, capacity);
          continue;
        }
        if (kind === INT) {
          // The fast path: optional sign, then digits only, in range.
          let i = s;
          let negative = false;
          const c0 = src[i]!;
          if (c0 === 45 || c0 === 43) {
            negative = c0 === 45;
            i++;
          }
          let x = 0;
          let ok = i < e;
          for (; i < e; i++) {
            const d = src[i]! - 48;
            if (d < 0 || d > 9 || x > 214748364.8) {
              ok = false;
              break;
            }
            x = x * 10 + d;
          }
          if (ok) {
            if (negative) x = -x;
            if (x >= INT32_MIN && x <= INT32_MAX) {
              ints[j]![rows] = x;
              continue;
            }
          }
          this.#slowNumber(builders[j]!, rows, capacity, src, s, e, lineAt, record, c);
        } else if (kind === FLOAT) {
          const v = scanDecimal(src, s, e);
          if (scannedEnd === e && v === v) floats[j]![rows] = v;
          else this.#slowNumber(builders[j]!, rows, capacity, src, s, e, lineAt, record, c);
        } else if (isWord(src, s, e, TRUE)) bools[j]![rows] = 1;
        else if (isWord(src, s, e, FALSE)) bools[j]![rows] = 0;
        else if (this.#isNull(src, s, e)) this.#setNull(builders[j]!, rows, capacity);
        else throw this.#error(lineAt(record), `${JSON.stringify(excerpt(src, s, e))} is not a bool (true or false)${this.#hint(c, 'string')}`, c);
      }
      rows++;
      if (once) break;
    }
    st.rows = rows;
    return p;
  }

  #isNull(src: Uint8Array, s: number, e: number): boolean {
    for (const v of this.#nulls) {
      if (v.length !== e - s) continue;
      let k = 0;
      while (k < v.length && v[k] === src[s + k]) k++;
      if (k === v.length) return true;
    }
    return false;
  }

  #setNull(b: Builder, row: number, capacity: number): void {
    if (!b.valid) b.valid = allocBytes(capacity).fill(1);
    b.valid[row] = 0;
    b.values[row] = 0;
  }

  /** A number field the fast loop did not take: an integer-valued decimal, nan/inf, a null value, or an error. */
  #slowNumber(b: Builder, row: number, capacity: number, src: Uint8Array, s: number, e: number, lineAt: (pos: number) => number, record: number, c: number): void {
    let v = scanDecimal(src, s, e);
    let parsed = scannedEnd === e && v === v;
    if (!parsed) {
      const special = specialFloat(src, s, e);
      if (special !== undefined) {
        v = special;
        parsed = true;
      }
    }
    if (parsed && (b.kind === FLOAT || (Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX))) {
      b.values[row] = v;
      return;
    }
    if (this.#isNull(src, s, e)) {
      this.#setNull(b, row, capacity);
      return;
    }
    const text = JSON.stringify(excerpt(src, s, e));
    if (b.kind === INT && parsed) {
      const what = Number.isInteger(v) ? 'is outside the int32 range' : 'is not an integer';
      throw this.#error(lineAt(record), `${text} ${what}, but the column is int32${this.#hint(c, 'float64')}`, c);
    }
    throw this.#error(lineAt(record), `${text} is not a number, but the column is ${b.kind === INT ? 'int32' : 'float64'}${this.#hint(c, 'string')}`, c);
  }

  #hint(c: number, dtype: FrameDtype): string {
    const name = this.#layout.columns[this.#slot[c]!]!.name;
    return ` (the dtypes were inferred from a sample of the file; pass dtypes: { ${JSON.stringify(name)}: '${dtype}' } to read it as ${dtype})`;
  }

  #error(line: number, problem: string, c?: number): FileFormatError {
    const j = c === undefined ? -1 : this.#slot[c]!;
    const name = c === undefined ? undefined : j >= 0 ? this.#layout.columns[j]!.name : `#${c}`;
    return new FileFormatError(this.#layout.file, line, problem, name);
  }

  /**
   * The columns were parsed straight into shared buffers sized from the row estimate, so they are the
   * chunk's columns as they are (views of their rows): no copy, and no second set of buffers held while
   * the chunk is made — that pair, per worker, was the read's peak memory beyond the table itself.
   */
  #finish(builders: readonly Builder[], rows: number): FrameChunk {
    const columns = builders.map((b, j): FrameColumn => {
      const dtype = this.#layout.columns[j]!.dtype;
      if (b.kind === STRING) return { dtype: 'string', codes: exact(b.values as Int32Array, rows), dict: b.dict!.finish() };
      const valid = b.valid ? exact(b.valid, rows) : null;
      return { dtype, values: exact(b.values, rows), valid } as FrameColumn;
    });
    return makeFrame(this.#layout.columns.map((c) => c.name), columns);
  }
}
