/**
 * A kernel probe of the CSV chunk parser (no session, no pool, one thread): the file is cut into the
 * byte ranges readCsv's tiler makes, and each range is parsed twice over —
 * - `parse`: the range's bytes are read first (not timed), then only CsvParser.parse is timed;
 * - `kernel`: the `frame.read_csv` kernel as a worker runs it (its file reads included);
 * - `api`: the whole read through the public API on 2 workers, `groupby(['id1']).agg({ v1: 'sum' })`
 *   (a small group-by so the fetch is tiny): wall ms only (the workers' CPU is not this process's).
 * Prints one JSON line per run and a summary with medians: CPU ms (process.cpuUsage, the steadier figure
 * on a shared machine), wall ms and MB/s of CPU time, and the load average beside them. This measures
 * the kernel only; the user-facing figure (read through a session on 2 workers) is the h2o benchmark's.
 *
 *   npx tsx bench/dataframe/csvParse.ts [file=bench/data/h2o/G1_1e7_1e2_0_0.csv] [runs=3] [modes=parse,kernel]
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { FrameChunk } from '../../src/base/frame.js';
import type { CsvChunkParams } from '../../src/kernels/dataframe/csv.js';
import { CsvParser } from '../../src/kernels/dataframe/csvParse.js';
import { getKernel } from '../../src/kernels/index.js';
import { csvRangeBounds, readCsvNode, type ReadCsvParams } from '../../src/ops/dataframe/csv.js';
import { dataframe as df, newSession } from '../../src/index.js';

const path = process.argv[2] ?? 'bench/data/h2o/G1_1e7_1e2_0_0.csv';
const RUNS = Number(process.argv[3] ?? 3);
const MODES = (process.argv[4] ?? 'parse,kernel').split(',');

const node = readCsvNode(path);
const p = node.params as unknown as ReadCsvParams;
const size = p.file.size;
const bounds = csvRangeBounds(p.dataStart, size, p.chunkBytes);
const n = bounds.length - 1;
const bound = (i: number): number => bounds[i]!;
const ranges: CsvChunkParams[] = Array.from({ length: n }, (_, i) => ({
  file: p.file, layout: p.layout, dataStart: p.dataStart, begin: bound(i), end: bound(i + 1), lineBytes: p.lineBytes,
}));

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/**
 * The bytes of range r as the kernel sees them: from the first record start at or after `begin` through
 * the end of the last record starting before `end`. (Quote-free files only: the probe's h2o files.)
 */
function rangeBytes(fd: number, r: CsvChunkParams): { bytes: Uint8Array; start: number } {
  const lo = r.begin === r.dataStart ? r.begin : r.begin - 1;
  const stop = Math.min(size, r.end + (1 << 16));
  const bytes = new Uint8Array(stop - lo);
  let done = 0;
  while (done < bytes.length) done += readSync(fd, bytes, done, bytes.length - done, lo + done);
  if (bytes.includes(34)) throw new Error('the parse probe handles quote-free files only');
  const start = r.begin === r.dataStart ? 0 : bytes.indexOf(10) + 1;
  const last = r.end >= size ? bytes.length : bytes.indexOf(10, r.end - 1 - lo) + 1;
  return { bytes: bytes.subarray(0, last), start };
}

interface Run {
  mode: string;
  run: number;
  cpuMs: number;
  wallMs: number;
  rows: number;
  mbPerCpuS: number;
  load: string;
}

async function api(run: number): Promise<Run> {
  const sess = newSession({ mode: 'lazy', workers: 2, default: false });
  try {
    const w0 = performance.now();
    await sess.run(df.readCsv(path).groupby(['id1']).agg({ v1: 'sum' }));
    const wall = performance.now() - w0;
    return { mode: 'api', run, cpuMs: Number.NaN, wallMs: Math.round(wall), rows: Number.NaN, mbPerCpuS: Number.NaN, load: load() };
  } finally {
    await sess.close();
  }
}

function once(mode: string, run: number): Run {
  let cpu = 0;
  let wall = 0;
  let rows = 0;
  const kernel = getKernel('frame.read_csv');
  const fd = openSync(p.file.path, 'r');
  try {
    for (const r of ranges) {
      let out: FrameChunk;
      if (mode === 'parse') {
        const { bytes, start } = rangeBytes(fd, r);
        const hint = Math.ceil(((bytes.length - start) / p.lineBytes) * 1.1) + 16;
        const parser = new CsvParser(p.layout);
        const c0 = cpuMs();
        const w0 = performance.now();
        out = parser.parse(bytes, start, bytes.length, hint, () => 0);
        wall += performance.now() - w0;
        cpu += cpuMs() - c0;
      } else {
        const c0 = cpuMs();
        const w0 = performance.now();
        out = kernel([], r as never) as FrameChunk;
        wall += performance.now() - w0;
        cpu += cpuMs() - c0;
      }
      rows += out.rows;
    }
  } finally {
    closeSync(fd);
  }
  const mb = (size - p.dataStart) / 1e6;
  return { mode, run, cpuMs: Math.round(cpu), wallMs: Math.round(wall), rows, mbPerCpuS: Math.round((mb / cpu) * 1000 * 10) / 10, load: load() };
}

const summary: Record<string, unknown> = {
  probe: 'csv parse kernel, one thread (not the user-facing read; see the h2o benchmark)',
  file: p.file.path, bytes: size, chunks: n, chunkBytes: p.chunkBytes, runs: RUNS,
};
for (const mode of MODES) {
  const runs: Run[] = [];
  for (let k = 0; k < RUNS; k++) {
    const r = mode === 'api' ? await api(k) : once(mode, k);
    console.log(JSON.stringify(r));
    runs.push(r);
  }
  summary[mode] = {
    cpuMsMedian: median(runs.map((r) => r.cpuMs)),
    wallMsMedian: median(runs.map((r) => r.wallMs)),
    mbPerCpuSMedian: median(runs.map((r) => r.mbPerCpuS)),
    rows: runs[0]!.rows,
    ...(mode === 'api' ? { mbPerWallSMedian: Math.round(((size - p.dataStart) / 1e3 / median(runs.map((r) => r.wallMs))) * 10) / 10 } : {}),
  };
}
summary.loadAfter = load();
console.log(JSON.stringify(summary));
