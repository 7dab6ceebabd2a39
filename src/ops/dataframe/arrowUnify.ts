/**
 * One dictionary per string column for a whole Arrow table, on request. A fetched table's batches keep
 * their chunks' own dictionaries (arrow.ts `framesToTable` says why); Arrow's IPC *file* format forbids
 * replacing a dictionary between batches, so a table bound for `tableToIPC(t, 'file')` goes through
 * here first. This is the work fetch no longer does for everyone: every entry of every batch's
 * dictionary hashed into one (utf8Dict.ts's builder) and every code rewritten, serially.
 */
import { Data, DataType, Dictionary, Int32, makeData, RecordBatch, Struct, Table, Type, Utf8, Vector } from 'apache-arrow';
import { DTypeError } from '../../base/errors.js';
import { show } from '../../base/show.js';
import { type Utf8Dict, Utf8DictBuilder } from '../../base/utf8Dict.js';

/**
 * The entries of a Utf8 dictionary's data as a Utf8Dict view. Arrow's JS slices cut `valueOffsets` and
 * `values` to the slice (only the null bitmap is read at `offset`), so offsets may start past 0.
 */
function dictView(d: Data): Utf8Dict {
  return { offsets: (d.valueOffsets as Int32Array).subarray(0, d.length + 1), bytes: d.values as Uint8Array };
}

const isUtf8Dictionary = (t: DataType): t is Dictionary<Utf8, Int32> =>
  DataType.isDictionary(t) && t.dictionary.typeId === Type.Utf8 && t.indices.bitWidth === 32 && t.indices.isSigned;

/**
 * `table` with every Dictionary<Utf8, Int32> column re-encoded against one dictionary for all its
 * batches (entries in first-seen order, each once); other columns are shared as they are. A table whose
 * dictionaries are already one is returned unchanged. Nulls stay null; the rows and their order are
 * the table's.
 */
export function unifyDictionaries(table: Table): Table {
  const fields = table.schema.fields;
  const columns = fields.map((f, j) => {
    if (!DataType.isDictionary(f.type)) return undefined;
    if (!isUtf8Dictionary(f.type)) {
      throw new DTypeError(`column ${show(f.name)} is ${String(f.type)}: unifyDictionaries re-encodes dictionaries of Utf8 with Int32 indices, the type of a fetched DataFrame's string columns.`);
    }
    const dicts = table.batches.map((b) => b.data.children[j]!.dictionary!);
    return dicts.every((d) => d === dicts[0]) ? undefined : dicts;
  });
  if (columns.every((c) => c === undefined)) return table;
  const unified = columns.map((dicts) => {
    if (!dicts) return undefined;
    let entries = 0;
    let bytes = 0;
    for (const v of dicts) for (const d of v.data) {
      const view = dictView(d);
      entries += d.length;
      bytes += view.offsets[d.length]! - view.offsets[0]!;
    }
    const builder = new Utf8DictBuilder(Math.min(entries, 1 << 24), Math.min(bytes, 1 << 28));
    // A dictionary vector shared by several batches is merged once.
    const remaps = new Map<Vector, Int32Array>();
    for (const v of dicts) {
      if (remaps.has(v)) continue;
      const parts = v.data.map((d) => builder.addAll(dictView(d)));
      const remap = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        remap.set(p, at);
        at += p.length;
      }
      remaps.set(v, remap);
    }
    const d = builder.finish();
    const n = d.offsets.length - 1;
    const dictionary = new Vector([makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: d.offsets, data: d.bytes.subarray(0, d.offsets[n]!) })]);
    return { remaps, dictionary };
  });
  const batches = table.batches.map((batch) => {
    const children = batch.data.children.map((data, j) => {
      const u = unified[j];
      if (!u) return data;
      const remap = u.remaps.get(data.dictionary!)!;
      // Sliced data's values start at the slice already; its null bitmap is read from `offset`.
      const src = data.values as Int32Array;
      const codes = new Int32Array(data.length);
      const valid = data.nullCount > 0 ? data.nullBitmap : null;
      for (let i = 0; i < data.length; i++) {
        const at = data.offset + i;
        // Null slots hold anything (Arrow leaves them undefined): only valid ones index the remap; -1 as fetch writes them.
        codes[i] = valid && ((valid[at >> 3]! >> (at & 7)) & 1) === 0 ? -1 : remap[src[i]!]!;
      }
      const nullBitmap = valid && data.offset % 8 === 0 ? valid.subarray(data.offset >> 3) : valid ? copyBits(valid, data.offset, data.length) : undefined;
      return makeData({
        type: fields[j]!.type as Dictionary<Utf8, Int32>,
        length: data.length,
        nullCount: data.nullCount,
        ...(nullBitmap ? { nullBitmap } : {}),
        data: codes,
        dictionary: u.dictionary,
      });
    });
    return new RecordBatch(table.schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
  });
  return new Table(table.schema, batches);
}

/** Bits [from, from + n) of a bitmap as a bitmap starting at bit 0. */
function copyBits(bits: Uint8Array, from: number, n: number): Uint8Array {
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const at = from + i;
    if ((bits[at >> 3]! >> (at & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}
