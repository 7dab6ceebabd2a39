/**
 * Small pieces the hash kernels share: the value a shuffle mapper produces (one frame per reducer), how
 * a kernel reads its frame inputs whether they are plain chunks or a mapper's parts, and a gather that
 * turns index -1 into a null (the missing side of an outer join, a group with no value).
 */
import {
  allocBytes, allocFloat64, allocInt32, compactStrings, type FrameChunk, type FrameColumn, isFrameChunk,
} from '../../base/frame.js';

/** What a shuffle mapper returns: its chunk split into one frame per reducer (Mars's map blocks). */
export interface FrameParts {
  readonly kind: 'frameParts';
  readonly parts: readonly FrameChunk[];
}

export function isFrameParts(v: unknown): v is FrameParts {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'frameParts';
}

/** The frames a kernel was given: chunks as they are, a mapper's parts as its part `part`. */
export function frameInputs(inputs: readonly unknown[], part: number | undefined): FrameChunk[] {
  return inputs.map((v, i) => {
    if (isFrameChunk(v)) return v;
    if (isFrameParts(v)) {
      if (part === undefined) throw new Error(`input ${i} is a shuffle mapper's parts but the kernel got no part number.`);
      const p = v.parts[part];
      if (!p) throw new Error(`input ${i} has ${v.parts.length} parts; part ${part} was asked for.`);
      return p;
    }
    throw new Error(`input ${i} is not a dataframe chunk.`);
  });
}

/** Rows `index[i]` of a column, a null where `index[i]` is -1. */
export function takeOrNull(c: FrameColumn, index: Int32Array): FrameColumn {
  const n = index.length;
  if (c.dtype === 'string') {
    const codes = allocInt32(n);
    const src = c.codes;
    for (let i = 0; i < n; i++) {
      const r = index[i]!;
      codes[i] = r < 0 ? -1 : src[r]!;
    }
    return { dtype: 'string', codes, dict: c.dict };
  }
  const values = c.dtype === 'float64' ? allocFloat64(n) : c.dtype === 'int32' ? allocInt32(n) : allocBytes(n);
  const valid = allocBytes(n);
  const src = c.values;
  const srcValid = c.valid;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const r = index[i]!;
    if (r < 0 || (srcValid !== null && srcValid[r] === 0)) {
      nulls++;
    } else {
      values[i] = src[r]!;
      valid[i] = 1;
    }
  }
  return { dtype: c.dtype, values, valid: nulls === 0 ? null : valid } as FrameColumn;
}

/** A float64 column from values and an optional null mask (1 = valid), dropping an all-valid mask. */
export function float64Column(values: Float64Array, valid: Uint8Array | null): FrameColumn {
  if (valid !== null && valid.every((b) => b === 1)) return { dtype: 'float64', values, valid: null };
  return { dtype: 'float64', values, valid };
}

export function int32Column(values: Int32Array): FrameColumn {
  return { dtype: 'int32', values, valid: null };
}

/** The values of a column the kernel itself made numeric (a state or position column). */
export function numValues(c: FrameColumn): Int32Array | Float64Array | Uint8Array {
  if (c.dtype === 'string') throw new Error('a numeric column was expected, got a string column.');
  return c.values;
}

export function intValues(c: FrameColumn): Int32Array {
  if (c.dtype !== 'int32') throw new Error(`an int32 column was expected, got ${c.dtype}.`);
  return c.values as Int32Array;
}

/**
 * The chunk with each string column's dictionary cut to the entries its rows use (first-seen order),
 * rewriting the codes in place — only for chunks a kernel has just made. A shuffle part or a partial
 * aggregate holds a few of the rows but keeps the whole dictionary otherwise, and whoever merges N of
 * them would walk N whole dictionaries.
 */
export function compactDicts(chunk: FrameChunk): FrameChunk {
  const columns = chunk.columns.map((c): FrameColumn => (c.dtype === 'string' ? compactStrings(c, true) : c));
  return { ...chunk, columns };
}
