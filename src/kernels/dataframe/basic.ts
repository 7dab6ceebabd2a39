/**
 * Kernels of the basic dataframe ops: a source chunk captured at build time (`frame.inline`), column
 * selection and renaming, and a row slice (`head`'s last chunk). All are views or small copies: numbers
 * stay in the buffers they came in (shared memory, so a worker reads them without a copy).
 */
import { type FrameChunk, type FrameColumn, makeFrame, sliceRows, type BoolColumn, type NumberColumn } from '../../base/frame.js';
import { registerKernel } from '../registry.js';

/**
 * A string column as it travels in a source's params: the chunk's dictionary as UTF-8 in shared memory
 * (`bytes`, entry d spanning `offsets[d] .. offsets[d+1]`), so sending a task copies no string.
 */
export interface InlineStringColumn {
  readonly dtype: 'string';
  readonly codes: Int32Array;
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

export type InlineColumn = NumberColumn | BoolColumn | InlineStringColumn;

/** One chunk of a source's data as it travels in params. */
export interface InlineChunk {
  readonly rows: number;
  readonly columns: readonly InlineColumn[];
}

function decodeColumn(c: InlineColumn): FrameColumn {
  if (c.dtype !== 'string') return c;
  return { dtype: 'string', codes: c.codes, dict: { offsets: c.offsets, bytes: c.bytes } };
}

registerKernel('frame.inline', (_in, p: { readonly names: readonly string[]; readonly chunk: InlineChunk }): FrameChunk => {
  const frame = makeFrame(p.names, p.chunk.columns.map(decodeColumn));
  return { ...frame, rows: p.chunk.rows };
});

registerKernel('frame.select', (inputs, p: { readonly names: readonly string[] }): FrameChunk => {
  const f = inputs[0] as FrameChunk;
  return { kind: 'frame', rows: f.rows, names: [...p.names], columns: p.names.map((n) => f.columns[f.names.indexOf(n)]!) };
});

registerKernel('frame.rename', (inputs, p: { readonly names: readonly string[] }): FrameChunk => {
  const f = inputs[0] as FrameChunk;
  return { kind: 'frame', rows: f.rows, names: [...p.names], columns: f.columns };
});

registerKernel('frame.slice', (inputs, p: { readonly lo: number; readonly hi: number }): FrameChunk => sliceRows(inputs[0] as FrameChunk, p.lo, p.hi));
