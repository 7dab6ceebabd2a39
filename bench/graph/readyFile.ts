/**
 * bench/graph/ready.ts's `file` section: the generated graph written as a space-delimited edge file
 * (`src dst weight`, no header) in the OS temp folder (deleted after), read by DuckDB's `read_csv` on 2
 * threads and loaded by `gs.loadFrom({ edges: path, delimiter: ' ', header: false, edgeProperties: [2] })`
 * (`sess.run(g)`: the graph's own run), each a median of several runs; then the first WCC after the file
 * load against the first WCC after a load of the same graph from columns.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { graph as gs } from '../../src/index.js';
import { summarize, type Timing } from '../harness.js';
import type { PeerGraph } from './generate.js';
import { columnsOf, freshSession, loadColumns, seconds } from './readyCommon.js';

export interface FileRow {
  readonly graph: string;
  readonly fileBytes: number;
  readonly duckdbSql: string;
  readonly duckdbSeconds: Timing;
  readonly loadSeconds: Timing;
  readonly loadRatio: number;
  readonly vertices: number;
  readonly firstWccAfterFile: Timing;
  readonly firstWccAfterColumns: Timing;
  readonly wccRatio: number;
}

/** Writes the graph as `src dst weight` lines; returns the bytes written. */
export function writeEdgeFile(path: string, peer: PeerGraph): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const block = 1 << 16;
    for (let start = 0; start < peer.src.length; start += block) {
      let text = '';
      for (let e = start; e < Math.min(peer.src.length, start + block); e++) text += `${peer.src[e]} ${peer.dst[e]} ${peer.weights[e]}\n`;
      bytes += writeSync(fd, text);
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

async function timeRuns(runs: number, fn: () => Promise<number>): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await fn());
  return summarize(samples);
}

export async function benchFile(peer: PeerGraph, runs: number): Promise<FileRow> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ready-'));
  const path = join(dir, `${peer.name}.txt`);
  try {
    const fileBytes = writeEdgeFile(path, peer);
    const sql = `CREATE OR REPLACE TABLE e AS SELECT * FROM read_csv('${path}', delim = ' ', header = false, columns = {'src': 'BIGINT', 'dst': 'BIGINT', 'w': 'DOUBLE'})`;
    const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await duck.connect();
    await conn.run(sql);
    const duckdbSeconds = await timeRuns(runs, async () => {
      const t0 = performance.now();
      await conn.run(sql);
      return seconds(t0);
    });
    conn.closeSync();
    duck.closeSync();
    let vertices = 0;
    const afterFile: number[] = [];
    const loadSeconds = await timeRuns(runs, async () => {
      const sess = await freshSession();
      try {
        const t0 = performance.now();
        const g = sess.scope(() => gs.loadFrom({ edges: path, delimiter: ' ', header: false, edgeProperties: [2] }));
        const summary = (await sess.run(g)) as { vertices: Record<string, number> };
        const load = seconds(t0);
        vertices = Object.values(summary.vertices).reduce((a, b) => a + b, 0);
        const t1 = performance.now();
        await sess.run(sess.scope(() => gs.wcc(g)).toArray('r'));
        afterFile.push(seconds(t1));
        return load;
      } finally {
        await sess.close();
      }
    });
    const c = columnsOf(peer, 'int32');
    const firstWccAfterColumns = await timeRuns(runs, async () => {
      const sess = await freshSession();
      try {
        const g = loadColumns(sess, c);
        await sess.run(g);
        const t1 = performance.now();
        await sess.run(sess.scope(() => gs.wcc(g)).toArray('r'));
        return seconds(t1);
      } finally {
        await sess.close();
      }
    });
    const firstWccAfterFile = summarize(afterFile);
    const row: FileRow = {
      graph: peer.name,
      fileBytes,
      duckdbSql: sql.replace(path, '<file>'),
      duckdbSeconds,
      loadSeconds,
      loadRatio: +(loadSeconds.median / duckdbSeconds.median).toFixed(3),
      vertices,
      firstWccAfterFile,
      firstWccAfterColumns,
      wccRatio: +(firstWccAfterFile.median / firstWccAfterColumns.median).toFixed(3),
    };
    console.log(
      `  file ${(fileBytes / 2 ** 20).toFixed(0)} MB: load ${loadSeconds.median.toFixed(3)} s, DuckDB read_csv (2 threads) ${duckdbSeconds.median.toFixed(3)} s, ratio ${row.loadRatio} (target <= 1.5); ` +
        `${vertices.toLocaleString()} vertices; first WCC after the file ${firstWccAfterFile.median.toFixed(3)} s, after columns ${firstWccAfterColumns.median.toFixed(3)} s (ratio ${row.wccRatio}, target <= 1)`,
    );
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
