/**
 * What the end-to-end DataFrame property tests share: one session per executor and mode for a whole
 * describe block (both executors, eager and lazy), and random frames built the way a user builds them —
 * `fromColumns` cut into `chunkRows` chunks (one-row chunks included), then filtered by a random keep
 * column, so the frame under test has irregular chunks, empty ones among them, as filter leaves them.
 * Results are read back through the public API as rows in the frame's column order, to compare with
 * the plain references (test/unit/ops/dataframe/reference.ts, the expression interpreter in
 * test/unit/kernels/dataframe/exprReference.ts, the sort order in sortTileHarness.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe } from 'vitest';
import type { FrameField } from '../../src/base/frame.js';
import { type DataFrame, dataframe as df, newSession, type Session } from '../../src/index.js';
import { type Cell, cellOf, type Row } from '../unit/kernels/dataframe/frames.js';

export type { Cell, Row };

export const CONFIGS = [
  ['local', 'lazy'],
  ['local', 'eager'],
  ['threads', 'lazy'],
  ['threads', 'eager'],
] as const;

/**
 * Declares `body`'s tests once per executor and mode, sharing one session (the default one while the
 * block runs, so eager frames run there when built) across all of them.
 */
export function eachSession(title: string, body: (session: () => Session) => void): void {
  describe.each(CONFIGS)(`${title} (%s executor, %s)`, (executor, mode) => {
    let session: Session | undefined;
    beforeAll(() => {
      session = newSession({ mode, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });
    });
    afterAll(async () => {
      await session?.close();
    });
    body(() => session!);
  });
}

/** Rows of the frame under test, the keep flags of the source rows around them, and the source's chunking. */
export interface FrameCase {
  /** Every source row with whether the filter keeps it. */
  readonly source: readonly (readonly [Row, boolean])[];
  readonly chunkRows: number;
}

/** The rows the frame under test holds. */
export const kept = (c: FrameCase): Row[] => c.source.filter(([, k]) => k).map(([r]) => [...r]);

/**
 * Random cases over `fields` with the awkward shapes: nulls, one-row chunks, rows dropped by the
 * filter (so some chunks come out empty), and sometimes every row's first column equal.
 */
export function frameCaseArb(fields: readonly FrameField[], maxRows = 30, cells = cellOf): fc.Arbitrary<FrameCase> {
  const row = fc.tuple(...fields.map((f) => cells(f.dtype))) as unknown as fc.Arbitrary<Row>;
  return fc.record({
    source: fc.array(fc.tuple(row, fc.integer({ min: 0, max: 3 }).map((x) => x > 0)), { maxLength: maxRows }),
    chunkRows: fc.constantFrom(1, 2, 3, 7, 64),
    sameFirst: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  }).map(({ source, chunkRows, sameFirst }) => ({
    chunkRows,
    source: sameFirst && source.length > 0
      ? source.map(([r, k]) => [[source[0]![0][0]!, ...r.slice(1)], k] as const)
      : source,
  }));
}

/** The frame of a case: its source as columns (dtypes given), filtered by the keep column, that column dropped. */
export function frameOfCase(fields: readonly FrameField[], c: FrameCase): DataFrame {
  const columns: Record<string, Cell[] | boolean[]> = Object.fromEntries(fields.map((f, j) => [f.name, c.source.map(([r]) => r[j]!)]));
  columns.__keep = c.source.map(([, k]) => k);
  const src = df.fromColumns(columns, { chunkRows: c.chunkRows, dtypes: { ...Object.fromEntries(fields.map((f) => [f.name, f.dtype])), __keep: 'bool' } });
  return src.filter(src.col('__keep')).select(fields.map((f) => f.name));
}

/** Runs `d` in `session` and reads it back as rows in its column order. */
export async function rowsOfFrame(d: DataFrame, session: Session): Promise<Row[]> {
  await d.execute({ session });
  const records = await d.toRecords({ session });
  const names = d.columns;
  return records.map((r) => names.map((n) => r[n]!));
}
