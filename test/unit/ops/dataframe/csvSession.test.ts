/**
 * File sources and sinks through a real session on both executors (no DataFrame handle yet, so nodes
 * go to `execute` / `fetchChunks` / `fetch` directly): Parquet row groups read on pool workers, a
 * sink's fetch is its `{ path, rows, bytes }`, and a worker's typed error keeps its class. (A CSV
 * source's rows are unknown (NaN) until it runs, which the session's store accepts once iterative
 * tiling lands; its chunks are run through the kernels in csv.test.ts meanwhile.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../../../src/base/errors.js';
import { concatFrames, valueAt, type FrameChunk } from '../../../../src/base/frame.js';
import { newSession } from '../../../../src/index.js';
import { readCsvNode } from '../../../../src/ops/dataframe/csv.js';
import { readParquetNode, toParquetNode } from '../../../../src/ops/dataframe/parquet.js';
import { runOnFrame } from './runFrame.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-file-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = (f: FrameChunk): unknown[][] => Array.from({ length: f.rows }, (_, i) => f.columns.map((c) => valueAt(c, i)));

describe.each([['local', undefined], ['threads', 2]] as const)('file sources on the %s executor', (executor, workers) => {
  it('reads Parquet row groups, writes them again through a sink, and reads that back', async () => {
    const csv = join(dir, `${executor}.csv`);
    const lines = ['k,v,s', ...Array.from({ length: 2000 }, (_, i) => `${i},${i / 4},"n${i % 13}, x"`)];
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const first = join(dir, `${executor}-1.parquet`);
    await runOnFrame(toParquetNode(readCsvNode(csv, { chunkBytes: 8192 }), first), readCsvNode(csv, { chunkBytes: 8192 }));
    const sess = newSession({ executor, ...(workers ? { workers } : {}), mode: 'lazy', default: false });
    try {
      const node = readParquetNode(first);
      await sess.execute([node]);
      const { chunks } = await sess.fetchChunks(node);
      expect(chunks.length).toBeGreaterThan(3);
      const frame = concatFrames(chunks as FrameChunk[], node.meta.fields);
      expect(rows(frame)).toEqual(lines.slice(1).map((_, i) => [i, i / 4, `n${i % 13}, x`]));
      const second = join(dir, `${executor}-2.parquet`);
      const sink = toParquetNode(node, second);
      await sess.execute([sink]);
      expect(await sess.fetch(sink)).toMatchObject({ path: second, rows: 2000 });
      const back = readParquetNode(second);
      await sess.execute([back]);
      const read = await sess.fetchChunks(back);
      expect(rows(concatFrames(read.chunks as FrameChunk[], back.meta.fields))).toEqual(rows(frame));
      // The file changed after the node was built: the workers' typed error reaches the caller.
      const stale = readParquetNode(second, { columns: ['k'] });
      writeFileSync(second, 'not parquet any more');
      await expect(sess.execute([stale])).rejects.toBeInstanceOf(FileFormatError);
    } finally {
      await sess.close();
    }
  });
});
